"""Everything the public can fetch, gathered in one string, for tests that look for what must not be there."""

import io
import json
import zipfile

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Person, Unit

LISTS = [
    "testimonies:testimony_list",
    "sites:site_list",
    "units:unit_list",
    "testimonies:source_list",
    "units:person_list",
]
EXPORTS = [
    "testimonies:testimony_export",
    "sites:site_export",
    "units:unit_export",
    "testimonies:source_export",
    "units:person_export",
    "units:posting_export",
]
# The same exports as spreadsheets (core/xlsx_export.py), read back cell by cell with openpyxl.
XLSX_EXPORTS = [f"{name}_xlsx" for name in EXPORTS]
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_AND_EXPORT_URLS = ["archive:home", *LISTS, *EXPORTS, *XLSX_EXPORTS]
# The map and the open data: the GeoJSON export, the API lists (paths /api/<name>/) and the API schema.
MAP_AND_GEOJSON = ["sites:site_map", "sites:site_geojson", "archive:datapackage"]
API_LISTS = {"testimonies": Testimony, "sites": Site, "units": Unit, "persons": Person, "sources": Source}
# The overview's charts (/overview/), and the same numbers as data (`OVERVIEW_DATA` is the prefix of their URLs).
OVERVIEW_DATA = "/overview/?format="
OVERVIEW = ["/overview/", f"{OVERVIEW_DATA}csv", f"{OVERVIEW_DATA}json"]


def api_detail_url(name: str, record) -> str:
    return f"/api/{name}/{record.public_id if name == 'testimonies' else record.slug}/"


def public_urls() -> list[str]:
    urls = [reverse(name) for name in LIST_AND_EXPORT_URLS + MAP_AND_GEOJSON]
    urls += [f"{reverse(name)}?per_page=100" for name in LISTS]
    urls += [f"/api/{name}/?per_page=100" for name in API_LISTS] + [reverse("archive:api_schema")]
    urls += OVERVIEW
    # The map's markers of the whole world: clustered, and one by one.
    urls += [f"{reverse('sites:site_map_markers')}?bbox=-180,-90,180,90&zoom={zoom}" for zoom in (3, 11)]
    urls += [f"{reverse('archive:search')}?q=public", f"{reverse('archive:search')}?q=a"]
    urls += [f"{reverse('archive:suggest')}?type={kind}&q=public" for kind in ("site", "unit", "source", "person")]
    for name, model in API_LISTS.items():
        for record in model.objects.public():
            urls += [record.get_absolute_url(), api_detail_url(name, record)]
    urls += [person.get_absolute_url() for person in Person.objects.public()]
    return urls


def xlsx_value(value):
    # openpyxl leaves the _xHHHH_ escapes of inline strings (control characters, "_x" itself) as they are;
    # Excel and LibreOffice decode them.
    return unescape(value) if isinstance(value, str) else value


def xlsx_sheets(body: bytes) -> dict[str, list[tuple]]:
    """Every sheet of a workbook as its rows of cell values, as a spreadsheet program would read them."""
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    try:
        return {
            sheet.title: [tuple(map(xlsx_value, row)) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def xlsx_text(body: bytes) -> str:
    """The text of every cell of every sheet, a row per line and a tab between cells."""
    rows = [row for sheet in xlsx_sheets(body).values() for row in sheet]
    return "\n".join("\t".join("" if value is None else str(value) for value in row) for row in rows)


def fetch(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"] == XLSX_CONTENT_TYPE:
        return xlsx_text(body)
    return body.decode()


def xlsx_data_rows(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return len(next(iter(xlsx_sheets(b"".join(response.streaming_content)).values()))) - 1


def release_contents(client: Client) -> list[str]:
    """A data release made of the data as it is now: its pages, and the text of every file in its zip."""
    from archive.releases import make_release  # here, so that importing the crawl writes nothing

    release = make_release(notes="crawl")
    texts = [fetch(client, url) for url in ("/data/", release.get_absolute_url())]
    response = client.get(release.get_download_url())
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        texts += [archive.read(name).decode() for name in archive.namelist()]
    return texts


def everything_public(client: Client) -> str:
    """Every public page, export and API answer, and the files of a data release made now."""
    return "\n".join([*(fetch(client, url) for url in public_urls()), *release_contents(client)])


def search_hits(client: Client, term: str) -> int:
    """How many records the public searches of every list and export find for `term`."""
    hits = sum(client.get(reverse(name), {"q": term}).context["result_count"] for name in LISTS)
    for name in EXPORTS:
        hits += len(fetch(client, f"{reverse(name)}?q={term}").splitlines()) - 1
    hits += sum(xlsx_data_rows(client, f"{reverse(name)}?q={term}") for name in XLSX_EXPORTS)
    hits += sum(client.get(f"/api/{name}/", {"q": term}).json()["count"] for name in API_LISTS)
    hits += len(json.loads(fetch(client, f"{reverse('sites:site_geojson')}?q={term}"))["features"])
    hits += client.get(reverse("sites:site_map"), {"q": term}).context["result_count"]
    markers = client.get(reverse("sites:site_map_markers"), {"q": term, "bbox": "-180,-90,180,90", "zoom": 11}).json()
    hits += len(markers["features"])
    hits += sum(group.count for group in client.get(reverse("archive:search"), {"q": term}).context["results"])
    hits += sum(group["count"] for group in client.get(reverse("archive:api_search"), {"q": term}).json()["types"])
    for kind in ("site", "unit", "source", "person"):
        hits += len(client.get(reverse("archive:suggest"), {"type": kind, "q": term}).json()["results"])
    return hits
