"""The one wrapper around `requests` that every catalog client (Atlan, Alation) goes through.

It owns what all catalog calls share: the credentials (a fixed bearer token, or an `AuthHook`
for catalogs whose tokens are minted and re-minted during a client's life), timeouts on every
call, the user agent, bounded retries with exponential backoff and full jitter (honouring
`Retry-After`) for requests that a retry cannot duplicate, request counting, and the translation
of HTTP failures into catalog-agnostic typed exceptions whose messages never contain a secret.
"""

from __future__ import annotations

import functools
import queue
import random as _random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests
from django.views.decorators.debug import sensitive_variables

from integrations.http.answers import Answering
from integrations.http.errors import (
    CatalogAuthenticationError,
    CatalogPermissionError,
)
from integrations.http.failures import Failing
from integrations.http.guard import (
    AddressPolicy,
    AddressRefused,
    RedirectRefused,
    address_policy_from_settings,
    session_guard,
)
from integrations.http.retries import Retrying
from integrations.http.support import (
    MAX_RESPONSE_BYTES,
    READ_METHODS,
    REDACTED,
    RETRY_STATUSES,
    USER_AGENT,
    AuthHook,
    DescribeErrorFn,
    JsonResponse,
    OnWaitFn,
    RequestCounts,
    SleepFn,
    Timeout,
    body_read,
    error_details,
    logger,
    parse_retry_after,
    status_words,
)

# --- The client --------------------------------------------------------------------------------


