"""The README names URLs; each one must exist and answer (issue 18, item 7): a renamed route or a page that no longer
answers fails here instead of misleading an operator."""

import re
from itertools import product
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import Resolver404, resolve

from archive.releases import make_release
from tests.factories import (
    AbuseTypeFactory,
    EvidenceImageFactory,
    PersonFactory,
    PublicationFactory,
    SiteFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"
# Paths in the README that are files on the server, not URLs.
FILE_SYSTEM = ("/etc/", "/srv/", "/usr/", "/var/")
# Folders of URLs that the README names as a whole: served below them, never as a page of their own.
URL_FOLDERS = {"/static/", "/media/", "/api/"}


def named_paths() -> dict[str, str]:
    """Every `/…` path in backticks in the README, with `{a,b}` alternatives expanded, mapped to the first concrete
    query string the README gives it (`a\\|b` alternatives: the first; `...`: none)."""
    paths = {}
    for span in re.findall(r"`(/[^`\s]*)`", README.read_text()):
        if span.startswith(FILE_SYSTEM):
            continue
        path, _, query = span.partition("?")
        query = "" if "..." in query else re.sub(r"\\\|[^&=]*", "", query)
        pieces = re.split(r"\{([^}]*)\}", path)
        choices = [piece.split(",") if index % 2 else [piece] for index, piece in enumerate(pieces)]
        for combination in product(*choices):
            named = "".join(combination)
            paths[named] = paths.get(named) or query
    return dict(sorted(paths.items()))


def test_the_readme_names_the_public_urls():
    paths = named_paths()
    expected = {"/", "/testimonies/<public_id>/", "/api/schema/", "/media/evidence/<name>", "/export/postings.csv"}
    assert expected <= set(paths)


@pytest.fixture
def world():
    source = SourceFactory()
    # The records the README's examples name (they are in the demo data).
    site = SiteFactory(slug="petrovskaya-coal-mine", latitude=48.0, longitude=37.8)
    unit = UnitFactory()
    testimony = TestimonyFactory(sites=[site], units=[unit], abuse_types=[AbuseTypeFactory(slug="beating")])
    PublicationFactory(source=source)
    evidence = EvidenceImageFactory(testimony=testimony)
    person = PersonFactory()
    return {
        "/testimonies/": testimony.public_id,
        "/api/testimonies/": testimony.public_id,
        "/sites/": site.slug,
        "/api/sites/": site.slug,
        "/units/": unit.slug,
        "/api/units/": unit.slug,
        "/persons/": person.slug,
        "/api/persons/": person.slug,
        "/sources/": source.slug,
        "/api/sources/": source.slug,
        "/evidence/": evidence.public_id,
        "/media/evidence/": evidence.display.name.removeprefix("evidence/"),
        "/data/": make_release().number,
    }


def concrete(path: str, world: dict) -> str:
    """The path with its `<placeholder>`s replaced by a real record's keys."""
    if "<" not in path:
        return path
    if path.startswith("/admin/"):
        # `/admin/<app>/<model>/<id>/…`: a testimony stands for any model; otherwise the model the path names.
        path = path.replace("<app>/<model>", "testimonies/testimony")
        app_label, model_name = path.split("/")[2:4]
        record = apps.get_model(app_label, model_name)._base_manager.order_by("pk").first()
        return path.replace("<id>", str(record.pk))
    prefix = path[: path.index("<")]
    return re.sub(r"<[^>]+>", str(world[prefix]), path)


def test_every_url_the_readme_names_resolves_and_answers(admin_client, world):
    client = admin_client  # the admin's pages too; the public ones answer the same to everyone
    for named, query in named_paths().items():
        if named in URL_FOLDERS:
            continue
        path = concrete(named, world)
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"The README names {named}, which no URL pattern matches.")
        response = client.get(f"{path}?{query}" if query else path)
        # A form's target (/i18n/setlang/) redirects a GET; every other named URL is a page, a file or data.
        assert response.status_code in (200, 302), (named, path, response.status_code)
