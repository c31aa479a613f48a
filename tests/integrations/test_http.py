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
    assert waits == [(3.0, "Atlan answered 429 (rate limited)")]
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
    # The reason goes to the server log only: refused and timed out read alike in a run log.
    assert waits == ["Atlan could not be reached"]


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
    # The answer's own text never reaches the message (a run log every signed-in user reads).
    assert str(caught.value) == "Atlan had a server error on GET /x (HTTP 503) after 2 retries"


@responses.activate
def test_it_gives_up_on_connection_errors_with_a_connection_error():
    responses.get(
        f"{BASE}/x", body=requests.exceptions.ConnectionError("[Errno -2] Name or service not known")
    )
    client, sleep = make_client(max_retries=2)

    with pytest.raises(CatalogConnectionError) as caught:
        client.get("x")

    assert caught.value.status is None
    assert (
        str(caught.value) == "Could not connect to Atlan at tenant.example.com:443 (gave up after 2 retries)."
    )
    assert len(sleep.delays) == 2


@responses.activate
def test_a_connect_timeout_reads_like_a_refused_connection_and_the_server_log_says_which(caplog):
    responses.get(f"{BASE}/x", body=requests.exceptions.ConnectTimeout("timed out"))
    responses.get(f"{BASE}/y", body=requests.exceptions.ConnectionError("Connection refused"))
    client, _ = make_client(max_retries=0, timeout=(5, 60))

    with caplog.at_level(logging.WARNING, logger="integrations.http"):
        with pytest.raises(CatalogConnectionError) as timed_out:
            client.get("x")
        with pytest.raises(CatalogConnectionError) as refused:
            client.get("y")
    assert (
        str(timed_out.value) == str(refused.value) == "Could not connect to Atlan at tenant.example.com:443."
    )
    assert "no answer within 5 s" in caplog.text and "the connection was refused" in caplog.text


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

    assert str(caught.value) == (
        "Atlan answered GET /x with something that is not JSON (text/html, 42 bytes)"
    )
    assert "Welcome to nginx" not in str(caught.value)


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


# --- Auth hooks, idempotency, headers: what the Alation client builds on ----------------------------

ACCESS_1 = "access-one-0123456789abcdef"
ACCESS_2 = "access-two-fedcba9876543210"
REFRESH = "refresh-SECRET-0123456789"


class FakeAuth:
    """An auth hook whose token changes on refresh, as Alation's access tokens do."""

    def __init__(self, *, renew: bool = True) -> None:
        self.token = ACCESS_1
        self.renew = renew
        self.refreshed: list[CatalogError] = []
        self.seen = [ACCESS_1]

    def headers(self) -> dict[str, str]:
        return {"TOKEN": self.token}

    def secrets(self) -> list[str]:
        return [REFRESH, *self.seen]

    def refresh(self, error: CatalogError) -> bool:
        self.refreshed.append(error)
        if not self.renew:
            return False
        self.token = ACCESS_2
        self.seen.append(ACCESS_2)
        return True


def _hooked(auth: FakeAuth, **kwargs) -> tuple[HttpClient, FakeSleep]:
    sleep = FakeSleep()
    options = {"catalog": "Alation", "sleep": sleep, "random": lambda: 0.5, "clock": lambda: NOW}
    options.update(kwargs)
    return HttpClient(BASE, None, auth=auth, **options), sleep


@responses.activate
def test_an_auth_hook_supplies_the_headers_and_no_bearer_header_is_sent_without_a_token():
    responses.get(f"{BASE}/x", json={})
    client, _ = _hooked(FakeAuth())

    client.get("x")

    headers = responses.calls[0].request.headers
    assert headers["TOKEN"] == ACCESS_1
    assert "Authorization" not in headers


