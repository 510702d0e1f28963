"""In a real browser (Debian's Chromium driven by Playwright), under the application's own headers: the public
pages, the map and the evidence images render with no Content-Security-Policy violation, no console error and no
script error; the map shows one marker per public site with coordinates, a marker leads to its site page, and the
language switcher works without JavaScript.

Nothing rewrites the responses on their way to the browser: the policy the browser enforces is the one the
application sends (an inline script or style, a missing `img-src` or a style Leaflet sets the wrong way shows up as
a violation). The browser and the live server are shared by every test of the session (tests/conftest.py).
"""

import os
from decimal import Decimal

import pytest
from django.urls import reverse

from core.curation import PublicationStatus
from tests.conftest import CHROMIUM
from tests.factories import (
    CitationFactory,
    EvidenceImageFactory,
    PersonFactory,
    PostingFactory,
    SiteAliasFactory,
    SiteFactory,
    SiteUnitFactory,
    TestimonyFactory,
    UnitFactory,
    image_bytes,
)
from tests.public_crawl import EXPORTS, XLSX_EXPORTS, public_urls

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("REQUIRE_SYSTEM_TOOLS"),
        reason="Chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def map_sites():
    return {
        "mine": SiteFactory(
            slug="mine", name="Coal mine", latitude=Decimal("48.015900"), longitude=Decimal("37.802800")
        ),
        "store": SiteFactory(
            slug="store", name="Weapons store", latitude=Decimal("56.326900"), longitude=Decimal("44.005900")
        ),
        "unmapped": SiteFactory(slug="unmapped", name="Basement without location"),
        "hidden": SiteFactory(
            slug="hidden",
            name="Hidden site",
            status=PublicationStatus.REVIEW,
            latitude=Decimal("47.000000"),
            longitude=Decimal("38.000000"),
        ),
    }


def open_map(page, live_server, query=""):
    page.goto(f"{live_server.url}/sites/map/{query}")
    page.wait_for_selector('#site-map[data-ready="true"]')
    return page.locator(".leaflet-marker-icon")


def test_clicking_a_marker_leads_to_the_site_page(browser_page, live_server, map_sites):
    page, problems = browser_page
    markers = open_map(page, live_server)
    assert markers.count() == 2
    assert {markers.nth(index).get_attribute("data-site") for index in range(2)} == {"mine", "store"}

    page.locator('.leaflet-marker-icon[data-site="mine"]').click()
    link = page.locator(".leaflet-popup-content a")
    assert link.inner_text() == "Coal mine"
    link.click()
    page.wait_for_url(f"{live_server.url}/sites/mine/")
    assert page.locator("h1").inner_text() == "Coal mine"
    assert problems == []


def test_a_marker_opens_from_the_keyboard(browser_page, live_server, map_sites):
    page, problems = browser_page
    open_map(page, live_server)
    page.locator('.leaflet-marker-icon[data-site="store"]').focus()
    page.keyboard.press("Enter")
    assert page.locator(".leaflet-popup-content a").inner_text() == "Weapons store"
    assert problems == []


def test_the_map_follows_the_filters(browser_page, live_server, map_sites):
    page, problems = browser_page
    markers = open_map(page, live_server, "?q=weapons")
    assert markers.count() == 1
    assert markers.first.get_attribute("data-site") == "store"
    markers = open_map(page, live_server, "?q=nothing-matches")
    assert markers.count() == 0
    assert problems == []


def test_the_language_switcher_works_without_javascript(browser_page, live_server, map_sites):
    page, problems = browser_page
    page.goto(f"{live_server.url}/sites/mine/")
    page.locator('.language-switcher button[value="ru"]').click()
    page.wait_for_url(f"{live_server.url}/sites/mine/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator('nav a[href="/sites/map/"]').inner_text() == "Карта"
    page.locator('.language-switcher button[value="en"]').click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert problems == []


def test_typing_into_the_site_box_suggests_and_lands_on_the_filtered_list(browser_page, live_server, map_sites):
    page, problems = browser_page
    TestimonyFactory(witness_label="Held in the mine", sites=[map_sites["mine"]])
    TestimonyFactory(witness_label="Held in the store", sites=[map_sites["store"]])
    SiteAliasFactory(site=map_sites["mine"], name="шахта «Петровская»")
    page.goto(f"{live_server.url}/testimonies/")
    box = page.locator('input[name="site"]')
    assert box.get_attribute("role") == "combobox"
    box.press_sequentially("Петров")
    option = page.locator('.suggestions [role="option"]')
    option.first.wait_for()
    assert option.count() == 1 and option.first.inner_text() == "Coal mine"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.first.get_attribute("id")
    box.press("Enter")
    page.wait_for_url(f"{live_server.url}/testimonies/?*site=mine*")
    assert page.locator("article.testimony h3").all_inner_texts() == ["Held in the mine"]
    assert "Site: Coal mine" in page.locator(".chips").inner_text()
    assert problems == []


def settle(page):
    """Let the browser deliver what it queued (violation events are dispatched as tasks of their own)."""
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")


def images_shown(page) -> dict[str, int]:
    """Every image of the page (lazy ones scrolled into view) with its natural width: 0 when it was refused."""
    images = page.locator("img")
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every((image) => image.complete)")
    return dict(page.evaluate("() => [...document.images].map((image) => [image.src, image.naturalWidth])"))


def test_the_browser_enforces_the_applications_own_policy(browser_page, live_server):
    page, problems = browser_page
    response = page.goto(f"{live_server.url}/")
    policy = response.all_headers()["content-security-policy"]
    assert "default-src 'none'" in policy and "img-src 'self'" in policy and "script-src 'self'" in policy
    # The policy is enforced: an inline script is refused, and the refusal is reported to the test.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }"
    )
    settle(page)
    assert any("script-src" in problem and "CSP violation" in problem for problem in problems), problems


