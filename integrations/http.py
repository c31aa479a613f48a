"""The one wrapper around `requests` that every catalog client (Atlan, Alation) goes through.

It owns what all catalog calls share: the credentials (a fixed bearer token, or an `AuthHook`
for catalogs whose tokens are minted and re-minted during a client's life), timeouts on every
call, the user agent, bounded retries with exponential backoff and full jitter (honouring
`Retry-After`) for requests that a retry cannot duplicate, request counting, and the translation
of HTTP failures into catalog-agnostic typed exceptions whose messages never contain a secret.
"""

from __future__ import annotations

import email.utils
import json as json_module
import logging
import random as _random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol
from urllib.parse import quote

import requests

logger = logging.getLogger("integrations.http")

try:
    __version__ = metadata.version("plumbline")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

USER_AGENT = f"Plumbline/{__version__}"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Methods whose retry can duplicate something unless the caller says otherwise.
NON_IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})
REDACTED = "[redacted]"
_SNIPPET_CHARS = 200
# Far above any real answer (a full typedef dump is about 1 MB) but bounded against hostile hosts.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

Timeout = tuple[float, float]
SleepFn = Callable[[float], None]
OnWaitFn = Callable[[float, str], None]
DescribeErrorFn = Callable[[Any], tuple[str | None, str | None]]


# --- Errors ----------------------------------------------------------------------------------


class CatalogError(Exception):
    """Base of every error a catalog call raises. `str()` is a message fit for a person."""

    default_status: int | None = None
    # Seconds the catalog asked us to wait (`Retry-After` on a 429 or 503), when it said.
    retry_after: float | None = None

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status if status is not None else self.default_status
        # The catalog's own error code, e.g. "ATLAS-404-00-005", when its answer carried one.
        self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments break the default pickling; task queues pickle exceptions.
        return (_rebuild_error, (type(self), self.message, self.status, self.code))


def _rebuild_error(
    cls: type[CatalogError], message: str, status: int | None, code: str | None
) -> CatalogError:
    return cls(message, status=status, code=code)


class CatalogConnectionError(CatalogError):
    """The host did not answer: DNS failure, connection refused or reset, timeout."""


class CatalogTLSError(CatalogError):
    """The TLS handshake failed (untrusted or mismatched certificate, protocol error)."""


class CatalogAuthenticationError(CatalogError):
    """401: the token was rejected."""

    default_status = 401


class CatalogPermissionError(CatalogError):
    """403: the token is valid but not allowed to do this."""

    default_status = 403


class CatalogNotFoundError(CatalogError):
    """404."""

    default_status = 404


class CatalogRateLimitedError(CatalogError):
    """429, still after every retry."""

    default_status = 429


class CatalogServerError(CatalogError):
    """5xx, still after every retry (or a 5xx that is not worth retrying)."""


class CatalogRequestError(CatalogError):
    """Any other refusal (400, 409, 422, an unexpected 3xx...)."""


class CatalogMalformedResponseError(CatalogError):
    """The catalog answered, but not with JSON of the expected shape."""


# --- Request counting --------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestCounts:
    """A snapshot of what a client sent, for "catalog requests (reads, writes)" in a run log.

    Every attempt sent over the wire counts, retries included, because that is what the catalog
    (and its rate limiter) saw.
    """

    reads: int = 0
    writes: int = 0
    retries: int = 0
    waited_seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.reads + self.writes

    def __sub__(self, other: RequestCounts) -> RequestCounts:
        return RequestCounts(
            reads=self.reads - other.reads,
            writes=self.writes - other.writes,
            retries=self.retries - other.retries,
            waited_seconds=self.waited_seconds - other.waited_seconds,
        )


# --- Credentials that change during a client's life ---------------------------------------------


class AuthHook(Protocol):
    """Credentials an `HttpClient` asks for on every attempt, for catalogs whose tokens expire.

    Atlan's API token is fixed and goes in the constructor; Alation's access token is minted from
    a refresh token, expires, and is re-minted, so the client asks the hook each time.
    """

    def headers(self) -> Mapping[str, str]:
        """Headers to send on the next attempt. May mint (or re-mint) a token first."""
        ...

    def secrets(self) -> Iterable[str]:
        """Every secret to keep out of messages and logs, including tokens no longer in use."""
        ...

    def refresh(self, error: CatalogError) -> bool:
        """Called once after a 401 or 403: True if new credentials were obtained and the request
        should be sent once more, False if this refusal is not about the credentials."""
        ...


