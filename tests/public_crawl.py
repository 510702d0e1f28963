"""Everything the public can fetch, gathered in one string, for tests that look for what must not be there."""

from django.test import Client
from django.urls import reverse

from sites.models import Site
from testimonies.models import Source, Testimony
from units.models import Unit

LIST_AND_EXPORT_URLS = [
    "testimonies:home",
    "testimonies:testimony_list",
    "sites:site_list",
    "units:unit_list",
    "testimonies:source_list",
    "testimonies:testimony_export",
    "sites:site_export",
    "units:unit_export",
    "testimonies:source_export",
]


LISTS = LIST_AND_EXPORT_URLS[1:5]
EXPORTS = LIST_AND_EXPORT_URLS[5:]


def public_urls() -> list[str]:
    urls = [reverse(name) for name in LIST_AND_EXPORT_URLS]
    urls += [f"{reverse(name)}?per_page=100" for name in LISTS]
    for model in (Testimony, Site, Unit, Source):
        urls += [record.get_absolute_url() for record in model.objects.public()]
    return urls


def fetch(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


def everything_public(client: Client) -> str:
    return "\n".join(fetch(client, url) for url in public_urls())


def search_hits(client: Client, term: str) -> int:
    """How many records the public searches of every list and export find for `term`."""
    hits = sum(client.get(reverse(name), {"q": term}).context["result_count"] for name in LISTS)
    for name in EXPORTS:
        hits += len(fetch(client, f"{reverse(name)}?q={term}").splitlines()) - 1
    return hits
