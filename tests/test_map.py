"""The map of sites (/sites/map/) and the GeoJSON export (/export/sites.geojson)."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from jsonschema import Draft202012Validator

from core.curation import PublicationStatus
from sites import basemap
from sites.geo import PROPERTY_COLUMNS, feature_collection_schema
from testimonies.models import Testimony
from tests.factories import SiteFactory, SiteUnitFactory, TestimonyFactory, UnitFactory

pytestmark = pytest.mark.django_db

BASEMAP = "vendor/basemap/region.geojson"
HIDDEN_STATUSES = [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD]


@pytest.fixture
def sites():
    """Public sites with and without coordinates, and a hidden site with coordinates in each hidden status.

    The coordinates are chosen so that latitude and longitude cannot be mistaken for each other.
    """
    brigade = UnitFactory(slug="brigade", name="5th Brigade")
    mine = SiteFactory(
        slug="mine", name="Coal mine", region="Donetsk", latitude=Decimal("48.015900"), longitude=Decimal("37.802800")
    )
    store = SiteFactory(
        slug="store",
        name="Weapons store",
        region="Nizhny Novgorod",
        territory="russia",
        latitude=Decimal("56.326900"),
        longitude=Decimal("44.005900"),
    )
    basement = SiteFactory(slug="basement", name="Basement without location", region="Donetsk")
    hidden = [
        SiteFactory(
            slug=f"hidden-{status}",
            name=f"Zqxhidden {status}",
            status=status,
            region="Donetsk",
            latitude=Decimal("47.100000"),
            longitude=Decimal("37.500000"),
        )
        for status in HIDDEN_STATUSES
    ]
    SiteUnitFactory(site=mine, unit=brigade)
    return {"mine": mine, "store": store, "basement": basement, "hidden": hidden, "brigade": brigade}


def map_markers(html: str) -> dict:
    match = re.search(r'<script id="site-map-markers" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the map page embeds its markers as JSON"
    return json.loads(match.group(1))


def geojson(client, **params):
    response = client.get(reverse("sites:site_geojson"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))


# --- the map page -----------------------------------------------------------------------------------------------


def test_map_lists_exactly_the_public_sites_with_coordinates(client, sites):
    response = client.get(reverse("sites:site_map"))
    assert response.status_code == 200
    html = response.content.decode()
    expected = {"mine", "store"}
    assert {site.slug for site in response.context["mapped_sites"]} == expected
    assert set(re.findall(r'<li data-site="([^"]+)" id="site-[^"]+">', html)) == expected
    markers = map_markers(html)
    assert {feature["properties"]["slug"] for feature in markers["features"]} == expected
    assert "Zqxhidden" not in html and "hidden-" not in html
    # The site without coordinates is counted, not placed.
    assert response.context["unmapped_count"] == 1
    assert "1 more site matches these filters but has no known location." in html


def test_map_markers_put_longitude_first_and_link_to_the_site_page(client, sites):
    markers = map_markers(client.get(reverse("sites:site_map")).content.decode())
    mine = next(feature for feature in markers["features"] if feature["properties"]["slug"] == "mine")
    assert mine["geometry"] == {"type": "Point", "coordinates": [37.8028, 48.0159]}
    assert mine["properties"]["url"] == sites["mine"].get_absolute_url()
    assert mine["properties"]["name"] == "Coal mine"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "Donetsk"}, {"mine"}),
        ({"territory": "russia"}, {"store"}),
        ({"unit": "brigade"}, {"mine"}),
        ({"q": "weapons"}, {"store"}),
        ({"kind": "coal_mine"}, set()),
    ],
)
def test_map_applies_the_site_list_filters(client, sites, params, expected):
    response = client.get(reverse("sites:site_map"), params)
    assert {site.slug for site in response.context["mapped_sites"]} == expected
    features = map_markers(response.content.decode())["features"]
    assert {feature["properties"]["slug"] for feature in features} == expected
    # The export links carry the same filters.
    assert response.context["geojson_url"].endswith("?" + "&".join(f"{k}={v}" for k, v in params.items()))


def test_map_ignores_an_invalid_filter_with_a_message(client, sites):
    response = client.get(reverse("sites:site_map"), {"kind": "castle", "region": "Donetsk"})
    assert response.status_code == 200
    assert {site.slug for site in response.context["mapped_sites"]} == {"mine"}
    assert "“Kind” was ignored" in response.content.decode()
    assert response.context["geojson_url"] == "/export/sites.geojson?region=Donetsk"


def test_map_filter_on_a_hidden_unit_reveals_nothing(client, sites):
    hidden_unit = UnitFactory(slug="hidden-unit", status=PublicationStatus.DRAFT)
    SiteUnitFactory(site=sites["store"], unit=hidden_unit)
    response = client.get(reverse("sites:site_map"), {"unit": "hidden-unit"})
    unknown = client.get(reverse("sites:site_map"), {"unit": "no-such-unit"})
    assert response.context["mapped_sites"] == unknown.context["mapped_sites"] == []
    assert not response.context["filter_errors"]


def test_map_tiles_come_from_the_settings(client, sites, settings):
    html = client.get(reverse("sites:site_map")).content.decode()
    assert 'data-tile-url=""' in html
    assert f'data-basemap-url="/static/{BASEMAP}"' in html
    assert "comes from this site itself" in html
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = '&copy; <a href="https://example.org">Example</a>'
    html = client.get(reverse("sites:site_map")).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    # Escaped into the attribute; the script reads it back as the operator wrote it.
    assert 'data-tile-attribution="&amp;copy; &lt;a href=&quot;https://example.org&quot;&gt;Example&lt;/a&gt;"' in html
    assert 'data-basemap-url=""' in html and "comes from this site itself" not in html


def test_site_names_cannot_break_out_of_the_embedded_json(client):
    SiteFactory(slug="evil", name="</script><script>alert(1)</script>", latitude=1, longitude=2)
    html = client.get(reverse("sites:site_map")).content.decode()
    assert "<script>alert(1)" not in html
    assert map_markers(html)["features"][0]["properties"]["name"] == "</script><script>alert(1)</script>"


def test_map_page_uses_the_vendored_leaflet_and_a_static_script(client, sites):
    html = client.get(reverse("sites:site_map")).content.decode()
    for path in (
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "vendor/leaflet.markercluster/MarkerCluster.css",
        "js/site-map.js",
    ):
        assert f"/static/{path}" in html
        assert finders.find(path), path
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_vendored_leaflet_is_the_recorded_version_with_its_licence():
    with open(finders.find("vendor/leaflet/VERSION")) as version_file:
        name, version = version_file.readline().split()
    assert name == "leaflet"
    with open(finders.find("vendor/leaflet/leaflet.js")) as script:
        assert f"Leaflet {version}," in script.read(200)
    with open(finders.find("vendor/leaflet/LICENSE")) as licence:
        assert "BSD 2-Clause" in licence.read()
    for image in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png", "layers-2x.png"):
        assert finders.find(f"vendor/leaflet/images/{image}"), image


def test_a_site_cannot_take_the_slug_of_the_map_page():
    site = SiteFactory.build(slug="map")
    with pytest.raises(ValidationError) as refusal:
        site.full_clean()
    assert "slug" in refusal.value.message_dict


def test_site_list_and_detail_link_to_the_map_and_the_geojson(client, sites):
    listing = client.get(reverse("sites:site_list"), {"region": "Donetsk"})
    assert listing.context["geojson_url"] == "/export/sites.geojson?region=Donetsk"  # as the reader gave it
    assert '<a href="/sites/map/?region=Donetsk">' in listing.content.decode()
    on_the_map = client.get(reverse("sites:site_map"), {"region": "Donetsk"}).content.decode()
    assert '<a href="/sites/?region=Donetsk">' in on_the_map
    detail = client.get(sites["mine"].get_absolute_url()).content.decode()
    assert f"{reverse('sites:site_map')}?region=donetsk#site-mine" in detail
    without = client.get(sites["basement"].get_absolute_url()).content.decode()
    assert reverse("sites:site_map") + "?" not in without


def test_a_site_page_has_a_small_map_of_that_site_only(client, sites):
    sites["mine"].location_precision = "settlement"
    sites["mine"].save()
    response = client.get(sites["mine"].get_absolute_url())
    html = response.content.decode()
    assert 'data-single="true"' in html and "/static/js/site-map.js" in html
    (feature,) = map_markers(html)["features"]
    assert feature["geometry"]["coordinates"] == [37.8028, 48.0159]
    assert feature["properties"]["precision"] == "settlement"
    assert feature["properties"]["precision_label"] == "Location precision: Settlement"
    # Rounded to about ten metres, and the settlement is not repeated when it is the region's name.
    assert "48.0159, 37.8028" in html
    without = client.get(sites["basement"].get_absolute_url()).content.decode()
    assert "site-map-markers" not in without and "site-map.js" not in without


# --- the offline base map -----------------------------------------------------------------------------------------


def test_the_vendored_base_map_covers_the_region_with_land_borders_and_places():
    with open(finders.find(BASEMAP), encoding="utf-8") as file:
        collection = json.load(file)
    kinds = [feature["properties"]["kind"] for feature in collection["features"]]
    assert kinds[:3] == ["land", "coast", "border"] and kinds.count("place") == len(basemap.PLACES)
    west, south, east, north = collection["bbox"]
    land = collection["features"][0]["geometry"]["coordinates"]
    assert land and all(
        west <= x <= east and south <= y <= north for polygon in land for ring in polygon for x, y in ring
    )
    places = {feature["properties"]["name"]["en"]: feature for feature in collection["features"][3:]}
    assert places["Donetsk"]["properties"]["name"]["ru"] == "Донецк"
    assert places["Kyiv"]["properties"]["capital"] is True
    # No border is drawn between Crimea and the rest of Ukraine (the Perekop isthmus, 33.5–35° E, 45.7–46.3° N).
    borders = collection["features"][2]["geometry"]["coordinates"]
    assert not any(33.4 < x < 35.1 and 45.6 < y < 46.3 for line in borders for x, y in line)
    with open(finders.find("vendor/basemap/VERSION")) as version:
        assert version.readline().startswith("world-atlas 2.0.2 (Natural Earth")
    assert finders.find("vendor/basemap/LICENSE-world-atlas")
    with open(finders.find("vendor/leaflet.markercluster/MIT-LICENCE.txt")) as licence:
        assert "MIT" in licence.read() or "Permission is hereby granted" in licence.read()


def test_the_base_map_is_cut_from_the_topology_with_coasts_borders_and_the_recognised_crimea():
    """A tiny topology: Ukraine (804) and Russia (643) share two arcs, one north of 46.5° N (their border) and one
    south of it (the line Natural Earth draws around Crimea); a third country lies partly outside the box."""
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [
            [[30, 50], [10, 0]],  # 0: Ukraine–Russia, 50° N
            [[40, 50], [0, -5], [-10, 0], [0, 5]],  # 1: Ukraine's coast
            [[40, 50], [0, 5], [-10, 0], [0, -5]],  # 2: Russia's coast
            [[34, 45], [1, 1]],  # 3: Ukraine–Russia, 45–46° N
            [[5, 50], [20, 0], [0, 5], [-20, 0], [0, -5]],  # 4: a country reaching west of the box
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "id": "804", "arcs": [[0, 1, 3]]},
                    {"type": "Polygon", "id": "643", "arcs": [[~0, 2, ~3]]},
                    {"type": "Polygon", "id": "999", "arcs": [[4]]},
                ],
            },
            "land": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[4]]}]},
        },
    }
    land, coast, border, *places = basemap.build(topology, bbox=(16, 40, 62, 64))["features"]
    assert border["geometry"]["coordinates"] == [[[30, 50], [40, 50]]]
    assert len(coast["geometry"]["coordinates"]) == 3
    (polygon,) = land["geometry"]["coordinates"]
    assert min(x for x, _ in polygon[0]) == 16  # cut at the box's western edge
    assert [place["geometry"]["type"] for place in places] == ["Point"] * len(basemap.PLACES)


# --- the GeoJSON export -----------------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_the_public_sites_with_coordinates(client, sites):
    data = geojson(client)
    assert data["type"] == "FeatureCollection"
    assert {feature["properties"]["slug"] for feature in data["features"]} == {"mine", "store"}
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90
    Draft202012Validator(feature_collection_schema()).validate(data)


def test_geojson_coordinates_are_longitude_then_latitude(client, sites):
    features = {feature["properties"]["slug"]: feature for feature in geojson(client)["features"]}
    assert features["mine"]["geometry"]["coordinates"] == [37.8028, 48.0159]
    assert features["store"]["geometry"]["coordinates"] == [44.0059, 56.3269]
    # Southern and western hemispheres keep their signs.
    SiteFactory(slug="far", latitude=Decimal("-33.868800"), longitude=Decimal("-151.209300"))
    far = next(feature for feature in geojson(client)["features"] if feature["properties"]["slug"] == "far")
    assert far["geometry"]["coordinates"] == [-151.2093, -33.8688]


def test_geojson_properties_are_the_public_fields_and_the_url(client, sites):
    TestimonyFactory(sites=[sites["mine"]], real_name="Secret Realname", contact="secret@example.org")
    TestimonyFactory(sites=[sites["mine"]], status=PublicationStatus.DRAFT)
    body = b"".join(client.get(reverse("sites:site_geojson")).streaming_content).decode()
    mine = next(feature for feature in json.loads(body)["features"] if feature["properties"]["slug"] == "mine")
    properties = mine["properties"]
    assert set(properties) == {column.name for column in PROPERTY_COLUMNS}
    assert properties["url"] == f"http://testserver{sites['mine'].get_absolute_url()}"
    assert properties["unit_slugs"] == ["brigade"]
    assert properties["unit_roles"] == ["brigade:operated"]
    assert properties["testimony_ids"] == [Testimony.objects.public().get().public_id]
    assert not {"status", "latitude", "longitude", "created_by", "version", *Testimony.RESTRICTED_FIELDS} & set(
        properties
    )
    assert "Secret" not in body and "secret@" not in body


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_geojson_leaves_out_non_public_sites_and_links(client, sites, status):
    hidden_unit = UnitFactory(slug="zqx-unit", status=status)
    SiteUnitFactory(site=sites["mine"], unit=hidden_unit)
    body = b"".join(client.get(reverse("sites:site_geojson")).streaming_content).decode()
    assert "Zqxhidden" not in body and "hidden-" not in body and "zqx-unit" not in body


def test_geojson_honours_the_site_list_filters(client, sites):
    assert [f["properties"]["slug"] for f in geojson(client, region="Nizhny Novgorod")["features"]] == ["store"]
    assert [f["properties"]["slug"] for f in geojson(client, unit="brigade")["features"]] == ["mine"]
    assert geojson(client, kind="pit")["features"] == []


def test_geojson_refuses_invalid_filters(client, sites):
    response = client.get(reverse("sites:site_geojson"), {"kind": "castle"})
    assert response.status_code == 400


def test_geojson_with_no_site_is_an_empty_collection(client):
    assert geojson(client) == {"type": "FeatureCollection", "features": []}


def test_geojson_may_be_read_by_any_web_page(client, sites):
    response = client.get(reverse("sites:site_geojson"))
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Disposition"].startswith('inline; filename="sites-')


def test_production_static_files_build_with_the_vendored_leaflet(tmp_path, settings):
    """collectstatic with the production storage follows leaflet.css's images and leaflet.js's source map."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "js/site-map.js"):
        assert (tmp_path / paths[name]).exists(), name
    hashed_css = (tmp_path / paths["vendor/leaflet/leaflet.css"]).read_text()
    assert paths["vendor/leaflet/images/layers.png"].removeprefix("vendor/leaflet/") in hashed_css
