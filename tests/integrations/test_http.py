"""The catalog-agnostic HTTP wrapper: retries, backoff, typed errors, counting, token hygiene."""

from __future__ import annotations

import email.utils
import logging
import pickle
import traceback

import pytest
import requests
import responses

from integrations.http import (
    USER_AGENT,
    CatalogAuthenticationError,
    CatalogConnectionError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    CatalogPermissionError,
    CatalogRateLimitedError,
    CatalogRequestError,
    CatalogServerError,
    CatalogTLSError,
    HttpClient,
    RequestCounts,
    parse_retry_after,
)

BASE = "https://tenant.example.com"
TOKEN = "sk-SECRET-TOKEN-0123456789abcdef"
NOW = 1_700_000_000.0


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(**kwargs) -> tuple[HttpClient, FakeSleep]:
    sleep = FakeSleep()
    options = {"catalog": "Atlan", "sleep": sleep, "random": lambda: 0.5, "clock": lambda: NOW}
    options.update(kwargs)
    return HttpClient(BASE, TOKEN, **options), sleep


@responses.activate
def test_it_sends_bearer_token_user_agent_and_timeouts_on_every_call():
    responses.get(f"{BASE}/api/x", json={"ok": True})
    responses.post(f"{BASE}/api/y", json={"ok": 1})
    client, _ = make_client(timeout=(3, 40))

    assert client.get("/api/x") == {"ok": True}
    assert client.post("api/y", json={"a": 1}) == {"ok": 1}

    for call in responses.calls:
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert call.request.headers["User-Agent"] == USER_AGENT
        assert USER_AGENT.startswith("Plumbline/")
        assert call.request.req_kwargs["timeout"] == (3, 40)


@responses.activate
def test_it_returns_none_for_an_empty_204():
    responses.delete(f"{BASE}/api/x", status=204)
    client, _ = make_client()
    assert client.delete("api/x") is None


@responses.activate
def test_it_counts_reads_and_writes_by_method_and_lets_a_search_count_as_a_read():
    responses.get(f"{BASE}/r", json={})
    responses.post(f"{BASE}/w", json={})
    responses.put(f"{BASE}/w", json={})
    client, _ = make_client()

    client.get("r")
    client.get("r")
    client.post("w")
    client.put("w")
    client.post("w", read=True)

    assert client.counts == RequestCounts(reads=3, writes=2, retries=0, waited_seconds=0.0)
    before = client.counts
    client.get("r")
    assert (client.counts - before).reads == 1
    client.reset_counts()
    assert client.counts.total == 0


@responses.activate
def test_it_retries_a_429_after_the_seconds_in_retry_after_and_reports_the_wait():
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "3"}, json={"errorCode": "ATLAS-429"})
    responses.get(f"{BASE}/x", json={"ok": True})
    waits: list[tuple[float, str]] = []
    client, sleep = make_client(on_wait=lambda s, r: waits.append((s, r)))

    assert client.get("x") == {"ok": True}

    assert sleep.delays == [3.0]
    assert waits == [(3.0, "Atlan answered HTTP 429 and asked us to wait 3 s")]
    assert client.counts.reads == 2
    assert client.counts.retries == 1
    assert client.counts.waited_seconds == 3.0


@responses.activate
def test_it_honours_retry_after_as_an_http_date():
    when = email.utils.formatdate(NOW + 7, usegmt=True)
    responses.get(f"{BASE}/x", status=503, headers={"Retry-After": when})
    responses.get(f"{BASE}/x", json={})
    client, sleep = make_client()

    client.get("x")

    assert sleep.delays == [7.0]


@responses.activate
def test_it_caps_a_huge_retry_after():
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "86400"})
    responses.get(f"{BASE}/x", json={})
    client, sleep = make_client(retry_after_max=60)

    client.get("x")

    assert sleep.delays == [60.0]


def test_parse_retry_after_handles_seconds_dates_the_past_and_garbage():
    assert parse_retry_after("5", now=NOW) == 5.0
    assert parse_retry_after(email.utils.formatdate(NOW - 100, usegmt=True), now=NOW) == 0.0
    assert parse_retry_after("-4", now=NOW) == 0.0
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None


