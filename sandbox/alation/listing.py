"""Django-style list filters and `limit`/`skip` paging with the `X-Next-Page` header.

A list without `limit` holds at most `default_page_size` rows; no page holds more than
`max_page_size`, so a page can be SHORTER than the `limit` asked for while more rows remain.
`X-Next-Page` (the next page's path and query, relative) is sent only when rows remain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import errors
from .base import Ctx, Reply

PAGING = ("limit", "skip")
CONTROLS = frozenset({*PAGING, "order_by", "fields", "values", "custom_fields", "exclude_deleted_ref"})
LOOKUPS = frozenset(
    {
        "gt",
        "gte",
        "lt",
        "lte",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "iexact",
        "in",
    }
)


@dataclass(frozen=True)
class Filter:
    field: str
    lookup: str
    value: str


def parse_filters(ctx: Ctx, allowed: Iterable[str], *, controls: Iterable[str] = CONTROLS) -> list[Filter]:
    """The filters of a list request; unknown parameters are a 400 naming them all."""
    allowed = set(allowed)
    controls = set(controls)
    result, unknown = [], []
    for name, values in ctx.query.items():
        if name in controls:
            continue
        base, _, lookup = name.partition("__")
        if base not in allowed or (lookup and lookup not in LOOKUPS):
            unknown.append(name)
            continue
        result.append(Filter(base, lookup or "exact", values[-1]))
    if unknown:
        raise errors.invalid_query(unknown)
    return result


def _coerce(sample: Any, raw: str, name: str) -> Any:
    if isinstance(sample, bool):
        return raw.lower() in ("true", "1")
    if isinstance(sample, int):
        try:
            return int(raw)
        except ValueError:
            raise errors.invalid_query([name]) from None
    return raw


def _test(value: Any, f: Filter, *, ignore_case: bool) -> bool:
    if f.lookup == "in":
        return any(
            _test(value, Filter(f.field, "exact", v), ignore_case=ignore_case) for v in f.value.split(",")
        )
    if value is None:
        return False
    if f.lookup in ("gt", "gte", "lt", "lte"):
        wanted = _coerce(value, f.value, f.field)
        return {"gt": value > wanted, "gte": value >= wanted, "lt": value < wanted, "lte": value <= wanted}[
            f.lookup
        ]
    if f.lookup in ("exact", "iexact") and not isinstance(value, str):
        return bool(value == _coerce(value, f.value, f.field))
    text, wanted = str(value), f.value
    if ignore_case or f.lookup.startswith("i"):
        text, wanted = text.lower(), wanted.lower()
    lookup = f.lookup.removeprefix("i")
    if lookup == "exact":
        return text == wanted
    if lookup == "contains":
        return wanted in text
    if lookup == "startswith":
        return text.startswith(wanted)
    return text.endswith(wanted)


def matches(record: dict[str, Any], filters: Sequence[Filter], *, ignore_case: Iterable[str] = ()) -> bool:
    folded = set(ignore_case)
    return all(_test(record.get(f.field), f, ignore_case=f.field in folded) for f in filters)


def _int_param(ctx: Ctx, name: str) -> int | None:
    raw = ctx.one(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise errors.invalid_query([name]) from None


def _ordered(ctx: Ctx, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    order = ctx.one("order_by")
    if not order:
        return rows
    name = order.lstrip("-")

    def sort_key(row: dict[str, Any]) -> tuple[bool, Any]:
        value = row.get(name)
        return (value is None, value if value is not None else 0)

    return sorted(rows, key=sort_key, reverse=order.startswith("-"))


def page(
    ctx: Ctx,
    rows: Sequence[dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Reply:
    """One page of `rows` (rendered), with X-Next-Page when more remain."""
    behaviour = ctx.behaviour
    limit = _int_param(ctx, "limit")
    skip = max(_int_param(ctx, "skip") or 0, 0)
    asked = limit if limit and limit > 0 else behaviour.default_page_size
    size = max(1, min(asked, behaviour.max_page_size))
    rows = _ordered(ctx, rows)
    chunk = rows[skip : skip + size]
    body = [render(r) if render else r for r in chunk]
    trim = ctx.one("fields") or ctx.one("values")
    if trim:
        keep = [k.strip() for k in trim.split(",") if k.strip()]
        body = [{k: item[k] for k in keep if k in item} for item in body]
    headers = {}
    if skip + len(chunk) < len(rows):
        params = [(k, v) for k, values in ctx.query.items() if k not in PAGING for v in values]
        params += [("skip", str(skip + len(chunk))), ("limit", str(asked))]
        headers["X-Next-Page"] = f"{ctx.path}?{urlencode(params)}"
    return Reply(200, body, headers)