@responses.activate
def test_a_401_is_shown_to_the_hook_once_and_the_request_is_sent_again_with_the_new_token():
    responses.get(f"{BASE}/x", status=401, json={"detail": "API Access Token provided is invalid."})
    responses.get(f"{BASE}/x", json={"ok": True})
    auth = FakeAuth()
    client, sleep = _hooked(auth)

    assert client.get("x") == {"ok": True}

    assert [c.request.headers["TOKEN"] for c in responses.calls] == [ACCESS_1, ACCESS_2]
    assert len(auth.refreshed) == 1 and auth.refreshed[0].status == 401
    assert sleep.delays == []
    assert client.counts.retries == 1


@responses.activate
def test_a_second_401_after_a_refresh_is_raised_not_refreshed_again():
    responses.get(f"{BASE}/x", status=401, json={})
    auth = FakeAuth()
    client, _ = _hooked(auth)

    with pytest.raises(CatalogAuthenticationError):
        client.get("x")

    assert len(auth.refreshed) == 1
    assert len(responses.calls) == 2


@responses.activate
def test_a_refusal_the_hook_does_not_claim_is_raised_without_a_second_attempt():
    responses.get(f"{BASE}/x", status=403, json={"detail": "You do not have permission."})
    auth = FakeAuth(renew=False)
    client, _ = _hooked(auth)

    with pytest.raises(CatalogPermissionError):
        client.get("x")

    assert len(responses.calls) == 1
    assert len(auth.refreshed) == 1


@responses.activate
def test_an_unauthenticated_call_sends_no_hook_headers_and_never_refreshes():
    responses.post(f"{BASE}/token", status=401, json={})
    auth = FakeAuth()
    client, _ = _hooked(auth)

    with pytest.raises(CatalogAuthenticationError):
        client.post("token", json={}, authenticate=False)

    assert "TOKEN" not in responses.calls[0].request.headers
    assert auth.refreshed == []


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503},
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
    ],
)
@responses.activate
def test_a_post_is_not_retried_unless_marked_idempotent_when_the_client_asks_for_that(failure):
    responses.post(f"{BASE}/create", **failure)
    client, sleep = _hooked(FakeAuth(), retry_unmarked_posts=False)

    with pytest.raises(CatalogError) as caught:
        client.post("create", json={"name": "x"})

    assert len(responses.calls) == 1
    assert sleep.delays == []
    assert "not retried" in str(caught.value)


@responses.activate
def test_a_post_marked_idempotent_or_read_is_retried_even_when_unmarked_posts_are_not():
    responses.post(f"{BASE}/upsert", status=503)
    responses.post(f"{BASE}/upsert", json={"ok": 1})
    responses.post(f"{BASE}/search", status=502)
    responses.post(f"{BASE}/search", json={"ok": 2})
    client, sleep = _hooked(FakeAuth(), retry_unmarked_posts=False)

    assert client.post("upsert", json={}, idempotent=True) == {"ok": 1}
    assert client.post("search", json={}, read=True) == {"ok": 2}
    assert len(sleep.delays) == 2


@responses.activate
def test_a_put_is_retried_by_default_but_not_when_marked_not_idempotent():
    responses.put(f"{BASE}/a", status=500)
    responses.put(f"{BASE}/a", json={})
    responses.put(f"{BASE}/b", status=500)
    client, sleep = make_client()

    client.put("a", json={})
    with pytest.raises(CatalogServerError):
        client.put("b", json={}, idempotent=False)

    assert len(sleep.delays) == 1
    assert len(responses.calls) == 3


@responses.activate
def test_send_returns_status_and_headers_and_a_path_may_carry_its_own_query():
    responses.get(
        f"{BASE}/integration/v2/table/",
        match=[responses.matchers.query_param_matcher({"skip": "2", "limit": "2"})],
        json=[{"id": 1}],
        status=200,
        headers={"X-Next-Page": "/integration/v2/table/?skip=4&limit=2"},
    )
    client, _ = make_client()

    answer = client.send("GET", "/integration/v2/table/?skip=2&limit=2")

    assert answer.status == 200
    assert answer.body == [{"id": 1}]
    assert answer.headers["x-next-page"] == "/integration/v2/table/?skip=4&limit=2"


