"""An admin adds the Alation sandbox in the modal, syncs, sees Alation tags on a table, resolves a
table's anomalies and watches Plumbline's WARNING flag disappear from the sandbox's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_alation_waits(monkeypatch):
    from integrations.alation import connector as alation_connector

    monkeypatch.setattr(alation_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


def container_url(name: str) -> str:
    from catalog.models import Container

    return Container.objects.get(name=name).get_absolute_url()


def add_alation(page: Page, sandbox, screenshot) -> None:
    page.goto("/settings/integrations/")
    page.get_by_role("button", name="+ Add Integration").first.click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    modal.get_by_label("Type").select_option("alation")
    expect(modal.locator("[name=refresh_token]")).to_be_visible()
    modal.get_by_role("textbox", name="Name").fill("Alation sandbox")
    modal.locator("[name=url]").fill(sandbox.url)
    modal.locator("[name=user_id]").fill("7")
    modal.locator("[name=refresh_token]").fill(sandbox.refresh_token)
    modal.get_by_role("button", name="List domains from the catalog").click()
    expect(modal.locator("#parameter-domains-choices")).to_contain_text("Sales › Orders")
    modal.get_by_text("Sync options").click()  # folded: the connection comes first
    expect(modal.get_by_label("Enable Announcements")).to_be_visible()
    expect(modal).to_contain_text("WARNING trust flags on tables with active anomalies")
    modal.locator("[name=integration_type]").evaluate("el => el.scrollIntoView({block: 'start'})")
    screenshot("alation-add-integration")

    modal.locator("[name=refresh_token]").fill("plumbline-expired-refresh-token")
    modal.get_by_role("button", name="Save").click()
    expect(modal.get_by_role("alert").first).to_contain_text("refresh token expired")
    modal.locator("[name=refresh_token]").fill(sandbox.refresh_token)
    modal.get_by_role("button", name="Save").click()
    card = page.locator(".integration-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Alation sandbox")
    expect(card.locator(".status")).to_have_text("Connected")
    screenshot("alation-integrations-tab")


def test_an_alation_integration_added_in_the_modal_syncs_tags_in_and_drops_its_flag_when_anomalies_go(
    page: Page, admin, alation_sandbox, demo_catalog, screenshot
):
    sign_in(page, admin.username)
    add_alation(page, alation_sandbox, screenshot)

    page.locator(".integration-card").get_by_role("button", name="Sync", exact=True).click()
    modal = page.locator("dialog#modal")
    expect(modal.get_by_label("Pull Alation Metadata")).to_be_visible()
    expect(modal).to_contain_text("WARNING trust flags on tables with active anomalies")
    modal.get_by_label("Pull Alation Metadata").check()
    modal.get_by_label("Push Plumbline Metadata").check()
    modal.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-summary .status").first).to_have_text("Succeeded with warnings · 1 warning")
    expect(page.locator("#run-log")).to_contain_text("SALES.PUBLIC ↔ 1.SALES.PUBLIC")
    screenshot("alation-run-log")

    page.goto(container_url("customers"))
    external = page.locator("#asset-tags a.chip-external", has_text="PII")
    expect(external).to_be_visible()
    expect(external).to_have_attribute("title", "External tag from integration Alation sandbox")
    screenshot("alation-table-external-tags")

    sandbox_page = alation_sandbox.url + "/?ds=1&q=ORDER_ITEMS"
    page.goto(sandbox_page)
    items = page.locator("main .card").filter(has=page.locator("h3", has_text="ORDER_ITEMS"))
    expect(items.locator(".flag.WARNING")).to_contain_text("Plumbline: 1 active anomaly on ORDER_ITEMS")
    expect(items.locator("table.health")).to_contain_text("positive (Plumbline #")
    expect(items).to_contain_text("Plumbline Anomaly Count")
    screenshot("alation-sandbox-flag")

    page.goto(container_url("ORDER_ITEMS"))
    row = page.locator("#anomaly-results tbody tr").first
    row.get_by_role("button", name="Resolve").click()
    expect(row.locator(".status")).to_have_text("Resolved")

    # The event push runs after the commit; the sandbox's page then shows no flag on the table.
    page.goto(sandbox_page)
    expect(items).to_have_count(1)
    expect(items.locator(".flag.WARNING")).to_have_count(0)
    expect(items.locator("table.health")).to_contain_text("No Issues")
    expect(page.locator("aside, main").locator("li").filter(has_text="ORDER_ITEMS").first).to_contain_text(
        "WARNING removed"
    )
