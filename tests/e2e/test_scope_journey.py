"""An admin limits a new Atlan integration to one data domain in the Add Integration modal, syncs,
then pins a datastore whose names differ from Atlan's on the Mappings page and syncs it there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e
FINANCE = "default/mssql/1700000200/FINANCE/dbo"


@pytest.fixture
def renamed_finance_mart(demo_catalog):
    """Plumbline's Finance Mart under a schema name Atlan does not have: only a pin can match it."""
    from catalog.models import Datastore

    ds = Datastore.objects.get(name="Finance Mart")
    ds.schema = "reporting"
    ds.save()
    return ds


def sync(page: Page) -> None:
    page.locator(".integration-card").get_by_role("button", name="Sync", exact=True).click()
    modal = page.locator("dialog#modal")
    modal.get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))


def test_a_domain_scope_set_in_the_add_modal_and_a_pin_set_on_the_mappings_page(
    page: Page, admin, atlan_sandbox, renamed_finance_mart, screenshot
):
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    page.get_by_role("button", name="+ Add Integration").first.click()
    modal = page.locator("dialog#modal")
    modal.get_by_role("textbox", name="Name").fill("Atlan sandbox")
    modal.locator("[name=url]").fill(atlan_sandbox.url)
    modal.locator("[name=token]").fill(atlan_sandbox.token)
    modal.get_by_role("button", name="List domains from the catalog").click()
    domains = modal.locator("#parameter-domains-choices")
    expect(domains).to_contain_text("Product › Product Analytics")
    domains.get_by_label("Finance", exact=True).check()
    screenshot("scope-add-integration-domains")
    modal.get_by_role("button", name="Save").click()
    card = page.locator(".integration-card")
    expect(card.locator(".card-scope")).to_have_text("Domains: Finance")

    sync(page)
    log = page.locator("#run-log")
    expect(log).to_contain_text("Scope: Domains: Finance.")
    expect(log).to_contain_text("App Database (app.public): out of scope.")
    expect(log).to_contain_text("Sales Warehouse: 6 table(s) lie outside this integration's scope")

    page.goto("/settings/integrations/")
    page.locator(".integration-card .card-mappings a").click()
    expect(page.get_by_role("heading", name="Atlan sandbox: mappings")).to_be_visible()
    row = page.locator("#mapping-rows tr", has_text="Finance Mart")
    expect(row).to_have_attribute("data-status", "unmatched")
    expect(row).to_contain_text("No schema finance.reporting")
    row.get_by_role("button", name="Pin…").click()
    modal = page.locator("dialog#modal")
    modal.locator("select[name=connection]").select_option(label="finance-sqlserver (mssql)")
    expect(modal.locator("select[name=schema]")).to_be_enabled()
    modal.locator("select[name=schema]").select_option(label="FINANCE.dbo")
    screenshot("scope-pin-modal")
    modal.get_by_role("button", name="Pin").click()
    row = page.locator("#mapping-rows tr", has_text="Finance Mart")
    expect(row).to_have_attribute("data-state", "pinned")
    expect(row).to_contain_text("FINANCE.dbo in finance-sqlserver")

    page.goto("/settings/integrations/")
    expect(page.locator(".integration-card .card-mappings")).to_have_text("1 pinned · 0 excluded")
    sync(page)
    expect(page.locator("#run-log")).to_contain_text(f"finance.reporting (pinned) ↔ {FINANCE}: 2 tables")
    page.goto("/settings/integrations/")
    page.locator(".integration-card .card-mappings a").click()
    row = page.locator("#mapping-rows tr", has_text="Finance Mart")
    expect(row).to_have_attribute("data-status", "matched")
    expect(row.get_by_role("link", name=FINANCE)).to_be_visible()
    screenshot("scope-mappings-page", full_page=True)
