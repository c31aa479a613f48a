"""What a person does with Plumbline in a browser, against a live server and the Atlan sandbox.

Tasks run inline (Q_SYNC), so a Start click finishes its run inside the request; the run page
then shows the final log and status on first paint. Every wait is a web-first assertion.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e

SNOW = "default/snowflake/1700000000/SALES/PUBLIC"


@pytest.fixture
def synced(atlan_sandbox, demo_catalog, admin):
    """An event-driven Atlan integration on the sandbox after one full pull-and-push sync."""
    from integrations.models import Integration
    from integrations.runs import run_start

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=True)
    integration.token = atlan_sandbox.token
    integration.save()
    run = run_start(integration=integration, pull=True, push=True)
    run.refresh_from_db()
    assert run.status == "warnings", run.message  # the demo's planted tag clash is skipped
    return integration


def container_url(name: str) -> str:
    from catalog.models import Container

    return Container.objects.get(name=name).get_absolute_url()


def test_sign_in_rejects_a_wrong_password_and_lands_on_the_datastores(page: Page, admin):
    sign_in(page, admin.username, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    sign_in(page, admin.username)
    expect(page).to_have_url(re.compile(r"/datastores/$"))
    expect(page.locator(".sidebar .who")).to_contain_text(admin.username)


def test_integrations_tab_explains_the_empty_state(page: Page, admin):
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    expect(page.get_by_role("heading", name="No integrations yet")).to_be_visible()
    expect(page.get_by_role("button", name="+ Add Integration").first).to_be_visible()


def test_add_integration_shows_a_wrong_token_in_the_modal_then_connects(
    page: Page, admin, atlan_sandbox, screenshot
):
    from integrations.models import Integration

    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    page.get_by_role("button", name="+ Add Integration").first.click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    modal.get_by_role("textbox", name="Name").fill("Atlan sandbox")
    modal.locator("[name=url]").fill(atlan_sandbox.url)
    modal.locator("[name=token]").fill("not-a-real-token")
    modal.get_by_role("button", name="Save").click()

    expect(modal.get_by_role("alert")).to_contain_text("rejected the API token")
    expect(modal).to_be_visible()
    assert not Integration.objects.exists()

    modal.locator("[name=token]").fill(atlan_sandbox.token)
    modal.get_by_role("button", name="Save").click()
    card = page.locator(".integration-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Atlan sandbox")
    expect(card.locator(".status")).to_have_text("Connected")
    expect(modal).to_be_hidden()
    screenshot("integrations-tab")


def test_sync_modal_pull_and_push_fills_the_log_and_succeeds(
    page: Page, admin, atlan_sandbox, demo_catalog, screenshot
):
    from integrations.models import Integration

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()

    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    page.locator(".integration-card").get_by_role("button", name="Sync", exact=True).click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    modal.get_by_label("Pull Atlan Metadata").check()
    modal.get_by_label("Push Plumbline Metadata").check()
    expect(modal.get_by_label("Preview only")).not_to_be_checked()
    screenshot("sync-modal")
    modal.get_by_role("button", name="Start").click()

    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-summary .status").first).to_have_text("Succeeded with warnings · 1 warning")
    log = page.locator("#run-log .log-line")
    expect(log.first).to_be_visible()
    expect(page.locator("#run-log")).to_contain_text("Sales Warehouse")
    # A finished run stops polling.
    expect(page.locator("#run-poller")).not_to_have_attribute("hx-trigger", re.compile("every"))
    screenshot("run-live-log")


def test_a_table_shows_its_catalog_tags_as_external(page: Page, admin, synced, screenshot):
    sign_in(page, admin.username)
    page.goto(container_url("PAYMENTS"))
    tags = page.locator("#asset-tags")
    external = tags.locator("a.chip-external", has_text="Confidential")
    expect(external).to_be_visible()
    # The catalog's mark in the chip; the integration's name on hover.
    expect(external.locator(".mark-atlan")).to_have_text("A")
    expect(external).to_have_attribute("title", "External tag from integration Atlan sandbox")
    # The demo's global tag on the same table is not styled as external.
    expect(tags.locator(".chip:not(.chip-external)", has_text="Critical")).to_be_visible()
    screenshot("table-external-tags")


def test_a_tables_catalog_panel_names_its_catalog_asset_and_its_link_opens_it(
    page: Page, viewer, synced, screenshot
):
    sign_in(page, viewer.username)
    page.goto(container_url("ORDER_ITEMS"))
    panel = page.locator("#catalog-panel")
    expect(panel).to_contain_text(f"{SNOW}/ORDER_ITEMS")
    expect(panel).to_contain_text("Plumbline: 1 active anomaly")
    expect(panel).to_contain_text("Plumbline › Anomaly Count")
    screenshot("table-catalog-panel")
    with page.context.expect_page() as opened:
        panel.locator("a.catalog-link").click()
    catalog = opened.value
    expect(catalog.locator("#asset-name")).to_contain_text("ORDER_ITEMS")
    expect(catalog.locator(".ann.warning")).to_contain_text("Plumbline: 1 active anomaly")


def test_an_external_tag_lists_its_assets(page: Page, admin, synced):
    sign_in(page, admin.username)
    page.goto(container_url("PAYMENTS"))
    page.locator("#asset-tags a.chip-external", has_text="Confidential").click()
    expect(page).to_have_url(re.compile(r"/tags/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confidential")
    expect(page.locator("main")).to_contain_text("PAYMENTS")
    expect(page.locator("main")).to_contain_text("email")


def test_resolving_a_tables_anomalies_removes_its_announcement_in_the_catalog(
    page: Page, admin, synced, atlan_sandbox, screenshot
):
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS")["title"] == "Plumbline: 1 active anomaly"
    sign_in(page, admin.username)
    page.goto(atlan_sandbox.url + "/")
    items = page.locator("main .card").filter(has=page.locator("h3", has_text=f"{SNOW}/ORDER_ITEMS"))
    expect(items.locator(".ann.warning")).to_contain_text("Plumbline: 1 active anomaly")
    screenshot("sandbox-pushed-metadata")

    page.goto(container_url("ORDER_ITEMS"))
    row = page.locator("#anomaly-results tbody tr").first
    row.get_by_role("button", name="Resolve").click()
    expect(row.locator(".status")).to_have_text("Resolved")
    expect(row.get_by_role("button", name="Resolve")).to_have_count(0)

    # The event push runs after the commit; the sandbox's page then no longer shows it.
    page.goto(atlan_sandbox.url + "/")
    expect(items).to_have_count(1)
    expect(items.locator(".ann")).to_have_count(0)
    expect(page.locator("aside li").filter(has_text="ORDER_ITEMS").first).to_contain_text(
        "announcement removed"
    )
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS") is None


def test_a_viewer_sees_no_admin_actions(page: Page, viewer, synced):
    sign_in(page, viewer.username)
    page.goto("/settings/integrations/")
    card = page.locator(".integration-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name="Sync history")).to_be_visible()
    for name in ("+ Add Integration", "Sync", "Edit", "Test connection", "Delete"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)

    page.goto(container_url("ORDERS"))
    expect(page.locator("#anomaly-results tbody tr").first).to_be_visible()
    for name in ("Resolve", "Acknowledge", "Resolve all open", "Add tag"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
