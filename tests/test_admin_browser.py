"""An operator's path through the admin in a real browser: headless Chromium from Debian's
packages, driven by Playwright for Python, against a live server over the test database.

Nothing is installed at run time: without /usr/bin/chromium (`apt-get install chromium`, which
.ci/run does) or the playwright package the test is skipped and says why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ApiClient

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "test_admin_browser"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed: apt-get install chromium (.ci/run does it)"
    ),
    # A live server serves committed data (pytest-django runs these tests after the others).
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def seed_order(demo, seed_body) -> str:
    """The seed order, posted through the API before the browser starts: Playwright's sync API
    runs an event loop in this thread, where Django refuses database calls."""
    created = ApiClient(demo.token).create_order(seed_body)
    assert created.status_code == 201, created.content
    return created.json()["number"]


@pytest.fixture
def browser(seed_order):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.lock)"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def ours_only(page, live_server) -> list[str]:
    """Lets `page` reach our server only; returns the list of the other addresses it asked for."""
    elsewhere = []

    def route(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return elsewhere


def test_an_operator_finds_the_seed_order_and_its_items(live_server, demo, seed_order, browser):
    # Given the seed order, posted through the API, and the demo admin's login
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(20_000)
    # When the operator logs in, opens the order list, searches the seed's number and opens it
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", demo.admin_username)
    page.fill("#id_password", demo.admin_password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.fill("#searchbar", seed_order)
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/orders/order/?q=*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    rows.first.locator("th a").click()
    page.wait_for_selector("#orderitem_set-group")
    # Then its page shows the order and its item, read-only, and a screenshot is kept
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "order.png"), full_page=True)
    assert seed_order in page.locator("#content").inner_text()
    items = page.locator("#orderitem_set-group").inner_text()
    assert "DEMO-TSHIRT-M" in items and "Demo T-shirt, M" in items
    assert page.locator("input[name=_save]").count() == 0


def test_the_api_docs_work_without_internet(live_server, browser):
    # Given a browser that reaches nothing but our server (no CDN)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(20_000)
    elsewhere = ours_only(page, live_server)
    # When it opens the API docs
    page.goto(f"{live_server.url}/api/v1/docs")
    # Then Swagger UI draws the operations, create_orders among them, with nothing from elsewhere
    page.locator(".opblock-summary-path", has_text="/create_orders/").first.wait_for()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "docs.png"))
    assert "SalesChannelCreateOrder" in page.locator("#swagger-ui").inner_text()
    assert elsewhere == []


def test_the_operator_dashboard_draws_its_charts_with_data(live_server, demo, seed_order, browser):
    # Given the seed order and a refused one, posted before the browser starts, and a browser
    # that reaches nothing but our server
    refused = ApiClient(demo.token).create_order({"order": {"number": "BROWSER-BAD"}, "order_item": []})
    assert refused.status_code == 400
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(20_000)
    elsewhere = ours_only(page, live_server)
    # When the operator logs in and follows the dashboard link of the admin's index
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", demo.admin_username)
    page.fill("#id_password", demo.admin_password)
    page.click("input[type=submit]")
    assert page.title().endswith("oms admin")
    page.click("#operator-dashboard-link a")
    page.wait_for_selector("#dashboard svg.chart")
    # Then the charts are drawn, with the order's channel and the refusal's codes in them
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=True)
    line = page.locator("svg.chart polyline.series", has=page.locator("title", has_text="Demo web store"))
    assert line.count() == 1 and int(line.get_attribute("data-total")) >= 2  # the demo's and the seed
    assert line.bounding_box()["width"] > 500  # drawn across the chart, not collapsed
    bars = page.locator("svg.chart rect.bar")
    names = [bars.nth(i).get_attribute("data-name") for i in range(bars.count())]
    assert "required" in names and "too_short" in names
    assert any("create_orders" in name for name in names)
    assert all(bars.nth(i).bounding_box()["width"] >= 1 for i in range(bars.count()))
    assert elsewhere == []
