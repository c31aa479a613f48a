"""The Data Quality API: fields and values (GET, POST, DELETE). Writes answer 202 with a job
whose result has the fixtures' sections; an object key that does not resolve fails that value
only (`created_object_attribution.failure_count`), never the request."""

from __future__ import annotations

from typing import Any

from . import errors
from .api_jobs import start
from .base import Ctx, Reply
from .listing import CONTROLS, matches, page, parse_filters
from .quality import FIELD_TYPES, OBJECT_TYPES, STATUSES

SAMPLE_SIZE = 10
_FIELD_REQUIRED = ("field_key", "name", "type")
_VALUE_REQUIRED = ("field_key", "object_key", "object_type", "status", "value")


def _section(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(items), "sample": items[:SAMPLE_SIZE]}


def _roots(ctx: Ctx) -> tuple[list[Any] | None, list[Any] | None]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    fields, values = body.get("fields"), body.get("values")
    if fields is None and values is None:
        raise errors.dq(-1, 'A "values" or "fields" property must be specified')
    if fields is not None and values is not None and not ctx.behaviour.dq_mixed_body:
        raise errors.dq(-1, 'Only one of "values" or "fields" may be specified')
    for name, items in (("fields", fields), ("values", values)):
        if items is not None and not isinstance(items, list):
            raise errors.dq(-1, f'"{name}" must be a list')
    total = len(fields or []) + len(values or [])
    cap = ctx.behaviour.dq_max_items
    if cap is not None and total > cap:
        raise errors.dq(-1, f"At most {cap} items may be sent in one request")
    return fields, values


def _check(
    ctx: Ctx, items: list[Any], required: tuple[str, ...], choices: dict[str, tuple[str, ...]]
) -> None:
    base = ctx.behaviour.dq_entry_base
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise errors.dq(i + base, "Each entry must be an object")
        for name in required:
            if item.get(name) in (None, ""):
                raise errors.dq(i + base, f"{name} is required")
        for name, allowed in choices.items():
            if name in item and str(item[name]).upper() not in allowed:
                raise errors.dq(i + base, f"{name} must be one of {', '.join(allowed)}")


def post(ctx: Ctx) -> Reply:
    fields, values = _roots(ctx)
    _check(ctx, fields or [], _FIELD_REQUIRED, {"type": FIELD_TYPES})
    _check(ctx, values or [], _VALUE_REQUIRED, {"object_type": tuple(OBJECT_TYPES), "status": STATUSES})
    store = ctx.store
    known = {str(f["field_key"]).lower() for f in fields or []}
    for i, item in enumerate(values or []):
        if store.dq.field(str(item["field_key"])) is None and str(item["field_key"]).lower() not in known:
            raise errors.dq(i + ctx.behaviour.dq_entry_base, f"field_key {item['field_key']} does not exist")
        if not isinstance(item["value"], (str, int, float, bool)):
            raise errors.dq(i + ctx.behaviour.dq_entry_base, "value must be a string, number or boolean")

    def work() -> dict[str, Any]:
        outcome: dict[str, list[dict[str, Any]]] = {k: [] for k in ("fc", "fu", "vc", "vu", "bad")}
        flag_counts = dict.fromkeys(STATUSES, 0)
        for item in fields or []:
            kind = store.dq.upsert_field(item, store.now())
            outcome["fc" if kind == "created" else "fu"].append({"field_key": item["field_key"]})
        for item in values or []:
            sample = {"field_key": item["field_key"], "object_key": item["object_key"]}
            otype = OBJECT_TYPES[str(item["object_type"]).upper()]
            ref = store.catalog.resolve(item["object_key"], otype)
            if ref is None or not store.sees(ctx.me, ref):
                outcome["bad"].append(sample)
                continue
            kind = store.dq.upsert_value(str(item["field_key"]), ref, item, store.now())
            outcome["vc" if kind == "created" else "vu"].append(sample)
            flag_counts[str(item["status"]).upper()] += 1
        return {
            "fields": {"created": _section(outcome["fc"]), "updated": _section(outcome["fu"])},
            "values": {"created": _section(outcome["vc"]), "updated": _section(outcome["vu"])},
            "created_object_attribution": {
                "success_count": 0,
                "failure_count": len(outcome["bad"]),
                "success_sample": [],
                "failure_sample": outcome["bad"][:SAMPLE_SIZE],
            },
            "flag_counts": flag_counts,
            "total_duration": store.duration(),
        }

    job = start(ctx, "data_quality.post", work, {"error": "Data quality job failed: internal error"})
    return Reply(202, {"job_id": job.id, "href": f"/api/v1/bulk_metadata/job/?id={job.id}"})


def delete(ctx: Ctx) -> Reply:
    fields, values = _roots(ctx)
    # Fields may be named by key alone, as Alation's SDK sends them, or as {"field_key": ...}.
    fields = [{"field_key": f} if isinstance(f, str) and f else f for f in fields or []] or fields
    _check(ctx, fields or [], ("field_key",), {})
    _check(ctx, values or [], ("field_key", "object_key"), {})
    store = ctx.store
    cascade = ctx.behaviour.dq_field_delete_cascades

    def work() -> dict[str, Any]:
        f_done, f_missing, v_done, v_missing = [], [], [], []
        for item in values or []:
            sample = {"field_key": item["field_key"], "object_key": item["object_key"]}
            ref = store.catalog.resolve(item["object_key"])
            gone = (
                ref is not None
                and store.sees(ctx.me, ref)
                and store.dq.delete_value(str(item["field_key"]), ref)
            )
            (v_done if gone else v_missing).append(sample)
        for item in fields or []:
            sample = {"field_key": item["field_key"]}
            (f_done if store.dq.delete_field(str(item["field_key"]), cascade=cascade) else f_missing).append(
                sample
            )
        return {
            "fields": {"deleted": _section(f_done), "not_found": _section(f_missing)},
            "values": {"deleted": _section(v_done), "not_found": _section(v_missing)},
            "total_duration": store.duration(),
        }

    job = start(ctx, "data_quality.delete", work, {"error": "Data quality job failed: internal error"})
    return Reply(202, {"job_id": job.id, "href": f"/api/v1/bulk_metadata/job/?id={job.id}"})


def list_fields(ctx: Ctx) -> Reply:
    filters = parse_filters(ctx, {"key", "name", "type"})
    rows = [ctx.store.dq.field_body(f) for f in ctx.store.dq.fields.values()]
    return page(ctx, [r for r in rows if matches(r, filters, ignore_case={"key"})])


def list_values(ctx: Ctx) -> Reply:
    allowed = {"field_key", "object_key", "source_object_key", "value_quality", "otype", "oid"}
    filters = parse_filters(ctx, allowed, controls=CONTROLS | {"hide_related"})
    hide = ctx.flag("hide_related")
    store = ctx.store
    rows = [
        r
        for r in store.dq.rows(store.catalog, propagate=ctx.behaviour.dq_propagate_to_table and not hide)
        if store.sees(ctx.me, (r["otype"], r["oid"]))
        and matches(r, filters, ignore_case={"field_key", "object_key", "source_object_key"})
    ]
    return page(ctx, rows)
