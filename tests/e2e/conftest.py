"""Browser journeys: pytest-playwright driving the system Chromium against a live server.

Playwright's sync API keeps an event loop running in the test thread, so Django's async-unsafe
guard must be off for the ORM calls these tests and their database teardown make. It is switched
on here, so only a pytest run that collects tests/e2e turns it on (for the rest of that process,
as the session-wide Playwright keeps its loop).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium() -> str | None:
    """The system Chromium; PLUMBLINE_CHROMIUM names another executable (or a missing one, to try the skip)."""
    configured = os.environ.get("PLUMBLINE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")


CHROMIUM = _chromium()
SKIP_NOTICE = "Browser tests skipped: no Chromium installed (apt-get install chromium)"
DEMO = Path(__file__).resolve().parents[2] / "catalog" / "demo" / "demo_catalog.json"
PASSWORD = "pw-for-tests-only"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=SKIP_NOTICE)
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)
            config._plumbline_e2e_skipped = True


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if getattr(config, "_plumbline_e2e_skipped", False):
        terminalreporter.write_sep("=", SKIP_NOTICE, yellow=True, bold=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(autouse=True)
def _web_first_timeout(page):
    # Inline sync runs make some clicks slow on a busy machine; stay generous but bounded.
    page.set_default_timeout(15_000)
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    yield
    # Leave no polling page behind while the live server's database is flushed.
    page.goto("about:blank")


@pytest.fixture(autouse=True)
def _no_csp_violations(page):
    """The Content Security Policy allows no inline script or style: a page that needs one fails."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{message.location['url']}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert violations == []


@pytest.fixture(autouse=True)
def _no_htmx_errors_or_browser_dialogs(page):
    """htmx reports a request without a target or a failed swap on the console (`htmx:targetError`);
    the product asks in its own modal, never with the browser's confirm(). Either fails the journey."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and message.text.startswith("htmx:")
            else None
        ),
    )
    page.on("dialog", lambda dialog: (problems.append(f"browser dialog: {dialog.message}"), dialog.dismiss()))
    yield
    assert problems == []


@pytest.fixture(autouse=True)
def _no_retry_sleeps(monkeypatch):
    from integrations.atlan import connector as atlan_connector

    monkeypatch.setattr(atlan_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


@pytest.fixture
def demo_catalog(transactional_db):
    from catalog.loader import catalog_load

    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves a PNG when PLUMBLINE_SCREENSHOTS names a folder; a no-op otherwise."""
    folder = os.environ.get("PLUMBLINE_SCREENSHOTS")

    def take(name: str, *, full_page: bool = False) -> None:
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)

    return take


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
