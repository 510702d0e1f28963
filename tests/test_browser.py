"""In a real browser (Debian's Chromium driven by Playwright): the map shows one marker per public site with
coordinates, a marker leads to its site page, and the language switcher works without JavaScript.

Every response is given a strict Content-Security-Policy on its way to the browser, so that an inline script or
style anywhere on these pages (ours or Leaflet's) shows up as a violation and fails the test.
"""

import os
import shutil
from decimal import Decimal

import pytest
from django.db import connections

from core.curation import PublicationStatus
from tests.factories import SiteAliasFactory, SiteFactory, TestimonyFactory

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("REQUIRE_SYSTEM_TOOLS"),
        reason="Chromium is not installed (apt-get install chromium); .ci/run installs it so CI runs this test",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(monkeypatch):
    """A Chromium page whose console errors, script errors and CSP violations end up in `problems`."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        problems = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

        def with_strict_csp(route):
            response = route.fetch(max_redirects=0)
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

        page.route("**/*", with_strict_csp)
        yield page, problems
        browser.close()
        # Database work done while Playwright runs gets a connection of its own (Django keys connections by
        # context, and Playwright's sync API switches contexts); close it, or PostgreSQL cannot drop the test
        # database at the end of the run.
        connections.close_all()


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