@responses.activate
def test_it_backs_off_exponentially_with_full_jitter_on_5xx():
    for status in (500, 502, 503, 504):
        responses.post(f"{BASE}/x", status=status)
    responses.post(f"{BASE}/x", json={"done": True})
    draws = iter([0.5, 0.25, 1.0, 0.0])
    client, sleep = make_client(random=lambda: next(draws), backoff_base=1.0, backoff_max=30)

    assert client.post("x", json={}) == {"done": True}

    # base * 2**attempt * uniform(0, 1): 1*0.5, 2*0.25, 4*1.0, 8*0.0
    assert sleep.delays == [0.5, 0.5, 4.0, 0.0]
    assert client.counts.writes == 5


@responses.activate
def test_backoff_is_capped():
    for _ in range(3):
        responses.get(f"{BASE}/x", status=502)
    responses.get(f"{BASE}/x", json={})
    client, sleep = make_client(random=lambda: 1.0, backoff_base=10, backoff_max=15)

    client.get("x")

    assert sleep.delays == [10.0, 15.0, 15.0]


@responses.activate
def test_it_retries_connection_errors_then_succeeds():
    responses.get(f"{BASE}/x", body=requests.exceptions.ConnectionError("Connection refused"))
    responses.get(f"{BASE}/x", json={"ok": True})
    waits: list[str] = []
    client, sleep = make_client(on_wait=lambda s, r: waits.append(r))

    assert client.get("x") == {"ok": True}
    assert sleep.delays == [0.5]
    assert waits == ["Atlan could not be reached (the connection was refused)"]


@responses.activate
def test_it_gives_up_on_a_429_after_max_retries_with_a_rate_limited_error():
    responses.get(
        f"{BASE}/x", status=429, json={"errorCode": "ATLAS-429-00-001", "errorMessage": "Too many requests"}
    )
    client, sleep = make_client(max_retries=3)

    with pytest.raises(CatalogRateLimitedError) as caught:
        client.get("x")

    assert len(sleep.delays) == 3
    assert len(responses.calls) == 4
    assert caught.value.status == 429
    assert caught.value.code == "ATLAS-429-00-001"
    assert "Too many requests" in str(caught.value)
    assert "after 3 retries" in str(caught.value)


@responses.activate
def test_it_gives_up_on_5xx_after_max_retries_with_a_server_error():
    responses.get(f"{BASE}/x", status=503, body="upstream down")
    client, sleep = make_client(max_retries=2)

    with pytest.raises(CatalogServerError) as caught:
        client.get("x")

    assert caught.value.status == 503
    assert len(responses.calls) == 3
    assert "upstream down" in str(caught.value)


@responses.activate
def test_it_gives_up_on_connection_errors_with_a_connection_error():
    responses.get(
        f"{BASE}/x", body=requests.exceptions.ConnectionError("[Errno -2] Name or service not known")
    )
    client, sleep = make_client(max_retries=2)

    with pytest.raises(CatalogConnectionError) as caught:
        client.get("x")

    assert caught.value.status is None
    assert "could not be resolved" in str(caught.value)
    assert len(sleep.delays) == 2


@responses.activate
def test_a_connect_timeout_says_the_host_did_not_answer():
    responses.get(f"{BASE}/x", body=requests.exceptions.ConnectTimeout("timed out"))
    client, _ = make_client(max_retries=0, timeout=(5, 60))

    with pytest.raises(CatalogConnectionError, match="no answer within 5 s"):
        client.get("x")


@responses.activate
def test_a_tls_failure_is_a_tls_error_and_is_not_retried():
    responses.get(f"{BASE}/x", body=requests.exceptions.SSLError("certificate verify failed: self-signed"))
    client, sleep = make_client()

    with pytest.raises(CatalogTLSError, match="not trusted"):
        client.get("x")

    assert sleep.delays == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, CatalogRequestError),
        (401, CatalogAuthenticationError),
        (403, CatalogPermissionError),
        (404, CatalogNotFoundError),
        (409, CatalogRequestError),
    ],
)
@responses.activate
def test_client_errors_are_typed_and_never_retried(status, error):
    responses.get(
        f"{BASE}/x", status=status, json={"errorCode": f"ATLAS-{status}-00-001", "errorMessage": "nope"}
    )
    client, sleep = make_client()

    with pytest.raises(error) as caught:
        client.get("x")

    assert isinstance(caught.value, CatalogError)
    assert caught.value.status == status
    assert f"ATLAS-{status}-00-001 nope" in str(caught.value)
    assert sleep.delays == []
    assert len(responses.calls) == 1


