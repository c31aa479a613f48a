"""How the HTTP client reads a catalog's answer: JSON on success, a typed error otherwise.

Messages built here reach run logs that every signed-in user reads, so they never carry the
catalog's raw answer: only its status, its content type and size, and a catalog-provided error
code and message when they are short, single-line text (a hostile host's page stays out). The
raw start of an unexpected answer goes to the server log, for the operator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import requests

from integrations.http.errors import CatalogMalformedResponseError, error_class_for
from integrations.http.support import (
    RETRY_STATUSES,
    DescribeErrorFn,
    logger,
    parse_retry_after,
    retries_text,
    snippet,
)

# A catalog's own error code (ATLAS-404-00-005, PermissionDenied) and message are kept when short.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
MAX_DETAIL_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_decode(content: bytes) -> tuple[Any, str | None]:
    """(body, None), or (None, what it is instead): not UTF-8, not JSON, or nested too deeply to read."""
    try:
        return json.loads(content), None
    except UnicodeDecodeError:
        return None, "something that is not UTF-8 JSON"
    except RecursionError:
        return None, "JSON nested too deeply to read"
    except ValueError:
        return None, "something that is not JSON"


def code_sanitise(code: str | None) -> str | None:
    return code if code and CODE_PATTERN.fullmatch(code) else None


def detail_sanitise(detail: str | None) -> str | None:
    """A catalog's error message if it is short plain text, else None (it goes to the server log)."""
    if not detail:
        return None
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", detail)).strip()
    return text if 0 < len(text) <= MAX_DETAIL_CHARS and "<" not in text else None


def text_for_log(response: requests.Response, content: bytes) -> str:
    """The start of an answer as text, for the server log only; a bogus charset never raises."""
    try:
        return snippet(content.decode(response.encoding or "utf-8", errors="replace"))
    except LookupError:
        return snippet(content.decode("utf-8", errors="replace"))


class Answering:
    """Mixed into HttpClient: turns a response into JSON or a typed, safe error."""

    catalog: str
    max_retries: int
    _describe_error: DescribeErrorFn
    _clock: Callable[[], float]

    def _scrub(self, text: str) -> str:
        raise NotImplementedError

    def _handle(
        self, response: requests.Response, content: bytes, where: str, retries: int, retryable: bool = True
    ) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            return self._success_body(response, content, where)
        body = json_decode(content)[0] if content.strip() else None
        code, detail = self._describe_error(body)
        safe_code, safe_detail = code_sanitise(code), detail_sanitise(detail)
        if (code and not safe_code) or (detail and not safe_detail) or (body is None and content.strip()):
            logger.info(
                "%s answered %s with HTTP %s: %s",
                self.catalog,
                self._scrub(where),
                status,
                self._scrub(text_for_log(response, content)),
            )
        suffix = " ".join(part for part in (safe_code, safe_detail) if part)
        after = f" after {retries_text(retries)}" if retries else ""
        if not retryable and status in RETRY_STATUSES and self.max_retries:
            after = " (not retried: a retry could carry it out twice)"
        cls, head = error_class_for(status, catalog=self.catalog, where=where, retries=retries, after=after)
        message = self._scrub(head + (f": {suffix}" if suffix else ""))
        if retries or status >= 500:
            logger.warning("%s", message)
        error = cls(message, status=status, code=self._scrub(safe_code) if safe_code else None)
        if status in (429, 503):
            error.retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._clock())
        raise error

    def _success_body(self, response: requests.Response, content: bytes, where: str) -> Any:
        status = response.status_code
        if status == 204 or not content.strip():
            return None
        body, why = json_decode(content)
        if why is None:
            return body
        kind = response.headers.get("Content-Type", "unknown content type").split(";")[0].strip()[:60]
        logger.info(
            "%s answered %s with something that is not JSON: %s",
            self.catalog,
            self._scrub(where),
            self._scrub(text_for_log(response, content)),
        )
        raise CatalogMalformedResponseError(
            self._scrub(
                f"{self.catalog} answered {where} with {why} ({kind or 'unknown content type'}, "
                f"{len(content):,} bytes)"
            ),
            status=status,
        )
