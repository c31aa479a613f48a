"""Custom fields: definitions (create is an async job), and values (read, and written through
the async PUT whose job reports per-object failures)."""

from __future__ import annotations

import json
from typing import Any

from . import errors
from .annotations import CREATABLE_FIELD_TYPES
from .api_jobs import start
from .base import OTYPES, Ctx, Reply
from .listing import matches, page, parse_filters

FIELD_FILTERS = {
    "id",
    "field_type",
    "name_singular",
    "name_plural",
    "tooltip_text",
    "allow_multiple",
    "builtin_name",
}
MAX_VALUE_ITEMS = 10_000
MAX_OBJECT_SET = 256
MAX_VALUE_BYTES = 190_000
_STRING_TYPES = ("RICH_TEXT", "TEXT", "PICKER", "DATE")
_LEGACY = "Legacy(Rosemeta) write job_id (can be tracked using jobs API): {}"


def list_fields(ctx: Ctx) -> Reply:
    filters = parse_filters(ctx, FIELD_FILTERS)
    rows = [f for f in ctx.store.fields.fields.values() if matches(f, filters)]
    return page(ctx, sorted(rows, key=lambda f: f["id"]))


def get_field(ctx: Ctx) -> Reply:
    field = ctx.store.fields.fields.get(int(ctx.args[0]))
    if field is None:
        raise errors.not_found()
    return Reply(200, field)


def get_builtin(ctx: Ctx) -> Reply:
    field = next((f for f in ctx.store.fields.fields.values() if f["builtin_name"] == ctx.args[0]), None)
    if field is None:
        raise errors.not_found()
    return Reply(200, field)


def _list_body(ctx: Ctx) -> list[Any]:
    if not isinstance(ctx.body, list):
        kind = type(ctx.body).__name__ if ctx.body is not None else "NoneType"
        raise errors.fields({"non_field_errors": [f'Expected a list of items but got type "{kind}".']})
    return ctx.body


def _field_errors(item: Any) -> dict[str, list[str]]:
    if not isinstance(item, dict):
        return {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(item).__name__}."]}
    found: dict[str, list[str]] = {}
    kind = item.get("field_type")
    if kind in (None, ""):
        found["field_type"] = errors.required()
    elif kind not in CREATABLE_FIELD_TYPES:
        found["field_type"] = errors.not_a_choice(kind)
    if not str(item.get("name_singular") or "").strip():
        found["name_singular"] = errors.required()
    options = item.get("options")
    if kind in ("PICKER", "MULTI_PICKER"):
        if options is None:
            found["options"] = errors.required()
        elif not isinstance(options, list):
            found["options"] = [f'Expected a list of items but got type "{type(options).__name__}".']
    return found


def create_fields(ctx: Ctx) -> Reply:
    items = _list_body(ctx)
    problems = [_field_errors(item) for item in items]
    if any(problems):
        raise errors.fields(problems)

    def work() -> list[str]:
        lines = [json.dumps({"msg": "Starting bulk creation of Custom Fields...", "data": {}})]
        created: list[int] = []
        for item in items:
            if ctx.store.fields.by_name(str(item["name_singular"])) is not None:
                msg = f"A custom field named {item['name_singular']!r} already exists; not created."
                lines.append(json.dumps({"msg": msg, "data": {"name_singular": item["name_singular"]}}))
                continue
            created.append(ctx.store.fields.add(item)["id"])
        done = {"msg": "Finished bulk creation of Custom Fields", "data": {"field_ids": created}}
        return [*lines, json.dumps(done)]

    failed = [json.dumps({"msg": "Bulk creation of Custom Fields failed: internal error", "data": {}})]
    job = start(ctx, "custom_field.create", work, failed)
    return Reply(200, {"job_id": job.id})


def list_values(ctx: Ctx) -> Reply:
    filters = parse_filters(ctx, {"field_id", "otype", "oid"})
    otype, oid = ctx.one("otype"), ctx.one("oid")
    fields = ctx.store.fields
    if otype and oid and oid.isdigit():
        rows = fields.value_rows_of((otype, int(oid)))
    else:
        rows = fields.value_rows()
    rows = [r for r in rows if ctx.store.sees(ctx.me, (r["otype"], r["oid"])) and matches(r, filters)]
    return page(ctx, rows)


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _value_errors(ctx: Ctx, item: Any) -> list[dict[str, list[str]]]:
    """Problems that reject the whole request (400 "Invalid Payload"); ids are coerced in place."""
    if not isinstance(item, dict):
        return [
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(item).__name__}."]}
        ]
    missing = {n: errors.required() for n in ("field_id", "otype", "oid", "value") if n not in item}
    if missing:
        return [missing]
    otype, field_id = item["otype"], item["field_id"]
    if otype not in OTYPES:
        return [{"otype": errors.not_a_choice(otype)}]
    oid = _as_int(item["oid"])
    if oid is None:
        return [{"oid": ["A valid integer is required."]}]
    item["oid"] = oid
    field = ctx.store.fields.fields.get(_as_int(field_id) or 0)
    if field is None:
        return [{"field_id": [f'Invalid pk "{field_id}" - object does not exist.']}]
    if field["builtin_name"] in ("title", "description"):
        message = f"No support for updating `{field['builtin_name']}` field for `{otype}`."
        return [{"non_field_errors": [message]}]
    item["field_id"] = field["id"]
    ref = (str(otype), oid)
    if ctx.store.catalog.get(*ref) is None or not ctx.store.sees(ctx.me, ref):
        return [{"non_field_errors": [f"Object not found: {otype}:{oid}."]}]
    return _shape_errors(field, item["value"])


