"""The finish: styled 403, 404 and 500 pages in the layout, a favicon, an add-tag select that starts on
a placeholder, external-tag chips with their catalog's mark (the integration named on hover), a mark
per catalog type on the cards, and the run log bordered in dark mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def synced(atlan_sandbox, demo_catalog, admin):
    from integrations.models import Integration
    from integrations.runs import run_start

    integration = Integration(name="Atlan sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    return run_start(integration=integration, pull=True, push=True)


def test_error_pages_are_styled_in_the_layout(page: Page, admin, viewer, monkeypatch, screenshot):
    sign_in(page, viewer.username)
    response = page.goto("/datastores/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Explore")).to_be_visible()
    expect(page.locator(".error-page")).to_have_css("border-top-style", "solid")  # the stylesheet applies
    screenshot("error-404")

    response = page.goto("/settings/integrations/new/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator(".error-page")).to_contain_text("Only Admins can do this.")

    from catalog import views

    def crash(**kwargs):
        raise RuntimeError("a bug for this journey")

    monkeypatch.setattr(views.selectors, "datastore_list", crash)
    response = page.goto("/datastores/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", name="Something went wrong on our side")).to_be_visible()
    expect(page.locator(".error-page")).to_have_css("border-top-style", "solid")
    page.get_by_role("link", name="Back to Plumbline").click()
    expect(page.get_by_role("heading", name="Something went wrong on our side")).to_be_visible()


def test_every_page_has_a_favicon(page: Page, admin):
    page.goto("/accounts/login/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", "/static/img/plumbline.svg")
    answer = page.request.get("/favicon.ico")
    assert answer.ok and answer.headers["content-type"] == "image/svg+xml"
    sign_in(page, admin.username)
    expect(icon).to_have_attribute("href", "/static/img/plumbline.svg")


def test_tags_chips_and_cards_show_what_they_are(page: Page, admin, synced, screenshot):
    from catalog.models import Container

    sign_in(page, admin.username)
    page.goto(Container.objects.get(name="ORDERS").get_absolute_url())
    select = page.get_by_label("Global tag to add")
    expect(select).to_have_value("")
    expect(select.locator("option:checked")).to_have_text("Choose a tag…")
    chosen = select.locator("option").nth(1).inner_text()
    select.select_option(index=1)
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#asset-tags .chip", has_text=chosen)).to_be_visible()
    expect(page.get_by_label("Global tag to add")).to_have_value("")

    page.goto(Container.objects.get(name="PAYMENTS").get_absolute_url())
    chip = page.locator("#asset-tags a.chip-external", has_text="Confidential")
    expect(chip.locator(".mark-atlan")).to_have_text("A")
    expect(chip).to_have_attribute("title", "External tag from integration Atlan sandbox")
    # Named for screen readers only (a 1 px clipped span), not written out in every chip.
    visible = chip.evaluate(
        "el => [...el.childNodes].filter(n => !n.classList || !n.classList.contains('sr-only'))"
        ".map(n => n.textContent).join('')"
    )
    assert visible == "ConfidentialA", visible
    expect(chip.locator(".sr-only")).to_have_css("width", "1px")

    page.goto("/settings/integrations/")
    expect(page.locator(".integration-card h3 .mark-atlan")).to_have_text("A")
    expect(page.locator(".integration-card h3 .mark-atlan")).to_have_css(
        "background-color", "rgb(47, 91, 234)"
    )


def test_the_run_log_is_bordered_in_dark_mode(page: Page, admin, synced, screenshot):
    page.emulate_media(color_scheme="dark")
    sign_in(page, admin.username)
    page.goto(synced.get_absolute_url())
    log = page.locator("#run-log")
    expect(log.locator(".log-line").first).to_be_visible()
    expect(log).to_have_css("border-top-style", "solid")
    expect(log).to_have_css("border-top-width", "1px")
    border = log.evaluate("el => getComputedStyle(el).borderTopColor")
    page_background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert border != page_background
    screenshot("dark-run-log")

    from catalog.models import Container

    page.goto(Container.objects.get(name="PAYMENTS").get_absolute_url())
    expect(page.locator("#asset-tags a.chip-external .mark-atlan")).to_be_visible()
    expect(page.locator("#catalog-panel")).to_contain_text("Matched")
    screenshot("dark-table-external-tags")
