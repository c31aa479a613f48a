"""Typed errors the Alation client raises, on top of the catalog-agnostic ones in `http.py`.

Each is a subclass of the generic error a caller already handles (an expired refresh token is a
`CatalogAuthenticationError`), so code that knows nothing of Alation still does the right thing,
and each message says what a person should do. No message ever holds a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from integrations.alation.records import JobFailure
from integrations.http import (
    CatalogAuthenticationError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogRequestError,
)

# How many of a job's failures an error message names.
FAILURES_IN_MESSAGE = 3


class AlationRefreshTokenExpiredError(CatalogAuthenticationError):
    """The refresh token is past its expiry (Alation answers 200 with token_status EXPIRED)."""


class AlationRefreshTokenInvalidError(CatalogAuthenticationError):
    """The refresh token is revoked, unknown, mistyped, or not this user's."""


class AlationWrongUserIdError(CatalogAuthenticationError):
    """The user id does not go with the refresh token (or is not a user id at all)."""


class AlationNotAnAlationApiError(CatalogMalformedResponseError):
    """The URL answers, but not as Alation's API (an HTML page, no token endpoint)."""


class AlationFieldConflictError(CatalogRequestError):
    """A custom field of that name exists with another type."""


class AlationJobError(CatalogError):
    """An async job did not end well. `job_id` is kept so it can be looked at again."""

    def __init__(
        self,
        message: str,
        *,
        job_id: int,
        failures: Sequence[JobFailure] = (),
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.job_id = job_id
        self.failures = tuple(failures)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_job_error, (type(self), self.message, self.job_id, self.failures))


def _rebuild_job_error(
    cls: type[AlationJobError], message: str, job_id: int, failures: tuple[JobFailure, ...]
) -> AlationJobError:
    return cls(message, job_id=job_id, failures=failures)


class AlationJobFailedError(AlationJobError):
    """The job ended with status `failed`."""


class AlationJobTimeoutError(AlationJobError):
    """The job was still running at the deadline (it may still finish in Alation)."""


def describe_failures(failures: Sequence[JobFailure], total: int | None = None) -> str:
    """ "a; b; c (and 4 more)" for a message."""
    if not failures:
        return ""
    shown = "; ".join(str(f) for f in failures[:FAILURES_IN_MESSAGE])
    more = max(len(failures), total or 0) - min(len(failures), FAILURES_IN_MESSAGE)
    return f"{shown} (and {more} more)" if more > 0 else shown
