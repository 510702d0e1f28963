"""In a real browser (Debian's Chromium driven by Playwright), under the application's own headers: the public
pages, the map and the evidence images render with no Content-Security-Policy violation, no console error and no
script error; the map shows one marker per public site with coordinates (close ones as a cluster that zooms in), a
marker leads to its site page, and the language switcher works without JavaScript.

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
from tests.public_crawl import EXPORTS, LISTS, OVERVIEW_DATA, XLSX_EXPORTS, public_urls

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


def test_close_sites_are_a_cluster_that_opens_on_a_click(browser_page, live_server, map_sites):
    """Sites some kilometres apart are one cluster at the first zoom, its count in the markercluster circle; each
    click zooms in and the markers of the new view are asked for, until the sites stand one by one."""
    for number in range(4):
        SiteFactory(
            slug=f"pit-{number}",
            name=f"Pit {number}",
            latitude=Decimal("48.1") + Decimal(number) / 10,
            longitude=Decimal("37.9"),
        )
    page, problems = browser_page
    asked = []
    page.on("request", lambda request: "markers.geojson" in request.url and asked.append(request.url))
    open_map(page, live_server)
    cluster = page.locator(".leaflet-marker-icon.marker-cluster")
    assert cluster.count() == 1
    assert cluster.get_attribute("data-cluster") == "5" and cluster.inner_text() == "5"
    assert "marker-cluster-small" in cluster.get_attribute("class")
    assert cluster.get_attribute("aria-label") == "5 sites here: zoom in"
    assert page.locator('.leaflet-marker-icon[data-site="store"]').count() == 1
    assert "bbox=" in asked[0] and "zoom=" in asked[0]
    for _ in range(8):
        if not cluster.count():
            break
        loaded = page.locator("#site-map").get_attribute("data-loaded")
        cluster.first.click()
        page.wait_for_function(f"() => document.querySelector('#site-map').dataset.loaded !== '{loaded}'")
    assert cluster.count() == 0 and len(asked) > 1
    page.locator('.leaflet-marker-icon[data-site="pit-3"]').click()
    assert page.locator(".leaflet-popup-content a").inner_text() == "Pit 3"
    assert problems == []


def test_the_map_page_holds_no_marker(browser_page, live_server, map_sites):
    """Without the markers endpoint, the map has no marker: they are not in the page."""
    page, problems = browser_page
    page.route(
        "**/markers.geojson*",
        lambda route: route.fulfill(
            status=200, content_type="application/geo+json", body='{"type": "FeatureCollection", "features": []}'
        ),
    )
    open_map(page, live_server)
    assert page.locator(".leaflet-marker-icon").count() == 0
    # The list under the map still names the sites, for readers without JavaScript.
    assert page.locator('li[data-site="mine"] a').inner_text() == "Coal mine"
    assert problems == []


def test_the_map_has_land_and_asks_no_other_server(browser_page, live_server, map_sites):
    """Without a tile server the base map is this site's own file: land, coasts, borders and labelled capitals in
    the reader's language, and not one request leaves the site."""
    page, problems = browser_page
    elsewhere = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or elsewhere.append(request.url))
    open_map(page, live_server)
    assert page.locator('#site-map[data-basemap="drawn"]').count() == 1
    for kind in ("land", "coast", "border", "region"):
        assert page.locator(f"path.basemap-{kind}").count() == 1, kind
    assert "Donetsk" in page.locator(".place-label").all_inner_texts()
    page.goto(f"{live_server.url}/sites/mine/")
    page.wait_for_selector('#site-map[data-ready="true"][data-basemap="drawn"]')
    assert page.locator(".leaflet-marker-icon").count() == 1
    page.locator('.language-switcher button[value="ru"]').click()
    page.wait_for_selector('#site-map[data-ready="true"][data-basemap="drawn"]')
    assert "Донецк" in page.locator(".place-label").all_inner_texts()
    assert elsewhere == []
    assert problems == []


def test_show_on_the_map_shows_that_site(browser_page, live_server, map_sites):
    page, problems = browser_page
    page.goto(f"{live_server.url}/sites/store/")
    page.get_by_role("link", name="Show on the map of sites").click()
    page.wait_for_selector('#site-map[data-ready="true"]')
    assert page.locator(".leaflet-popup-content a").inner_text() == "Weapons store"
    assert page.url.endswith("#site-store")
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
    testimony = TestimonyFactory(witness_label="Former detainee", sites=[site], units=[unit], events="2024-03")
    CitationFactory(testimony=testimony)
    PostingFactory(person=PersonFactory(name="Alexei Korchagin", slug="korchagin"), unit=unit)
    images = [
        EvidenceImageFactory(testimony=testimony, caption="The pit", content=image_bytes("JPEG", size=(640, 480))),
        EvidenceImageFactory(site=site, caption="The entrance", content=image_bytes("PNG", size=(400, 300))),
    ]
    return {"testimony": testimony, "site": site, "images": images}