def _shape_errors(field: dict[str, Any], value: Any) -> list[dict[str, list[str]]]:
    kind = field["field_type"]
    if kind in _STRING_TYPES and not isinstance(value, str):
        return [{"value": [f"{kind} values are strings."]}]
    if kind == "MULTI_PICKER" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return [{"value": ["MULTI_PICKER values are lists of strings."]}]
    if kind == "OBJECT_SET" and not (
        isinstance(value, list) and all(isinstance(v, dict) and {"otype", "oid"} <= set(v) for v in value)
    ):
        return [{"value": ['OBJECT_SET values are lists of {"otype", "oid"}.']}]
    return []


def _soft_error(field: dict[str, Any], value: Any) -> str | None:
    """Problems the job reports per object while it writes the rest."""
    options = field.get("options") or []
    kind = field["field_type"]
    if kind == "PICKER" and options and value not in options:
        return f"{value!r} is not an option of {field['name_singular']!r}"
    if kind == "MULTI_PICKER" and options and any(v not in options for v in value):
        return f"{value!r} holds values that are not options of {field['name_singular']!r}"
    if kind in ("MULTI_PICKER", "OBJECT_SET") and len(value) > MAX_OBJECT_SET:
        return f"more than {MAX_OBJECT_SET} items"
    if len(json.dumps(value)) > MAX_VALUE_BYTES:
        return "value is too large"
    return None


def put_values_async(ctx: Ctx) -> Reply:
    items = _list_body(ctx)
    if len(items) > MAX_VALUE_ITEMS:
        raise errors.invalid_payload(
            [{"non_field_errors": [f"At most {MAX_VALUE_ITEMS} items per request."]}]
        )
    problems = [p for item in items for p in _value_errors(ctx, item)]
    if problems:
        raise errors.invalid_payload(problems)
    store = ctx.store
    legacy_id = store.jobs.new_id() if ctx.behaviour.legacy_value_job else None
    counts = {"created": 0, "updated": 0}
    failures: list[dict[str, Any]] = []

    def work() -> list[str]:
        for item in items:
            field = store.fields.fields[item["field_id"]]
            problem = _soft_error(field, item["value"])
            if problem:
                failures.append(
                    {
                        "otype": item["otype"],
                        "oid": item["oid"],
                        "field_id": item["field_id"],
                        "error": problem,
                    }
                )
                continue
            outcome = store.fields.set_value(
                field["id"], (item["otype"], item["oid"]), item["value"], store.now()
            )
            counts["created" if outcome == "created" else "updated"] += 1
        return _value_job_lines(counts, failures, legacy_id)

    job = start(
        ctx,
        "custom_field_value.put",
        work,
        ["Start bulk upsert public annotation field values...", "Job failed: internal error"],
    )
    if legacy_id is not None and job.status == "successful":
        old_style = _value_job_lines(counts, failures, None)
        store.jobs.add(
            "custom_field_value.legacy",
            old_style,
            now=store.now(),
            duration=store.duration(),
            polls=ctx.behaviour.job_running_polls,
            job_id=legacy_id,
        )
    return Reply(200, {"job_id": job.id})


def _value_job_lines(
    counts: dict[str, int], failures: list[dict[str, Any]], legacy_id: int | None
) -> list[str]:
    if legacy_id is None:
        lines = ["Start bulk upsert public annotation field values..."]
        if failures:
            lines.append(f"Error count: {len(failures)}. Errors: {failures}")
        lines.append(
            "Finished bulk upsert public annotation field values. "
            f"Updated objects: {counts['updated']}, created objects: {counts['created']}"
        )
        return lines
    # Cloud-native tenants (Allie-SDK#26): every line names the second, legacy job.
    suffix = _LEGACY.format(legacy_id)
    return [
        f"Start bulk upsert values to annotation value microservice... {suffix}",
        f"Updated values count: {counts['created'] + counts['updated']}. Error count: {len(failures)}. "
        f"Errors: {failures} {suffix}",
        f"Finished bulk upsert values to annotation value microservice. {suffix}",
    ]
