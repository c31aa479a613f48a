"""Alation-shaped error answers, in the dialects of `alation-responses/errors.json`.

Alation answers errors in several dialects: DRF's `{"detail", "code"}` (code = HTTP status plus
three digits), `{"detail"}` alone on some 404s, field-keyed validation dicts, the Data Quality
API's `{"Entry", "Message"}` and the "Invalid Payload" envelope of the custom-field-value API.
"""

from __future__ import annotations

import json
from typing import Any


class AlationApiError(Exception):
    """An error answer: HTTP status, a body (JSON-able, or text for HTML pages) and headers."""

    def __init__(
        self,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        *,
        content_type: str = "application/json",
    ) -> None:
        super().__init__(f"{status}: {json.dumps(body) if not isinstance(body, str) else body[:80]}")
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def drf(status: int, detail: str, code: str | None = None) -> AlationApiError:
    body: dict[str, Any] = {"detail": detail}
    if code is not None:
        body["code"] = code
    return AlationApiError(status, body)


def not_authenticated() -> AlationApiError:
    """A request without a TOKEN header (403, not 401: live-captured)."""
    return drf(403, "Authentication credentials were not provided.", "403000")


def invalid_refresh_token() -> AlationApiError:
    return drf(401, "Refresh token provided is invalid.", "401000")


def invalid_access_token() -> AlationApiError:
    return drf(401, "API Access Token provided is invalid.", "401000")


def permission_denied() -> AlationApiError:
    # DRF's stock PermissionDenied text with Alation's code scheme.
    return drf(403, "You do not have permission to perform this action.", "403000")


def not_found() -> AlationApiError:
    return drf(404, "Not found.", "404000")


def bare_not_found() -> AlationApiError:
    """The flag API's 404, which carries no `code`."""
    return drf(404, "Not found.")


def invalid_query(names: list[str]) -> AlationApiError:
    return drf(400, f"Invalid query parameters: [{', '.join(names)}]", "400006")


def bad_request(detail: str) -> AlationApiError:
    return drf(400, detail, "400000")


def fields(errors: dict[str, list[str]] | list[dict[str, list[str]]]) -> AlationApiError:
    """DRF validation: `{"subject": ["Invalid otype"]}`, or one dict per item of a list body."""
    return AlationApiError(400, errors)


def invalid_payload(messages: list[dict[str, list[str]]]) -> AlationApiError:
    """The custom-field-value API's envelope (live capture: "Object not found: attribute:<oid>.")."""
    return AlationApiError(
        400,
        {
            "title": "Invalid Payload",
            "detail": "Please check the API documentation for more details on the spec.",
            "errors": messages,
            "code": "400000",
        },
    )


def dq(entry: int, message: str) -> AlationApiError:
    """The Data Quality API's dialect; Entry -1 means the body as a whole."""
    return AlationApiError(400, {"Entry": entry, "Message": message})


def required() -> list[str]:
    return ["This field is required."]


def not_a_choice(value: Any) -> list[str]:
    return [f'"{value}" is not a valid choice.']