class HttpClient(Retrying, Answering, Failing):
    """A JSON-over-HTTP client for one catalog: one `requests.Session`, one base URL, one token.

    Credentials are either a fixed `token` (sent as `Authorization: Bearer`) or an `auth` hook
    asked for headers on every attempt and told once about a 401/403 so it can renew them.

    Retries: GET, HEAD, OPTIONS, PUT and DELETE are retried on 429, 5xx and connection errors;
    a POST or PATCH is retried only when a retry cannot duplicate anything: when the caller marks
    it `idempotent=True` or `read=True` (a search), or, for clients whose writes are all upserts
    (Atlan's searches and bulk merges), when the client was built with `retry_unmarked_posts=True`
    (the default, which is the original behaviour). Any call can opt out with `idempotent=False`.
    """

    @sensitive_variables("token", "headers")
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        catalog: str = "The catalog",
        timeout: Timeout = (5.0, 60.0),
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        retry_after_max: float = 120.0,
        sleep: SleepFn = time.sleep,
        on_wait: OnWaitFn | None = None,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
        user_agent: str = USER_AGENT,
        session: requests.Session | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        auth: AuthHook | None = None,
        retry_unmarked_posts: bool = True,
        describe_error: DescribeErrorFn | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("The base URL must start with http:// or https://.")
        self.base_url = base_url.rstrip("/")
        self.catalog = catalog
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.max_response_bytes = max_response_bytes
        self.sleep = sleep
        self.on_wait = on_wait
        self.auth = auth
        self.retry_unmarked_posts = retry_unmarked_posts
        self._describe_error: DescribeErrorFn = describe_error or error_details
        self._random = random
        self._clock = clock
        self._token = token or ""
        # Every connection is checked where it goes (see guard.py); the settings name the exceptions.
        self.session = session_guard(
            session or requests.Session(), address_policy or address_policy_from_settings()
        )
        if self.session.trust_env:
            # The environment's proxy and CA bundle for this catalog, read once: requests would
            # otherwise walk os.environ on every request (0.6 ms each, a second per 1,700 calls).
            env = self.session.merge_environment_settings(self.base_url, {}, None, None, None)
            self.session.proxies.update(env["proxies"])
            self.session.verify = env["verify"]
            self.session.trust_env = False
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.session.headers.update(headers)
        self.reads = 0
        self.writes = 0
        self.retries = 0
        self.waited_seconds = 0.0
        # A sync reads the next pages and batches on background threads while it writes: counts
        # are kept under a lock, and retry notices from those threads wait for the thread that
        # made the client (the run's, whose database the notices are logged to).
        self._lock = threading.Lock()
        self._home = threading.get_ident()
        self._notices: queue.SimpleQueue[tuple[float, str]] = queue.SimpleQueue()

    def __repr__(self) -> str:
        # Never the token: the repr lands in logs, debug pages and tracebacks with locals.
        return f"{type(self).__name__}(base_url={self.base_url!r}, catalog={self.catalog!r})"

    __str__ = __repr__

    # Public API --------------------------------------------------------------------------------

    @property
    def counts(self) -> RequestCounts:
        return RequestCounts(self.reads, self.writes, self.retries, self.waited_seconds)

    def reset_counts(self) -> None:
        with self._lock:
            self.reads = self.writes = self.retries = 0
            self.waited_seconds = 0.0

    def notices_relay(self) -> None:
        """Give `on_wait` the retry notices other threads held back; only on the client's own
        thread (elsewhere it does nothing: the notices wait for it)."""
        if threading.get_ident() != self._home:
            return
        while not self._notices.empty():
            seconds, reason = self._notices.get()
            if self.on_wait is not None:
                self.on_wait(seconds, reason)

    def _notify(self, seconds: float, reason: str) -> None:
        if threading.get_ident() != self._home:
            self._notices.put((seconds, reason))
            return
        self.notices_relay()
        if self.on_wait is not None:
            self.on_wait(seconds, reason)

    def _tally(self, *, retries: int = 0, waited: float = 0.0) -> None:
        with self._lock:
            self.retries += retries
            self.waited_seconds += waited

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, *, params: Mapping[str, Any] | None = None, authenticate: bool = True) -> Any:
        return self.request("GET", path, params=params, authenticate=authenticate)

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        read: bool | None = None,
        idempotent: bool | None = None,
        authenticate: bool = True,
    ) -> Any:
        return self.request(
            "POST",
            path,
            json=json,
            params=params,
            read=read,
            idempotent=idempotent,
            authenticate=authenticate,
        )

    def put(
        self,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        return self.request("PUT", path, json=json, params=params, idempotent=idempotent)

    def delete(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        return self.request("DELETE", path, params=params, json=json, idempotent=idempotent)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        read: bool | None = None,
        idempotent: bool | None = None,
        authenticate: bool = True,
    ) -> Any:
        """Send one logical request (with retries) and return the decoded JSON body.

        Returns None for an empty body (204). `read` overrides the read/write classification
        for counting: a search is a POST but reads nothing on the catalog side. See `send`.
        """
        return self.send(
            method,
            path,
            params=params,
            json=json,
            read=read,
            idempotent=idempotent,
            authenticate=authenticate,
        ).body

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        read: bool | None = None,
        idempotent: bool | None = None,
        authenticate: bool = True,
        decode: bool = True,
    ) -> JsonResponse:
        """Like `request`, but returns the status and headers too (e.g. for paging links).
        `decode=False`: a successful answer's body is decoded later, by its `decode`.

        `path` may carry its own query string (a catalog's next-page link). `idempotent` says
        whether a retry on 429/5xx/connection errors may be sent (see the class docstring).
        `authenticate=False` sends no hook headers and never calls the hook's `refresh`: for the
        calls that obtain the credentials. A 401/403 on an authenticated call is shown to the
        auth hook once; if it renews the credentials the request is sent once more (a refused
        request was not carried out, so this is safe even for a POST).
        """
        self.notices_relay()
        method = method.upper()
        is_read = read if read is not None else method in READ_METHODS
        retryable = self._retryable(method, read, idempotent)
        use_hook = self.auth is not None and authenticate
        try:
            return self._send(method, path, params, json, is_read, retryable, use_hook, decode)
        except (CatalogAuthenticationError, CatalogPermissionError) as exc:
            if self.auth is None or not use_hook or not self.auth.refresh(exc):
                raise
        logger.info(
            "%s: new credentials after HTTP 401/403; sending %s once more",
            self.catalog,
            self._scrub(f"{method} /{path.lstrip('/')}"),
        )
        self._tally(retries=1)
        return self._send(method, path, params, json, is_read, retryable, use_hook, decode)

    # One logical request -------------------------------------------------------------------------

    @sensitive_variables("headers")
    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        is_read: bool,
        retryable: bool,
        use_hook: bool,
        decode: bool = True,
    ) -> JsonResponse:
        where = f"{method} /{path.lstrip('/')}"
        attempt = 0
        while True:
            self._count(is_read)
            headers = dict(self.auth.headers()) if use_hook and self.auth is not None else None
            may_retry = retryable and attempt < self.max_retries
            try:
                response, content = self._attempt(method, path, params, json, headers, may_retry, where)
            except (AddressRefused, RedirectRefused, requests.exceptions.RequestException) as exc:
                reason = self._connection_reason(exc)
                if reason is None:
                    # `from None`: the requests exception carries the prepared request and its headers.
                    raise self._request_error(exc, where) from None
                if may_retry:
                    logger.info("%s at %s: %s", self.catalog, self._address, reason)
                    self._wait(attempt, None, f"{self.catalog} could not be reached", where)
                    attempt += 1
                    continue
                raise self._connection_error(reason, attempt, retryable, where) from None
            status = response.status_code
            if status in RETRY_STATUSES and may_retry:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
                response.close()
                self._wait(attempt, retry_after, f"{self.catalog} answered {status_words(status)}", where)
                attempt += 1
                continue
            if not decode and 200 <= status < 300:
                later = functools.partial(self._success_body, response, content, where)
                return JsonResponse(status=status, headers=response.headers, body=None, decode=later)
            body = self._handle(response, content, where, attempt, retryable)
            return JsonResponse(status=status, headers=response.headers, body=body)

    @sensitive_variables("headers")
    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: dict[str, str] | None,
        may_retry: bool,
        where: str,
    ) -> tuple[requests.Response, bytes]:
        """One request over the wire and its body (none when it will be retried anyway)."""
        response = self.session.request(
            method,
            f"{self.base_url}/{path.lstrip('/')}",
            params=params,
            json=json,
            headers=headers,
            timeout=self.timeout,
            stream=True,
        )
        # Read here: a connection dropped mid-body is a connection error too.
        if response.status_code in RETRY_STATUSES and may_retry:
            return response, b""
        return response, body_read(response, limit=self.max_response_bytes, catalog=self.catalog, where=where)

    def _count(self, is_read: bool) -> None:
        with self._lock:
            if is_read:
                self.reads += 1
            else:
                self.writes += 1

    # Internals ---------------------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        secrets = [self._token]
        if self.auth is not None:
            secrets.extend(self.auth.secrets())
        # Longest first, so a secret that contains another is replaced whole.
        return sorted({s for s in secrets if s}, key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets():
            # A very short "token" would shred ordinary words; real tokens are long.
            if len(secret) >= 6:
                for variant in {secret, quote(secret, safe=""), quote(secret)}:
                    text = text.replace(variant, REDACTED)
        return text