@dataclass(frozen=True)
class JsonResponse:
    """One answer: its status, its headers (case-insensitive) and its decoded JSON body."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: Any = field(repr=False)


# --- Helpers -----------------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def error_details(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a catalog error body, accepting the variants Atlan services use."""
    if not isinstance(body, Mapping):
        return None, None
    code = next((body[k] for k in ("errorCode", "code") if body.get(k) not in (None, "")), None)
    message = next(
        (body[k] for k in ("errorMessage", "message", "error_description", "error") if body.get(k)), None
    )
    if message is not None and not isinstance(message, str):
        message = str(message)
    cause = body.get("errorCause")
    if isinstance(cause, str) and cause and cause != message:
        message = f"{message} ({cause})" if message else cause
    causes = body.get("causes")
    if isinstance(causes, list):
        extra = [c.get("errorMessage") for c in causes if isinstance(c, Mapping) and c.get("errorMessage")]
        if extra:
            message = "; ".join([m for m in [message, *map(str, extra)] if m])
    return (str(code) if code is not None else None), (message.strip() if message else None)


def _snippet(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "…"


def _retries(count: int) -> str:
    return "1 retry" if count == 1 else f"{count} retries"


def _network_reason(exc: BaseException) -> str:
    """A short human reason for a requests/urllib3 network failure."""
    text = str(exc)
    lowered = text.lower()
    checks = (
        ("certificate verify failed", "the server's certificate is not trusted"),
        ("hostname mismatch", "the certificate does not match the host name"),
        ("doesn't match", "the certificate does not match the host name"),
        ("wrong version number", "the server does not speak TLS on this port"),
        ("name or service not known", "the host name could not be resolved"),
        ("nodename nor servname", "the host name could not be resolved"),
        ("temporary failure in name resolution", "the host name could not be resolved"),
        ("failed to resolve", "the host name could not be resolved"),
        ("getaddrinfo failed", "the host name could not be resolved"),
        ("connection refused", "the connection was refused"),
        ("connection reset", "the connection was reset"),
        ("remotedisconnected", "the server closed the connection without answering"),
        ("connection aborted", "the connection was dropped"),
        ("network is unreachable", "the network is unreachable"),
        ("no route to host", "there is no route to the host"),
    )
    for needle, reason in checks:
        if needle in lowered:
            return reason
    return type(exc).__name__


# --- The client --------------------------------------------------------------------------------


class HttpClient:
    """A JSON-over-HTTP client for one catalog: one `requests.Session`, one base URL, one token.

    Credentials are either a fixed `token` (sent as `Authorization: Bearer`) or an `auth` hook
    asked for headers on every attempt and told once about a 401/403 so it can renew them.

    Retries: GET, HEAD, OPTIONS, PUT and DELETE are retried on 429, 5xx and connection errors;
    a POST or PATCH is retried only when a retry cannot duplicate anything: when the caller marks
    it `idempotent=True` or `read=True` (a search), or, for clients whose writes are all upserts
    (Atlan's searches and bulk merges), when the client was built with `retry_unmarked_posts=True`
    (the default, which is the original behaviour). Any call can opt out with `idempotent=False`.
    """

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
        self.session = session or requests.Session()
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.session.headers.update(headers)
        self.reads = 0
        self.writes = 0
        self.retries = 0
        self.waited_seconds = 0.0

    def __repr__(self) -> str:
        # Never the token: the repr lands in logs, debug pages and tracebacks with locals.
        return f"{type(self).__name__}(base_url={self.base_url!r}, catalog={self.catalog!r})"

    __str__ = __repr__

    # Public API --------------------------------------------------------------------------------

    @property
    def counts(self) -> RequestCounts:
        return RequestCounts(self.reads, self.writes, self.retries, self.waited_seconds)

    def reset_counts(self) -> None:
        self.reads = self.writes = self.retries = 0
        self.waited_seconds = 0.0

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
    ) -> JsonResponse:
        """Like `request`, but returns the status and headers too (e.g. for paging links).

        `path` may carry its own query string (a catalog's next-page link). `idempotent` says
        whether a retry on 429/5xx/connection errors may be sent (see the class docstring).
        `authenticate=False` sends no hook headers and never calls the hook's `refresh`: for the
        calls that obtain the credentials. A 401/403 on an authenticated call is shown to the
        auth hook once; if it renews the credentials the request is sent once more (a refused
        request was not carried out, so this is safe even for a POST).
        """
        method = method.upper()
        is_read = read if read is not None else method in READ_METHODS
        retryable = self._retryable(method, read, idempotent)
        use_hook = self.auth is not None and authenticate
        try:
            return self._send(method, path, params, json, is_read, retryable, use_hook)
        except (CatalogAuthenticationError, CatalogPermissionError) as exc:
            if self.auth is None or not use_hook or not self.auth.refresh(exc):
                raise
        logger.info(
            "%s: new credentials after HTTP 401/403; sending %s once more",
            self.catalog,
            self._scrub(f"{method} /{path.lstrip('/')}"),
        )
        self.retries += 1
        return self._send(method, path, params, json, is_read, retryable, use_hook)

    def wait_before_retry(
        self, attempt: int, reason: str, where: str, *, retry_after: float | None = None
    ) -> None:
        """Back off as before a retry (counted, announced through `on_wait`), for callers that
        retry a whole operation themselves (e.g. look up, then create again)."""
        self._wait(attempt, retry_after, reason, where)

    def pause(self, seconds: float) -> None:
        """Sleep between polls of a catalog job; counted in `waited_seconds`, not as a retry."""
        seconds = max(0.0, seconds)
        self.waited_seconds += seconds
        self.sleep(seconds)

    # One logical request -------------------------------------------------------------------------

    def _retryable(self, method: str, read: bool | None, idempotent: bool | None) -> bool:
        if idempotent is not None:
            return idempotent
        if method in NON_IDEMPOTENT_METHODS:
            return bool(read) or self.retry_unmarked_posts
        return True

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        is_read: bool,
        retryable: bool,
        use_hook: bool,
    ) -> JsonResponse:
        url = f"{self.base_url}/{path.lstrip('/')}"
        where = f"{method} /{path.lstrip('/')}"
        attempt = 0
        while True:
            self._count(is_read)
            headers = dict(self.auth.headers()) if use_hook and self.auth is not None else None
            may_retry = retryable and attempt < self.max_retries
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    stream=True,
                )
                # Read inside the try: a connection dropped mid-body is a connection error too.
                will_retry = response.status_code in RETRY_STATUSES and may_retry
                content = b"" if will_retry else self._read_body(response, where)
            except requests.exceptions.SSLError as exc:
                reason = _network_reason(exc)
                # `from None`: the requests exception carries the prepared request and its headers.
                raise CatalogTLSError(
                    self._scrub(f"The TLS handshake with {self.catalog} at {self._host} failed: {reason}.")
                ) from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                reason = self._connection_reason(exc)
                if may_retry:
                    self._wait(attempt, None, f"{self.catalog} could not be reached ({reason})", where)
                    attempt += 1
                    continue
                raise self._connection_error(reason, attempt, retryable, where) from None
            except requests.exceptions.RequestException as exc:
                # InvalidURL, TooManyRedirects and friends: not worth a retry.
                raise CatalogRequestError(
                    self._scrub(f"{self.catalog} request {where} failed: {type(exc).__name__}.")
                ) from None

            status = response.status_code
            if status in RETRY_STATUSES and may_retry:
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
                response.close()
                self._wait(attempt, retry_after, f"{self.catalog} answered HTTP {status}", where)
                attempt += 1
                continue
            body = self._handle(response, content, where, attempt, retryable)
            return JsonResponse(status=status, headers=response.headers, body=body)

    def _count(self, is_read: bool) -> None:
        if is_read:
            self.reads += 1
        else:
            self.writes += 1

    def _connection_error(self, reason: str, attempt: int, retryable: bool, where: str) -> CatalogError:
        message = f"Could not connect to {self.catalog} at {self._host}: {reason}"
        if attempt:
            message += f" (gave up after {_retries(attempt)})"
        elif not retryable and self.max_retries:
            message += f" (not retried: {where} may already have been carried out)"
        logger.warning("%s; giving up on %s", self._scrub(message), self._scrub(where))
        return CatalogConnectionError(self._scrub(message + "."))

    # Internals ---------------------------------------------------------------------------------

    @property
    def _host(self) -> str:
        return self.base_url.split("://", 1)[-1]

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

    def _connection_reason(self, exc: BaseException) -> str:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"no answer within {self.timeout[0]:g} s"
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return f"it stopped answering for {self.timeout[1]:g} s"
        return _network_reason(exc)

    def _backoff(self, attempt: int) -> float:
        # Full jitter: uniform in [0, base * 2**attempt], capped.
        return min(self.backoff_max, self.backoff_base * (2.0**attempt)) * self._random()

    def _wait(self, attempt: int, retry_after: float | None, reason: str, where: str) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_max)
            reason = f"{reason} and asked us to wait {delay:g} s"
        else:
            delay = self._backoff(attempt)
        reason = self._scrub(reason)
        logger.info(
            "%s for %s; waiting %.1f s before retry %d of %d",
            reason,
            self._scrub(where),
            delay,
            attempt + 1,
            self.max_retries,
        )
        self.retries += 1
        self.waited_seconds += delay
        if self.on_wait is not None:
            self.on_wait(delay, reason)
        self.sleep(delay)

    def _read_body(self, response: requests.Response, where: str) -> bytes:
        """The body, refusing to hold more than `max_response_bytes` in memory."""
        limit = self.max_response_bytes
        too_big = CatalogMalformedResponseError(
            f"{self.catalog} answered {where} with more than {limit:,} bytes; refusing to read it.",
            status=response.status_code,
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise too_big
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > limit:
                response.close()
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _handle(
        self, response: requests.Response, content: bytes, where: str, retries: int, retryable: bool = True
    ) -> Any:
        status = response.status_code
        text = content.decode(response.encoding or "utf-8", errors="replace")
        if 200 <= status < 300:
            if status == 204 or not content.strip():
                return None
            try:
                return json_module.loads(content)
            except ValueError:
                kind = response.headers.get("Content-Type", "unknown content type").split(";")[0]
                raise CatalogMalformedResponseError(
                    self._scrub(
                        f"{self.catalog} answered {where} with something that is not JSON ({kind}): "
                        f"{_snippet(text)!r}"
                    ),
                    status=status,
                ) from None

        try:
            body: Any = json_module.loads(content) if content.strip() else None
        except ValueError:
            body = None
        code, detail = self._describe_error(body)
        if detail is None and code is None and text.strip():
            detail = _snippet(text)
        suffix = ""
        if code or detail:
            suffix = ": " + " ".join(part for part in (code, detail) if part)
        after = f" after {_retries(retries)}" if retries else ""
        if not retryable and status in RETRY_STATUSES and self.max_retries:
            after = " (not retried: a retry could carry it out twice)"
        cls, head = self._classify(status, where, retries, after)
        message = self._scrub(head + suffix)
        if retries or status >= 500:
            logger.warning("%s", message)
        error = cls(message, status=status, code=self._scrub(code) if code else None)
        if status in (429, 503):
            error.retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
        raise error

    def _classify(self, status: int, where: str, retries: int, after: str) -> tuple[type[CatalogError], str]:
        """The error class and the start of the message for a refusal."""
        if status == 401:
            return CatalogAuthenticationError, f"{self.catalog} rejected the API token (HTTP 401)"
        if status == 403:
            return (
                CatalogPermissionError,
                f"The API token is not allowed to do this in {self.catalog} (HTTP 403, {where})",
            )
        if status == 404:
            return CatalogNotFoundError, f"{self.catalog} found nothing at {where} (HTTP 404)"
        if status == 429:
            verb = "kept rate-limiting" if retries else "rate-limited"
            return CatalogRateLimitedError, f"{self.catalog} {verb} {where} (HTTP 429){after}"
        if status >= 500:
            return CatalogServerError, f"{self.catalog} had a server error on {where} (HTTP {status}){after}"
        return CatalogRequestError, f"{self.catalog} refused {where} (HTTP {status})"
