"""Screens stay true after an action: open-anomaly counts change in place, a syncing card settles
when its run ends, Test connection answers on the card, and destructive actions ask in the
product's own modal (a browser confirm() fails any journey: see the conftest)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def container_url(name: str) -> str:
    from catalog.models import Container

    return Container.objects.get(name=name).get_absolute_url()


def mark_page(page: Page) -> None:
    """A marker that a reload would lose: the checks after it prove the page changed in place."""
    page.evaluate("() => { document.body.dataset.sameVisit = 'yes'; }")


def expect_same_visit(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-same-visit", "yes")


def test_anomaly_actions_update_the_open_counts_in_place(page: Page, admin, demo_catalog, screenshot):
    sign_in(page, admin.username)
    page.goto(container_url("events"))
    tile = page.locator("#open-anomalies-stat .count-pill")
    bar = page.locator("#anomaly-bar .count-pill")
    rows = page.locator("#anomaly-results tbody tr")
    expect(tile).to_have_text("3")
    expect(bar).to_have_text("3")
    mark_page(page)

    active = rows.filter(has=page.get_by_role("button", name="Acknowledge")).first
    active_id = active.get_attribute("id")
    active.get_by_role("button", name="Acknowledge").click()
    row = page.locator(f"#{active_id}")
    expect(row.locator(".status")).to_have_text("Acknowledged")
    expect(tile).to_have_text("3")  # acknowledged is still open

    row.get_by_role("button", name="Resolve").click()
    expect(row.locator(".status")).to_have_text("Resolved")
    expect(tile).to_have_text("2")
    expect(bar).to_have_text("2")

    # Resolve all asks first, in the product's modal; Cancel changes nothing.
    resolve_all = page.get_by_role("button", name="Resolve all open")
    confirm = page.locator("dialog#confirm")
    resolve_all.click()
    expect(confirm).to_be_visible()
    expect(confirm.locator("#confirm-title")).to_have_text("Resolve all open anomalies")
    expect(confirm).to_contain_text("Resolve all 2 open anomalies on events?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(tile).to_have_text("2")

    resolve_all.click()
    expect(confirm).to_be_visible()
    screenshot("confirm-resolve-all")
    confirm.get_by_role("button", name="Resolve all").click()
    expect(tile).to_have_text("0")
    expect(bar).to_have_text("0")
    expect(page.get_by_role("button", name="Resolve all open")).to_have_count(0)
    expect(page.locator("#anomaly-results")).to_contain_text("No anomalies to show")
    expect_same_visit(page)


@pytest.fixture
def sandbox_integration(atlan_sandbox, admin):
    from integrations.models import Integration

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    return integration


def test_a_syncing_card_settles_as_soon_as_its_run_ends(page: Page, admin, sandbox_integration):
    from integrations.models import SyncRun

    now = timezone.now()
    run = SyncRun.objects.create(
        integration=sandbox_integration, status="running", pull=True, started_at=now, heartbeat_at=now
    )
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    card = page.locator(".integration-card")
    expect(card.locator(".card-head .status")).to_have_text("Syncing")
    expect(card.get_by_role("button", name="Cancel sync")).to_be_visible()
    mark_page(page)

    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    expect(card.locator(".card-head .status")).to_have_text("Connected")
    expect(card.get_by_role("button", name="Cancel sync")).to_have_count(0)
    expect(card.get_by_role("button", name="Sync", exact=True)).to_be_visible()
    expect(card.locator(".facts")).to_contain_text("Succeeded")
    expect_same_visit(page)


def test_cancel_sync_asks_in_the_products_modal_then_the_card_says_cancelling(
    page: Page, admin, sandbox_integration
):
    from integrations.models import SyncRun

    now = timezone.now()
    run = SyncRun.objects.create(
        integration=sandbox_integration, status="running", pull=True, started_at=now, heartbeat_at=now
    )
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    card = page.locator(".integration-card")
    card.get_by_role("button", name="Cancel sync").click()
    confirm = page.locator("dialog#confirm")
    expect(confirm).to_contain_text("Cancel the running sync of Atlan sandbox?")
    confirm.get_by_role("button", name="Keep syncing").click()
    expect(confirm).to_be_hidden()
    assert not SyncRun.objects.get(pk=run.pk).cancel_requested

    card.get_by_role("button", name="Cancel sync").click()
    confirm.get_by_role("button", name="Cancel sync").click()
    expect(card.get_by_role("button", name="Cancelling…")).to_be_disabled()
    assert SyncRun.objects.get(pk=run.pk).cancel_requested

    # The worker stops at its next safe point; the card then settles by itself.
    SyncRun.objects.filter(pk=run.pk).update(status="cancelled", finished_at=timezone.now())
    expect(card.locator(".card-head .status")).to_have_text("Connected")
    expect(card.locator(".facts")).to_contain_text("Cancelled")


def test_test_connection_answers_on_the_card(page: Page, admin, sandbox_integration, screenshot):
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    card = page.locator(".integration-card")
    card.get_by_role("button", name="Test connection").click()
    result = card.locator(".test-result")
    expect(result).to_have_text(
        re.compile(r"^Connected as service-account-apikey-plumbline-demo · \d+ assets visible$")
    )
    screenshot("integrations-test-connection")

    sandbox_integration.token = "a-token-atlan-rejects"
    sandbox_integration.save()
    card.get_by_role("button", name="Test connection").click()
    expect(result).to_contain_text("Atlan rejected the API token")
    expect(card.locator(".card-head .status")).to_have_text("Needs re-authentication")
