"""A person makes an API token in the browser, a script uses it, the person revokes it."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_token_made_in_the_modal_works_until_it_is_revoked(page: Page, viewer, live_server, screenshot):
    sign_in(page, "victor-viewer")
    page.goto("/settings/api-tokens/")
    expect(page.get_by_role("heading", name="No API tokens yet")).to_be_visible()
    page.get_by_role("button", name="+ New token").click()
    page.get_by_label("Name").fill("nightly monitor")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#api-token-key").input_value()
    assert key.startswith("plb_")
    screenshot("api-token-created")
    page.get_by_role("button", name="Done").click()
    row = page.locator("tr", has_text="nightly monitor")
    expect(row).to_contain_text(key[:12])
    expect(row).not_to_contain_text(key)

    headers = {"Authorization": f"Token {key}"}
    who = requests.get(f"{live_server.url}/api/", headers=headers, timeout=10)
    assert who.json()["user"] == "victor-viewer" and who.json()["role"] == "viewer"
    page.reload()
    expect(row.locator("time")).to_have_count(2)  # created, and now last used

    row.get_by_role("button", name="Revoke").click()
    confirm = page.locator("dialog#confirm")
    expect(confirm).to_contain_text("Scripts using it stop working at once")
    confirm.get_by_role("button", name="Revoke").click()
    expect(confirm).to_be_hidden()
    expect(row).to_contain_text("Revoked")
    assert requests.get(f"{live_server.url}/api/", headers=headers, timeout=10).status_code == 401
