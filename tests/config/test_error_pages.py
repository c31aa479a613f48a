"""No error page or error report shows a credential, even Django's debug page with DEBUG on."""

from __future__ import annotations

import sys

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter
from requests.structures import CaseInsensitiveDict

from config.reporting import SecretsHiddenFilter

TOKEN = "tok-SECRET-5f0e9a1c2b3d4e"
FORM = {"name": "Atlan prod", "integration_type": "atlan", "url": "https://acme.atlan.com", "token": TOKEN}


@pytest.fixture
def debug_admin(admin, settings) -> Client:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


def test_a_crash_while_trying_a_new_token_shows_no_token_on_the_debug_page(debug_admin, monkeypatch):
    def crash(self, *args, **kwargs):
        raise RuntimeError("the network stack blew up")

    monkeypatch.setattr(requests.Session, "request", crash)
    response = debug_admin.post(reverse("integrations:add"), FORM)

    html = response.content.decode()
    assert response.status_code == 500
    assert "the network stack blew up" in html and "Traceback" in html  # Django's technical 500 page
    assert "connection_test" in html and "integration_create" in html  # with the frames that held it
    assert TOKEN not in html


def test_a_crash_while_editing_shows_no_stored_token_either(debug_admin, monkeypatch):
    from tests.integrations.fakes import make_integration

    integration = make_integration(token=TOKEN)
    monkeypatch.setattr(requests.Session, "request", lambda *a, **k: 1 / 0)
    response = debug_admin.post(
        reverse("integrations:edit", args=[integration.pk]), FORM | {"token": "", "name": "Renamed"}
    )
    assert response.status_code == 500 and "ZeroDivisionError" in response.content.decode()
    assert TOKEN not in response.content.decode()


def unmarked_code_that_crashes(refresh_token: str, headers: CaseInsensitiveDict, body: dict) -> None:
    credentials = {"user_id": 7, "refresh_token": refresh_token}  # noqa: F841 (a local on the page)
    raise ValueError("crash with secrets in locals")


def test_unmarked_code_still_hides_credential_names_headers_and_keys(rf, settings):
    settings.DEBUG = True
    try:
        unmarked_code_that_crashes(
            TOKEN, CaseInsensitiveDict({"TOKEN": TOKEN, "Accept": "application/json"}), {"api_key": TOKEN}
        )
    except ValueError:
        reporter = ExceptionReporter(rf.get("/"), *sys.exc_info())
        html = reporter.get_traceback_html()
        text = reporter.get_traceback_text()
    assert "crash with secrets in locals" in html
    assert TOKEN not in html and TOKEN not in text
    assert "application/json" in html  # the rest of the headers stays readable


def test_the_filter_is_active_with_debug_on(settings, rf):
    settings.DEBUG = True
    assert SecretsHiddenFilter().is_active(rf.get("/"))
