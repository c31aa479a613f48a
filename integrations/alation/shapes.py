"""Checks on the shape of Alation's JSON answers, shared by the parsers and the job readers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.alation.records import Oid
from integrations.http import CatalogMalformedResponseError

# --- Shapes ---------------------------------------------------------------------------------


def malformed(what: str, detail: str) -> CatalogMalformedResponseError:
    return CatalogMalformedResponseError(f"Alation's answer to {what} is malformed: {detail}.")


def require_dict(value: Any, what: str, name: str = "the answer") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise malformed(what, f"{name} is {type(value).__name__}, expected a JSON object")
    return value


def require_list(value: Any, what: str, name: str = "the answer") -> list[Any]:
    if not isinstance(value, list):
        raise malformed(what, f"{name} is {type(value).__name__}, expected a list")
    return value


def optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def require_int(item: dict[str, Any], key: str, what: str, name: str = "an item") -> int:
    value = optional_int(item.get(key))
    if value is None:
        raise malformed(what, f"{name} has no integer '{key}' (got {type(item.get(key)).__name__})")
    return value


def require_str(item: dict[str, Any], key: str, what: str, name: str = "an item") -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise malformed(what, f"{name} has no '{key}'")
    return value


def optional_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def timestamp(value: Any) -> datetime | None:
    """ISO-8601 as Alation writes it ("...Z" or "+00:00"); None if absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def oid_of(value: Any, what: str, name: str) -> Oid:
    """An object id: an int, or a non-empty string (files), digit strings made ints."""
    number = optional_int(value)
    if number is not None:
        return number
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise malformed(what, f"{name} has no object id")


# --- Errors (the `describe_error` hook of HttpClient) ------------------------------------------


def flatten_errors(errors: Any) -> str:
    """Every message in a nested error structure, "; "-joined; `non_field_errors` unprefixed."""
    if isinstance(errors, str):
        return errors.strip()
    if isinstance(errors, list):
        return "; ".join(part for part in (flatten_errors(e) for e in errors) if part)
    if isinstance(errors, dict):
        parts = []
        for key, value in errors.items():
            text = flatten_errors(value)
            if text:
                parts.append(text if key == "non_field_errors" else f"{key}: {text}")
        return "; ".join(parts)
    return "" if errors is None else str(errors)


def describe_alation_error(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from any of Alation's error dialects (reference §9): DRF `detail`+`code`,
    `title`+`errors`, field-keyed lists, per-item lists, the DQ `{Entry, Message}` and OAuth."""
    if isinstance(body, list):
        return None, flatten_errors(body) or None
    if not isinstance(body, dict):
        return None, None
    code = optional_str(body.get("code"))
    parts: list[str] = []
    for key in ("title", "detail", "error", "error_description", "message", "msg"):
        value = body.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in parts:
            parts.append(value.strip())
    if isinstance(body.get("Message"), str):
        entry = body.get("Entry")
        parts.append(f"entry {entry}: {body['Message']}" if entry not in (None, -1) else body["Message"])
    if body.get("errors"):
        parts.append(flatten_errors(body["errors"]))
    if not parts:
        rest = {k: v for k, v in body.items() if k not in ("code", "status")}
        parts.append(flatten_errors(rest))
    message = "; ".join(p for p in parts if p)
    return code, message or None


# --- Object keys -------------------------------------------------------------------------------


def split_object_key(key: str) -> list[str]:
    """`7."HR.2017"."Employees.FullTime"` -> ["7", "HR.2017", "Employees.FullTime"]: dots inside
    double quotes do not split, and a backslash escapes the next character (reference §2)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in key:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