@responses.activate
def test_a_delete_can_carry_a_json_body():
    responses.delete(
        f"{BASE}/dq", match=[responses.matchers.json_params_matcher({"fields": ["k"]})], status=202, json={}
    )
    client, _ = make_client()

    assert client.delete("dq", json={"fields": ["k"]}) == {}


@responses.activate
def test_a_catalog_can_describe_its_own_error_dialect():
    responses.get(
        f"{BASE}/x", status=400, json={"detail": "Invalid query parameters: [ids]", "code": "400006"}
    )
    client, _ = make_client(describe_error=lambda body: (body.get("code"), body.get("detail")))

    with pytest.raises(CatalogRequestError) as caught:
        client.get("x")

    assert caught.value.code == "400006"
    assert "Invalid query parameters: [ids]" in str(caught.value)


@responses.activate
def test_a_rate_limit_error_carries_the_wait_the_catalog_asked_for():
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "9"})
    client, _ = make_client(max_retries=0)

    with pytest.raises(CatalogRateLimitedError) as caught:
        client.get("x")

    assert caught.value.retry_after == 9.0


def test_pause_counts_waiting_but_not_retries_and_wait_before_retry_counts_both():
    waits: list[float] = []
    client, sleep = make_client(on_wait=lambda s, r: waits.append(s))

    client.pause(2.0)
    client.wait_before_retry(0, "Alation answered HTTP 503", "POST /x", retry_after=4.0)

    assert sleep.delays == [2.0, 4.0]
    assert waits == [4.0]
    assert client.counts == RequestCounts(reads=0, writes=0, retries=1, waited_seconds=6.0)


@responses.activate
def test_every_secret_the_hook_knows_is_scrubbed_including_a_renewed_token(caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"bad {ACCESS_1} and {ACCESS_2} from {REFRESH}"
    responses.get(f"{BASE}/x", status=401, json={"errorMessage": echo})
    responses.get(f"{BASE}/y", status=503, json={"errorMessage": echo})
    auth = FakeAuth()
    client, _ = _hooked(auth, max_retries=1)

    for path in ("x", "y"):
        with pytest.raises(CatalogError) as caught:
            client.get(path)
        texts = [str(caught.value), repr(caught.value), repr(client)]
        texts += [r.getMessage() for r in caplog.records]
        for text in texts:
            for secret in (ACCESS_1, ACCESS_2, REFRESH):
                assert secret not in text
    assert ACCESS_2 in auth.seen


def test_the_environments_proxy_and_ca_bundle_are_read_once_for_the_catalogs_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    client = HttpClient(BASE, TOKEN)
    assert client.session.proxies["https"] == "http://proxy.example:3128"
    assert client.session.verify == "/etc/ssl/certs/ca-certificates.crt"
    assert client.session.trust_env is False  # not re-read from os.environ on every request


@responses.activate
def test_counts_are_exact_when_two_threads_share_the_client():
    import threading

    responses.get(f"{BASE}/r", json={})
    responses.post(f"{BASE}/w", json={})
    client, _ = make_client()

    def calls(send) -> None:
        for _ in range(150):
            send()

    threads = [
        threading.Thread(target=calls, args=(lambda: client.get("r"),)),
        threading.Thread(target=calls, args=(lambda: client.post("w", json={}),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert (client.counts.reads, client.counts.writes) == (150, 150)


@responses.activate
def test_a_retry_notice_from_another_thread_is_given_on_the_clients_own_thread():
    import threading

    responses.get(f"{BASE}/x", status=503)
    responses.get(f"{BASE}/x", json={"ok": True})
    seen: list[tuple[str, str]] = []
    client, _ = make_client(on_wait=lambda s, r: seen.append((r, threading.current_thread().name)))

    worker = threading.Thread(target=lambda: client.get("x"), name="background")
    worker.start()
    worker.join()
    assert seen == []  # held back: a sync logs notices to a database that is its own thread's
    assert client.counts.retries == 1

    client.notices_relay()
    assert seen == [("Atlan answered 503 (unavailable)", threading.current_thread().name)]
