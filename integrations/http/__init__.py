"""The one wrapper around `requests` that every catalog client (Atlan, Alation) goes through.

`client` holds HttpClient (credentials, timeouts, retries that cannot duplicate a write, counting,
scrubbing of secrets); `guard` where it may connect (no private addresses by default, redirects on
the same host only); `answers` how it reads an answer without letting the raw body into messages; `failures` how it
words a request that got no acceptable answer;
`errors` the typed errors it raises; `support` what callers share with it.
"""

from integrations.http.client import HttpClient
from integrations.http.errors import (
    CatalogAddressRefusedError,
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
)
from integrations.http.support import (
    USER_AGENT,
    AuthHook,
    DescribeErrorFn,
    JsonResponse,
    OnWaitFn,
    RequestCounts,
    SleepFn,
    Timeout,
    error_details,
    parse_retry_after,
)

__all__ = [
    "USER_AGENT",
    "AuthHook",
    "CatalogAddressRefusedError",
    "CatalogAuthenticationError",
    "CatalogConnectionError",
    "CatalogError",
    "CatalogMalformedResponseError",
    "CatalogNotFoundError",
    "CatalogPermissionError",
    "CatalogRateLimitedError",
    "CatalogRequestError",
    "CatalogServerError",
    "CatalogTLSError",
    "DescribeErrorFn",
    "HttpClient",
    "JsonResponse",
    "OnWaitFn",
    "RequestCounts",
    "SleepFn",
    "Timeout",
    "error_details",
    "parse_retry_after",
]
