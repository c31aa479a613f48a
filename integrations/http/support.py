"""What the HTTP client shares with its callers: settings, counts, the auth hook, answer helpers."""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol

import requests

from integrations.http.errors import CatalogError, CatalogMalformedResponseError

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
    # With `send(decode=False)`: the body is None and this decodes it, on whoever calls it (a
    # listing's next request goes out before this page is decoded).
    decode: Callable[[], Any] | None = field(default=None, repr=False)


# --- Helpers -----------------------------------------------------------------------------------


STATUS_WORDS = {
    429: "rate limited",
    500: "server error",
    502: "bad gateway",
    503: "unavailable",
    504: "gateway timeout",
}


def status_words(status: int) -> str:
    """'503 (unavailable)': the number people search for, and what it means."""
    words = STATUS_WORDS.get(status)
    return f"{status} ({words})" if words else f"HTTP {status}"


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


def snippet(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "…"


def retries_text(count: int) -> str:
    return "1 retry" if count == 1 else f"{count} retries"


def network_reason(exc: BaseException) -> str:
    """A short human reason for a requests/urllib3 network failure."""
    text = str(exc)
    lowered = text.lower()
    checks = (
        # OpenSSL says "certificate verify failed: Hostname mismatch": the specific reason first.
        ("hostname mismatch", "the certificate does not match the host name"),
        ("doesn't match", "the certificate does not match the host name"),
        ("certificate verify failed", "the server's certificate is not trusted"),
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


def body_read(response: requests.Response, *, limit: int, catalog: str, where: str) -> bytes:
    """The body, refusing to hold more than `limit` bytes in memory."""
    too_big = CatalogMalformedResponseError(
        f"{catalog} answered {where} with more than {limit:,} bytes; refusing to read it.",
        status=response.status_code,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=1024 * 1024):
        size += len(chunk)
        if size > limit:
            response.close()
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)