@pytest.fixture
def public_world():
    """One of every public record, linked, with evidence images on a testimony and on a site."""
    unit = UnitFactory(name="1st Motorized Rifle Battalion", slug="battalion")
    site = SiteFactory(slug="mine", name="Coal mine", latitude=Decimal("48.0159"), longitude=Decimal("37.8028"))
    SiteUnitFactory(site=site, unit=unit)
    testimony = TestimonyFactory(witness_label="Former detainee", sites=[site], units=[unit])
    CitationFactory(testimony=testimony)
    PostingFactory(person=PersonFactory(name="Alexei Korchagin", slug="korchagin"), unit=unit)
    images = [
        EvidenceImageFactory(testimony=testimony, caption="The pit", content=image_bytes("JPEG", size=(640, 480))),
        EvidenceImageFactory(site=site, caption="The entrance", content=image_bytes("PNG", size=(400, 300))),
    ]
    return {"testimony": testimony, "site": site, "images": images}


def test_public_pages_the_map_and_evidence_render_without_a_policy_violation(browser_page, live_server, public_world):
    page, problems = browser_page
    data = (*map(reverse, EXPORTS + XLSX_EXPORTS), "/api/", reverse("sites:site_geojson"), reverse("archive:suggest"))
    pages = [url for url in public_urls() if not url.startswith(data)]
    assert len(pages) > 15 and reverse("sites:site_map") in pages
    shown = {}
    for url in pages:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        if url.startswith(reverse("sites:site_map")):
            page.wait_for_selector('#site-map[data-ready="true"] .leaflet-marker-icon')
        shown |= images_shown(page)
        settle(page)
        assert problems == [], url
    # The thumbnails were shown in the pages, and the marker icon on the map.
    for image in public_world["images"]:
        assert shown[f"{live_server.url}{image.thumbnail.url}"] > 0
    assert any(src.endswith("marker-icon.png") and width > 0 for src, width in shown.items()), shown

    # Each evidence file opened on its own comes from the application's checking view, as an image under a sandbox
    # policy (from the server, not the browser's cache). The sandbox runs no script at all, so nothing is evaluated
    # in that document: the browser's own console reports what it refuses there.
    page.context.new_cdp_session(page).send("Network.clearBrowserCache")
    for image in public_world["images"]:
        for url in (image.thumbnail.url, image.display.url):
            response = page.goto(f"{live_server.url}{url}")
            headers = response.all_headers()
            assert response.status == 200 and headers["content-type"] == image.content_type, url
            assert "sandbox" in headers["content-security-policy"] and headers["cache-control"] == "no-cache", url
    page.goto(f"{live_server.url}/")
    settle(page)
    # Chromium shows a lone image in a document of its own whose layout is inline style, and the test's reporting
    # script is injected into every document: the file's policy refuses both (default-src 'none'; sandbox), which
    # is that policy at work, not a fault of the site, and the image is shown all the same. Anything else fails.
    file_urls = {f"{live_server.url}{image.display.url}" for image in public_world["images"]}
    file_urls |= {f"{live_server.url}{image.thumbnail.url}" for image in public_world["images"]}
    expected = (
        "Applying inline style violates the following Content Security Policy directive 'default-src 'none''",
        "Blocked script execution in 'http",  # "... because the document's frame is sandboxed"
    )
    unexpected = [
        problem
        for problem in problems
        if not (problem.startswith(expected) and problem.endswith(tuple(f"({url})" for url in file_urls)))
    ]
    assert unexpected == []
