"""How the HTTP client words a request that did not get an answer (refused, unreachable, TLS).

Refused, timed out, unresolved and reset connections read alike: a run log is no port scanner's
oracle. Which one it was goes to the server log, for the operator.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from integrations.http.errors import (
    CatalogAddressRefusedError,
    CatalogConnectionError,
    CatalogError,
    CatalogRequestError,
    CatalogTLSError,
)
from integrations.http.guard import AddressRefused, RedirectRefused
from integrations.http.support import Timeout, logger, network_reason, retries_text


class Failing:
    """Mixed into HttpClient: the typed error for a request that got no (acceptable) answer."""

    catalog: str
    base_url: str
    timeout: Timeout
    max_retries: int

    def _scrub(self, text: str) -> str:
        raise NotImplementedError

    @property
    def _address(self) -> str:
        """host:port, the port always shown."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        return f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"

    def _connection_reason(self, exc: BaseException) -> str | None:
        """Why the host could not be reached (a retry may help), or None for any other failure."""
        unreachable = (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        )
        if isinstance(exc, requests.exceptions.SSLError) or not isinstance(exc, unreachable):
            return None
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"no answer within {self.timeout[0]:g} s"
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return f"it stopped answering for {self.timeout[1]:g} s"
        return network_reason(exc)

    def _connection_error(self, reason: str, attempt: int, retryable: bool, where: str) -> CatalogError:
        # Refused, timed out, unresolved or reset read alike: a run log is no port scanner's oracle.
        # The reason goes to the server log, for the operator.
        message = f"Could not connect to {self.catalog} at {self._address}"
        if attempt:
            message += f" (gave up after {retries_text(attempt)})"
        elif not retryable and self.max_retries:
            message += f" (not retried: {where} may already have been carried out)"
        logger.warning("%s (%s); giving up on %s", self._scrub(message), reason, self._scrub(where))
        return CatalogConnectionError(self._scrub(message + "."))

    def _request_error(self, exc: Exception, where: str) -> CatalogError:
        """A failure no retry can mend: a refused address or redirect, TLS, a malformed request."""
        if isinstance(exc, AddressRefused):
            message = f"Refused to connect to {self.catalog} at {self._address}: {exc}"
            return CatalogAddressRefusedError(self._scrub(message))
        if isinstance(exc, RedirectRefused):
            message = (
                f"{self.catalog} answered {where} with {exc}; Plumbline follows redirects only "
                f"on the same host: check the URL ({self.base_url})."
            )
            return CatalogRequestError(self._scrub(message))
        if isinstance(exc, requests.exceptions.SSLError):
            message = (
                f"The TLS handshake with {self.catalog} at {self._address} failed: {network_reason(exc)}."
            )
            return CatalogTLSError(self._scrub(message))
        # InvalidURL, TooManyRedirects and friends.
        return CatalogRequestError(
            self._scrub(f"{self.catalog} request {where} failed: {type(exc).__name__}.")
        )
