"""Typed errors every catalog call raises; `str()` of each is a message fit for a person."""

from __future__ import annotations

from typing import Any

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


class CatalogAddressRefusedError(CatalogError):
    """Plumbline refused to connect: the host is (or resolves to) a loopback, private, link-local or
    unspecified address that the settings do not allow. Never retried."""


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


def error_class_for(
    status: int, *, catalog: str, where: str, retries: int, after: str
) -> tuple[type[CatalogError], str]:
    """The error class and the start of the message for a refusal."""
    if status == 401:
        return CatalogAuthenticationError, f"{catalog} rejected the API token (HTTP 401)"
    if status == 403:
        return (
            CatalogPermissionError,
            f"The API token is not allowed to do this in {catalog} (HTTP 403, {where})",
        )
    if status == 404:
        return CatalogNotFoundError, f"{catalog} found nothing at {where} (HTTP 404)"
    if status == 429:
        verb = "kept rate-limiting" if retries else "rate-limited"
        return CatalogRateLimitedError, f"{catalog} {verb} {where} (HTTP 429){after}"
    if status >= 500:
        return CatalogServerError, f"{catalog} had a server error on {where} (HTTP {status}){after}"
    return CatalogRequestError, f"{catalog} refused {where} (HTTP {status})"
