"""Small screens: at 390 px no page scrolls sideways (wide tables scroll inside their own container)
and the navigation collapses to a compact header."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def synced_run(atlan_sandbox, demo_catalog, admin):
    from integrations.models import Integration
    from integrations.runs import run_start

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    return run_start(integration=integration, pull=True, push=True)


def expect_no_sideways_scroll(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"


def test_no_page_scrolls_sideways_at_390_px(page: Page, admin, synced_run, screenshot):
    from catalog.models import Container, Datastore, Field, Tag

    page.set_viewport_size(PHONE)
    sign_in(page, admin.username)
    table = Container.objects.get(name="ORDER_ITEMS")
    pages = {
        "datastore list": "/datastores/",
        "table page": table.get_absolute_url(),
        "integrations tab": "/settings/integrations/",
        "run page": synced_run.get_absolute_url(),
        "datastore page": Datastore.objects.get(name="Sales Warehouse").get_absolute_url(),
        "field page": Field.objects.filter(container=table).first().get_absolute_url(),
        "tags": "/tags/",
        "tag page": Tag.objects.filter(tag_type="external").first().get_absolute_url(),
        "sync history": f"/settings/integrations/{synced_run.integration_id}/runs/",
        "mapping report": f"/runs/{synced_run.pk}/assets/?kind=mapped",
        "API tokens": "/settings/api-tokens/",
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        expect_no_sideways_scroll(page)
        if name in ("datastore list", "table page", "integrations tab", "run page"):
            screenshot(f"phone-{name.replace(' ', '-')}")

    # The wide tables scroll inside their own box instead.
    page.goto("/datastores/")
    box = page.locator("#datastore-results .table-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")


def test_the_navigation_collapses_to_a_compact_header(page: Page, admin):
    page.set_viewport_size(PHONE)
    sign_in(page, admin.username)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    height = nav.evaluate("el => el.getBoundingClientRect().height")
    assert height <= 110, f"the header is {height} px tall"
    for link in ("Explore", "Tags", "Settings"):
        expect(nav.get_by_role("link", name=link)).to_be_in_viewport()
    expect(nav.get_by_role("button", name="Sign out")).to_be_in_viewport()
    # The page starts right under it.
    expect(page.locator("main h1")).to_be_in_viewport()
    nav.get_by_role("link", name="Tags").click()
    expect(page.locator("main h1")).to_have_text("Tags")

    page.set_viewport_size({"width": 1440, "height": 900})
    width = nav.evaluate("el => el.getBoundingClientRect().width")
    assert width < 300, "at desktop widths the navigation is a sidebar again"
