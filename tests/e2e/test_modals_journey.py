"""Modals always open: on every page that has them, three different modals opened and closed in a
row (with ×, Cancel and Escape), then the first one again. A modal that fails to open, or an htmx
request that lost its target (`htmx:targetError`, failed by the conftest), fails the journey."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e

CLOSERS = ("×", "Cancel", "Escape")


def open_and_close(page: Page, trigger: Locator, title: str, closer: str) -> None:
    trigger.click()
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    expect(modal.locator("#modal-title")).to_have_text(title)
    if closer == "Escape":
        page.keyboard.press("Escape")
    elif closer == "×":
        modal.get_by_role("button", name="Close").click()
    else:
        modal.get_by_role("button", name=closer, exact=True).click()
    expect(modal).to_be_hidden()
    expect(modal.locator("#modal-body")).to_be_empty()


def cycle(page: Page, modals: list[tuple[Locator, str]]) -> None:
    """Each modal in turn, then the first again: the first close must not break the next opens."""
    for (trigger, title), closer in zip([*modals, modals[0]], [*CLOSERS, *CLOSERS], strict=False):
        open_and_close(page, trigger, title, closer)


@pytest.fixture
def integrations(db):
    from integrations.models import Integration

    made = []
    for name in ("Atlan one", "Atlan two"):
        integration = Integration(name=name, url="https://acme.atlan.com")
        integration.token = "not-used-by-these-journeys"
        integration.save()
        made.append(integration)
    return made


def test_the_integration_cards_modals_open_again_and_again(page: Page, admin, integrations):
    sign_in(page, admin.username)
    page.goto("/settings/integrations/")
    first, second = page.locator(".integration-card").all()
    cycle(
        page,
        [
            (first.get_by_role("button", name="Edit"), "Edit Atlan one"),
            (second.get_by_role("button", name="Sync", exact=True), "Sync Atlan two"),
            (first.get_by_role("button", name="Delete"), "Delete Atlan one"),
        ],
    )
    open_and_close(page, page.get_by_role("button", name="+ Add Integration"), "Add Integration", "Cancel")
    open_and_close(page, second.get_by_role("button", name="Edit"), "Edit Atlan two", "×")


def test_the_sync_modal_of_the_history_page_opens_again(page: Page, admin, integrations):
    sign_in(page, admin.username)
    page.goto(f"/settings/integrations/{integrations[0].pk}/runs/")
    sync = page.locator(".page-head").get_by_role("button", name="Sync", exact=True)
    for closer in CLOSERS:
        open_and_close(page, sync, "Sync Atlan one", closer)


def test_the_tag_modals_open_again_and_again(page: Page, admin):
    from catalog.models import Tag

    Tag.objects.create(name="Finance", color="#2563EB")
    Tag.objects.create(name="PII", color="#DC2626")
    sign_in(page, admin.username)
    page.goto("/tags/")
    finance = page.locator("#tag-results tr", has_text="Finance")
    pii = page.locator("#tag-results tr", has_text="PII")
    cycle(
        page,
        [
            # Links that open the modal with htmx, and the tag's own page without it.
            (finance.get_by_role("link", name="Edit"), "Edit tag"),
            (page.get_by_role("link", name="New tag"), "New tag"),
            (pii.get_by_role("link", name="Delete"), "Delete tag"),
        ],
    )


def test_the_api_token_modal_opens_again_and_again(page: Page, viewer):
    sign_in(page, viewer.username)
    page.goto("/settings/api-tokens/")
    add = page.get_by_role("button", name="+ New token")
    for closer in CLOSERS:
        open_and_close(page, add, "New API token", closer)