def test_public_pages_the_map_and_evidence_render_without_a_policy_violation(browser_page, live_server, public_world):
    page, problems = browser_page
    data = (
        *map(reverse, EXPORTS + XLSX_EXPORTS),
        "/api/",
        reverse("sites:site_geojson"),
        reverse("sites:site_map_markers"),
        reverse("archive:suggest"),
        reverse("archive:datapackage"),
        OVERVIEW_DATA,
    )
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


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_results_and_the_map_come_first(browser_page, live_server, map_sites):
    """At 390×844 the header fits in 80 px in every language, the filters fold behind one button so that the
    first testimony starts in the first screen (it started at y≈1,120 with the filters open), the map fills the
    first screen of the map page, and the buttons are big enough to tap. On a desktop the filters stay open."""
    from django.conf import settings

    page, problems = browser_page
    for number in range(3):
        TestimonyFactory(
            witness_label=f"Witness {number}",
            sites=[map_sites["mine"], map_sites["store"]],
            units=[UnitFactory(name=f"Long-named {number}th Motorized Rifle Brigade")],
        )
    page.set_viewport_size(PHONE)
    for language in ("en", "nl", "ru", "uk"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/testimonies/")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator(".site-header").bounding_box()["height"] <= 80, language
        first = page.locator("article.testimony").first.bounding_box()
        assert first["y"] + 100 < PHONE["height"], (language, first)
        assert not page.locator("form.filters").is_visible()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/testimonies/?q=witness")
    summary = page.locator(".filter-panel > summary")
    assert summary.inner_text() == "Filters (1 active)"
    summary.click()
    assert page.locator("form.filters").is_visible()
    page.locator(".site-menu > summary").click()
    for target in (summary, page.locator(".site-menu > summary"), page.locator(".site-menu nav a").first):
        box = target.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, box

    open_map(page, live_server)
    box = page.locator("#site-map").bounding_box()
    assert box["y"] < PHONE["height"] / 2 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["height"] >= PHONE["height"] / 2, box

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/testimonies/")
    assert page.locator("form.filters").is_visible() and page.locator('nav a[href="/sites/map/"]').is_visible()
    assert not page.locator(".filter-panel > summary").is_visible()
    assert problems == []


def test_every_public_page_type_passes_axe(browser_page, live_server, public_world):
    """axe-core (the engine of the accessibility audits, as PyPI's axe-playwright-python ships it) finds nothing on
    one page of every public type: in English at a desktop width and in Russian at a phone's, with the map drawn."""
    from axe_playwright_python.sync_playwright import Axe
    from django.conf import settings

    from units.models import Person

    page, problems = browser_page
    testimony, site = public_world["testimony"], public_world["site"]
    unit, publication = site.units.get(), testimony.citations.get().publication
    pages = [
        reverse("archive:home"),
        *(reverse(name) for name in LISTS),
        reverse("archive:overview"),
        f"{reverse('archive:overview')}?witness_role=nonsense&q=zzz-nothing",
        reverse("sites:site_map"),
        f"{reverse('archive:search')}?q=mine",
        testimony.get_absolute_url(),
        site.get_absolute_url(),
        unit.get_absolute_url(),
        Person.objects.get(slug="korchagin").get_absolute_url(),
        publication.source.get_absolute_url(),
        publication.get_absolute_url(),
        "/no-such-page/",
    ]
    axe = Axe()
    found = []
    for language, viewport in (("en", {"width": 1280, "height": 800}), ("ru", PHONE)):
        page.set_viewport_size(viewport)
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        for url in pages:
            page.goto(f"{live_server.url}{url}")
            if page.locator("#site-map").count():
                page.wait_for_selector('#site-map[data-ready="true"]')
            for violation in axe.run(page).response["violations"]:
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"{language} {url}: {violation['id']} ({violation['impact']}) {targets}")
    assert found == []
    assert [problem for problem in problems if "404 (Not Found)" not in problem] == []


def test_admin_change_pages_with_inline_rows_fit_a_1280_px_window(browser_page, live_server):
    """Issue #20: rows of two autocompletes, a choice, a date and a confidence (site–unit links, postings,
    citations) ran 350 px past the edge of a 1,280 px window beside the admin's sidebar; the whole page then
    scrolled sideways. They fit now (static/css/admin-inlines.css), with no policy violation on the way."""
    from tests.factories import PersonAliasFactory, QuoteTranslationFactory, UserFactory

    page, problems = browser_page
    UserFactory(username="root", is_superuser=True)
    unit = UnitFactory(name="1st Motorized Rifle Battalion of the 123rd Separate Motorized Rifle Brigade")
    site = SiteFactory(name="Former mining supplies factory in Makiivka")
    SiteUnitFactory(site=site, unit=unit)
    person = PersonFactory(name="Alexei Korchagin")
    PersonAliasFactory(person=person, name="Алексей Корчагин")
    PostingFactory(person=person, unit=unit)
    testimony = TestimonyFactory(sites=[site], units=[unit])
    CitationFactory(testimony=testimony)
    QuoteTranslationFactory(testimony=testimony)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.fill("#id_username", "root")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    for record in (site, person, unit, testimony):
        url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
        page.goto(f"{live_server.url}{url}")
        assert page.locator(".inline-group .tabular").count() > 0, url
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url
        settle(page)
        assert problems == [], url
