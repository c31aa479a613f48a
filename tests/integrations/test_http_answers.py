"""Hostile catalog answers: a clear message, never a 500, and never the raw answer in a message.

Messages of catalog errors land in run logs that every signed-in user (Viewers too) reads, so a
catalog's answer body stays out of them; it goes to the server log for the operator.
"""

from __future__ import annotations

import logging

import pytest
import responses
from django.urls import reverse

from integrations.atlan.connector import AtlanConnector
from integrations.http import (
    CatalogMalformedResponseError,
    CatalogPermissionError,
    CatalogRequestError,
    CatalogServerError,
    HttpClient,
)
from integrations.models import Integration
from integrations.sync.connector import ConnectionProblem
from tests.helpers import HTMX

BASE = "https://tenant.example.com"
PAGE = "<html><body><h1>Internal admin</h1><p>db password: hunter2</p></body></html>"
DEEP = b"[" * 100_000 + b"]" * 100_000


def make_client() -> HttpClient:
    return HttpClient(BASE, "tok-SECRET-0123456789", catalog="Atlan", max_retries=0, sleep=lambda s: None)


@responses.activate
def test_an_error_page_never_reaches_the_message_but_reaches_the_server_log(caplog):
    responses.get(f"{BASE}/x", status=500, body=PAGE, content_type="text/html")
    with (
        caplog.at_level(logging.INFO, logger="integrations.http"),
        pytest.raises(CatalogServerError) as caught,
    ):
        make_client().get("x")
    assert str(caught.value) == "Atlan had a server error on GET /x (HTTP 500)"
    assert "hunter2" in caplog.text


@responses.activate
def test_a_short_structured_error_code_and_message_are_kept():
    responses.get(
        f"{BASE}/x",
        status=403,
        json={"errorCode": "ATLAS-403-00-001", "errorMessage": "Unauthorized\n\tto update  asset"},
    )
    with pytest.raises(CatalogPermissionError) as caught:
        make_client().get("x")
    assert str(caught.value).endswith(": ATLAS-403-00-001 Unauthorized to update asset")
    assert caught.value.code == "ATLAS-403-00-001"


@pytest.mark.parametrize(
    "body",
    [
        {"errorCode": "E1", "errorMessage": "x" * 201},  # long: someone's page in a JSON field
        {"errorCode": "E1", "errorMessage": "<script>alert(1)</script>"},  # markup
        {"errorCode": "E1", "errorMessage": "spoofed\u202eevil"},  # bidi control (sanitised, short)
    ],
)
@responses.activate
def test_a_long_or_marked_up_catalog_message_is_dropped_and_the_code_kept(body):
    responses.get(f"{BASE}/x", status=400, json=body)
    with pytest.raises(CatalogRequestError) as caught:
        make_client().get("x")
    message = str(caught.value)
    assert message.startswith("Atlan refused GET /x (HTTP 400): E1")
    assert "xxxx" not in message and "<script>" not in message and "\u202e" not in message


@responses.activate
def test_an_error_code_that_is_not_a_code_is_dropped():
    responses.get(f"{BASE}/x", status=400, json={"code": "<b>not a code</b>", "message": "Bad"})
    with pytest.raises(CatalogRequestError) as caught:
        make_client().get("x")
    assert str(caught.value) == "Atlan refused GET /x (HTTP 400): Bad" and caught.value.code is None


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (DEEP, {"Content-Type": "application/json"}, "JSON nested too deeply to read"),
        ("{'a': 1}", {"Content-Type": "application/json"}, "something that is not JSON"),
        (
            '{"name": "caf\xe9"}'.encode("latin-1"),
            {"Content-Type": "application/json; charset=iso-8859-1"},
            "not UTF-8",
        ),
        (b'{"ok": 1', {"Content-Type": "application/json; charset=x-no-such-charset"}, "not JSON"),
    ],
)
@responses.activate
def test_hostile_successful_answers_are_malformed_with_a_clear_message(body, headers, expected):
    responses.get(f"{BASE}/x", body=body, headers=headers)
    with pytest.raises(CatalogMalformedResponseError) as caught:
        make_client().get("x")
    assert expected in str(caught.value) and f"{len(body):,} bytes" in str(caught.value)


@pytest.mark.parametrize("body", [DEEP, b"\xff\xfe\x00garbage", b"<html>oops"])
@responses.activate
def test_hostile_error_answers_with_a_bogus_charset_give_the_refusal_not_a_crash(body):
    responses.get(f"{BASE}/x", status=400, body=body, headers={"Content-Type": "text/html; charset=x-bogus"})
    with pytest.raises(CatalogRequestError) as caught:
        make_client().get("x")
    assert str(caught.value) == "Atlan refused GET /x (HTTP 400)"


@responses.activate
def test_a_deeply_nested_answer_to_the_connection_check_is_a_form_error_not_a_500(admin_http):
    responses.get(f"{BASE}/api/service/users/current", body=DEEP, content_type="application/json")
    with pytest.raises(ConnectionProblem, match="does not look like an Atlan API"):
        AtlanConnector().connection_test(url=BASE, credentials={"token": "tok-SECRET-0123456789"})
    form = {"name": "Hostile", "integration_type": "atlan", "url": BASE, "token": "tok-SECRET-0123456789"}
    response = admin_http.post(reverse("integrations:add"), form, headers=HTMX)
    assert response.status_code == 200 and "does not look like an Atlan API" in response.content.decode()
    assert not Integration.objects.exists()


# --- Redirects -------------------------------------------------------------------------------


@responses.activate
def test_a_redirect_to_another_host_is_not_followed_and_takes_no_token_along():
    responses.get(f"{BASE}/x", status=302, headers={"Location": "https://collector.example.net/steal"})
    with pytest.raises(CatalogRequestError) as caught:
        make_client().get("x")
    assert "GET /x with a redirect to another host" in str(caught.value)
    assert "collector" not in str(caught.value)
    assert [c.request.url for c in responses.calls] == [f"{BASE}/x"]


@responses.activate
def test_a_redirect_from_https_to_plain_http_is_not_followed_even_on_the_same_host():
    responses.get(f"{BASE}/x", status=301, headers={"Location": "http://tenant.example.com/x"})
    with pytest.raises(CatalogRequestError, match="a redirect to plain http"):
        make_client().get("x")
    assert len(responses.calls) == 1


@responses.activate
def test_a_redirect_on_the_same_host_is_followed_and_so_is_an_upgrade_to_https():
    responses.get(f"{BASE}/x", status=302, headers={"Location": "/api/x"})
    responses.get(f"{BASE}/api/x", json={"ok": True})
    assert make_client().get("x") == {"ok": True}
    responses.get("http://tenant.example.com/y", status=301, headers={"Location": f"{BASE}/y"})
    responses.get(f"{BASE}/y", json={"up": True})
    plain = HttpClient("http://tenant.example.com", "tok-SECRET-0123456789", catalog="Atlan", max_retries=0)
    assert plain.get("y") == {"up": True}


@pytest.mark.parametrize("location", ["https://[::1/x", "https://tenant.example.com:99999/x"])
@responses.activate
def test_a_redirect_to_something_that_is_no_url_is_a_clear_refusal(location):
    responses.get(f"{BASE}/x", status=302, headers={"Location": location})
    with pytest.raises(CatalogRequestError, match="a redirect to an address that is not valid"):
        make_client().get("x")
