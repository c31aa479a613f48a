"""Run history that says what happened, and a run page that says what it waits for: a real sync's row,
an Alation row counting trust flags, a queued run waiting for a worker until its first line, and a
run cancelled before it started with an empty progress bar."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_syncs_history_row_says_who_when_how_long_and_what_it_did(
    page: Page, admin, atlan_sandbox, demo_catalog, screenshot
):
    from integrations.models import Integration

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    sign_in(page, admin.username)
    page.goto(f"/settings/integrations/{integration.pk}/runs/")
    expect(page.locator("main")).to_contain_text("No syncs yet")
    page.locator(".page-head").get_by_role("button", name="Sync", exact=True).click()
    page.locator("dialog#modal").get_by_role("button", name="Start").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("#run-summary")).to_contain_text(re.compile(r"took \d+\.\d s"))

    page.get_by_role("link", name="Atlan sandbox").click()
    row = page.locator("table.run-history tbody tr").first
    expect(row.locator(".status")).to_have_text("Succeeded with warnings · 1 warning")
    expect(row.locator(".run-trigger")).to_have_text("Manual · alice-admin")
    expect(row.locator("time")).to_have_text("just now")
    expect(row.locator(".run-duration")).to_have_text(re.compile(r"^\d+\.\d s$"))
    counts = row.locator(".run-counts")
    expect(counts).to_contain_text(re.compile(r"\d+ tags pulled"))
    expect(counts).to_contain_text(re.compile(r"\d+ assets pushed"))
    expect(counts).to_contain_text(re.compile(r"\d+ announcements set"))
    screenshot("run-history")


def test_an_alation_row_counts_trust_flags(page: Page, admin):
    from integrations.models import Integration, SyncRun

    integration = Integration(
        name="Alation prod", integration_type="alation", url="https://acme.alationcloud.com"
    )
    integration.credentials = {"user_id": "7", "refresh_token": "not-used-here"}
    integration.save()
    now = timezone.now()
    SyncRun.objects.create(
        integration=integration,
        status="succeeded",
        trigger="schedule",
        push=True,
        started_at=now,
        finished_at=now,
        counts={"Sales": {"assets_pushed": 40, "announcements_set": 2, "announcements_cleared": 1}},
    )
    sign_in(page, admin.username)
    page.goto(f"/settings/integrations/{integration.pk}/runs/")
    row = page.locator("table.run-history tbody tr").first
    expect(row.locator(".run-trigger")).to_have_text("Schedule")
    expect(row.locator(".run-counts")).to_have_text("40 assets pushed2 trust flags set1 trust flag cleared")


def test_a_queued_run_waits_for_a_worker_until_its_first_line_and_a_cancelled_one_shows_no_progress(
    page: Page, admin, atlan_sandbox
):
    from integrations.models import Integration, SyncLogLine, SyncRun
    from integrations.runs import run_start

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url)
    integration.token = atlan_sandbox.token
    integration.save()
    waiting = run_start(integration=integration, pull=True, enqueue=False)
    sign_in(page, admin.username)
    page.goto(f"/runs/{waiting.pk}/")
    placeholder = page.locator("#log-empty")
    expect(placeholder).to_have_text("Waiting for a worker…")
    expect(placeholder).to_be_visible()

    # A worker picks it up and writes its first line: the next poll shows it in place of the wait.
    SyncRun.objects.filter(pk=waiting.pk).update(status="running", started_at=timezone.now())
    SyncLogLine.objects.create(run=waiting, at=timezone.now(), message="Reading the catalog's connections")
    expect(page.locator("#run-log .log-line")).to_contain_text("Reading the catalog's connections")
    expect(placeholder).to_be_hidden()
    SyncRun.objects.filter(pk=waiting.pk).update(status="succeeded", finished_at=timezone.now())
    expect(page.locator("#run-poller")).not_to_have_attribute("hx-trigger", re.compile("every"))

    queued = run_start(integration=integration, pull=True, enqueue=False)
    page.goto(f"/runs/{queued.pk}/")
    expect(placeholder).to_have_text("Waiting for a worker…")
    page.locator("#run-summary").get_by_role("button", name="Cancel sync").click()
    page.locator("dialog#confirm").get_by_role("button", name="Cancel sync").click()
    expect(page.locator("#run-summary .status").first).to_have_text("Cancelled")
    progress = page.locator("#run-summary [role=progressbar]")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(progress.locator("rect")).to_have_attribute("width", "0")
    expect(page.locator("#run-log")).to_contain_text("before it started")
