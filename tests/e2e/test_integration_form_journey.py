"""The Add Integration form as the modelled product orders it: name, type, URL and credentials first,
the options folded under "Sync options" (the schedule's parts disabled while it is Off), Save always in
sight, a credential typed before a refused save kept, and make run's one-click local sandbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def open_add(page: Page):
    page.goto("/settings/integrations/")
    page.get_by_role("button", name="+ Add Integration").first.click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    return modal


def test_the_form_asks_for_the_connection_first_and_folds_the_options(page: Page, admin, screenshot):
    sign_in(page, admin.username)
    modal = open_add(page)
    labels = modal.locator(".modal-body > label").all_inner_texts()
    assert [text.split("\n")[0] for text in labels] == ["Name", "Type", "URL", "API token"]
    overwrite = modal.get_by_label("Overwrite Tags")
    expect(overwrite).to_be_hidden()
    screenshot("add-integration-form")

    modal.get_by_text("Sync options").click()
    expect(overwrite).to_be_visible()
    expect(modal.get_by_label("Event Driven")).to_be_checked()
    expect(modal.get_by_label("Enable Announcements")).to_be_checked()
    schedule = modal.locator("[name=schedule_minutes]")
    pulls = modal.get_by_label("Scheduled sync pulls tags")
    pushes = modal.get_by_label("Scheduled sync pushes metadata")
    expect(schedule).to_have_value("0")
    expect(pulls).to_be_disabled()
    expect(pushes).to_be_disabled()
    schedule.select_option(label="Hourly")
    expect(pulls).to_be_enabled()
    expect(pushes).to_be_enabled()
    expect(pulls).to_be_checked()
    schedule.select_option(label="Off")
    expect(pulls).to_be_disabled()


def test_save_stays_in_sight_on_a_short_screen(page: Page, admin):
    page.set_viewport_size({"width": 1440, "height": 560})
    sign_in(page, admin.username)
    modal = open_add(page)
    modal.get_by_label("Type").select_option("alation")
    expect(modal.locator("[name=refresh_token]")).to_be_visible()
    modal.get_by_text("Sync options").click()
    expect(modal.get_by_label("Scheduled sync pushes metadata")).to_be_attached()
    # The form is taller than the screen, yet Save is on it without scrolling.
    assert modal.evaluate("dialog => dialog.scrollHeight > dialog.clientHeight")
    expect(modal.get_by_role("button", name="Save")).to_be_in_viewport()
    modal.get_by_label("Scheduled sync pushes metadata").scroll_into_view_if_needed()
    expect(modal.get_by_role("button", name="Save")).to_be_in_viewport()


def test_a_token_typed_before_a_refused_save_is_kept(page: Page, admin, atlan_sandbox):
    from integrations.models import Integration

    sign_in(page, admin.username)
    modal = open_add(page)
    modal.get_by_role("textbox", name="Name").fill("Atlan sandbox")
    # The address without its scheme: refused by the server, with the token already typed.
    modal.locator("[name=url]").fill(atlan_sandbox.url.removeprefix("http://"))
    modal.locator("[name=token]").fill(atlan_sandbox.token)
    modal.get_by_role("button", name="Save").click()
    expect(modal.get_by_role("alert").first).to_contain_text("Enter the catalog's address")
    expect(modal.locator("[name=token]")).to_have_value(atlan_sandbox.token)
    assert not Integration.objects.exists()

    modal.locator("[name=url]").fill(atlan_sandbox.url)
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    expect(page.locator(".integration-card .status")).to_have_text("Connected")


def test_make_run_fills_the_local_sandbox_in_one_click(page: Page, admin, atlan_sandbox, settings):
    settings.PLUMBLINE_DEMO_SANDBOXES = {
        "atlan": {"url": atlan_sandbox.url, "token": atlan_sandbox.token},
        "alation": {"url": "http://127.0.0.1:8766", "user_id": "7", "refresh_token": "demo-refresh"},
    }
    sign_in(page, admin.username)
    modal = open_add(page)
    modal.get_by_label("Type").select_option("alation")
    expect(modal.locator("[name=refresh_token]")).to_be_visible()
    modal.get_by_role("button", name="Use the local sandbox").click()
    expect(modal.locator("[name=url]")).to_have_value("http://127.0.0.1:8766")
    expect(modal.locator("[name=user_id]")).to_have_value("7")
    expect(modal.locator("[name=refresh_token]")).to_have_value("demo-refresh")

    modal.get_by_label("Type").select_option("atlan")
    expect(modal.locator("[name=token]")).to_be_visible()
    modal.get_by_role("textbox", name="Name").fill("Atlan sandbox")
    modal.get_by_role("button", name="Use the local sandbox").click()
    expect(modal.locator("[name=url]")).to_have_value(atlan_sandbox.url)
    modal.get_by_role("button", name="Save").click()
    expect(page.locator(".integration-card .status")).to_have_text("Connected")
    expect(page.locator(".integration-card")).to_contain_text(atlan_sandbox.url)


def test_the_type_picker_answers_as_soon_as_the_modal_shows_even_when_htmx_settles_slowly(page: Page, admin):
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    # The modal opens only once htmx has bound the form's controls (after settling, not on swap).
    page.evaluate("htmx.config.defaultSettleDelay = 600")
    page.get_by_role("button", name="+ Add Integration").first.click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    modal.get_by_label("Type").select_option("alation")
    expect(modal.locator("[name=refresh_token]")).to_be_visible(timeout=5000)