@responses.activate
def test_error_messages_use_code_and_message_variants_and_causes():
    responses.get(
        f"{BASE}/x",
        status=400,
        json={
            "code": "HERACLES-400",
            "message": "bad input",
            "causes": [{"errorMessage": "field x missing"}],
        },
    )
    client, _ = make_client()

    with pytest.raises(CatalogRequestError) as caught:
        client.get("x")

    assert caught.value.code == "HERACLES-400"
    assert "bad input; field x missing" in str(caught.value)


@responses.activate
def test_a_success_that_is_not_json_is_a_malformed_response():
    responses.get(f"{BASE}/x", body="<html><body>Welcome to nginx</body></html>", content_type="text/html")
    client, _ = make_client()

    with pytest.raises(CatalogMalformedResponseError) as caught:
        client.get("x")

    assert "not JSON (text/html)" in str(caught.value)
    assert "Welcome to nginx" in str(caught.value)


def test_an_exception_pickles_with_its_status_and_code():
    error = CatalogPermissionError("no rights", code="ATLAS-403")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.status, copy.code, str(copy)) == (
        CatalogPermissionError,
        403,
        "ATLAS-403",
        "no rights",
    )


def test_it_refuses_a_base_url_that_is_not_http():
    with pytest.raises(ValueError):
        HttpClient("ftp://x", TOKEN)


def _assert_token_absent(error: BaseException, client: HttpClient, caplog: pytest.LogCaptureFixture) -> None:
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(client),
        str(client),
    ]
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
    for text in texts:
        assert TOKEN not in text
        assert "SECRET" not in text


@responses.activate
def test_the_token_appears_in_no_error_repr_traceback_or_log_even_when_the_server_echoes_it(caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(
        f"{BASE}/x",
        status=429,
        headers={"Retry-After": "1"},
        json={"errorCode": "ATLAS-429", "errorMessage": f"slow down, Bearer {TOKEN}"},
    )
    responses.get(f"{BASE}/y", status=401, json={"errorMessage": f"token {TOKEN} is expired"})
    responses.get(f"{BASE}/z", body=f"<html>{TOKEN}</html>", content_type="text/html")
    responses.get(f"{BASE}/c", body=requests.exceptions.ConnectionError(f"refused; headers Bearer {TOKEN}"))
    responses.get(f"{BASE}/t", body=requests.exceptions.SSLError(f"bad cert for {TOKEN}"))
    client, _ = make_client(max_retries=2, on_wait=lambda s, r: logging.getLogger("test").info(r))

    for path in ("x", "y", "z", "c", "t"):
        with pytest.raises(CatalogError) as caught:
            client.get(path)
        _assert_token_absent(caught.value, client, caplog)
        # `from None`: the requests exception (which holds the request headers) is not chained.
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None or caught.value.__suppress_context__

    assert any("waiting" in r.getMessage() for r in caplog.records)
    assert all(r.name != "integrations.http" or TOKEN not in r.getMessage() for r in caplog.records)


@responses.activate
def test_a_connection_dropped_mid_answer_is_retried():
    responses.get(f"{BASE}/x", body=requests.exceptions.ChunkedEncodingError("Connection broken"))
    responses.get(f"{BASE}/x", json={"ok": True})
    client, sleep = make_client()

    assert client.get("x") == {"ok": True}
    assert len(sleep.delays) == 1


@responses.activate
def test_an_answer_declaring_an_oversized_length_is_refused_before_reading():
    responses.get(f"{BASE}/x", body="[]", headers={"Content-Length": "50000"})
    responses.get(f"{BASE}/y", json={"small": True})
    client, _ = make_client(max_response_bytes=1000)

    with pytest.raises(CatalogMalformedResponseError, match="more than 1,000 bytes"):
        client.get("x")
    assert client.get("y") == {"small": True}


@responses.activate
def test_an_oversized_answer_without_content_length_is_refused_while_streaming():
    responses.get(f"{BASE}/x", body="[" + "1," * 5000 + "1]", auto_calculate_content_length=False)
    client, _ = make_client(max_response_bytes=1000)

    with pytest.raises(CatalogMalformedResponseError, match="more than 1,000 bytes"):
        client.get("x")
