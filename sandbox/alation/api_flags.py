"""Trust flags: create (owned by the caller), list by object, change the reason, delete. Only
the owner (or a Server Admin) may change or delete a flag."""

from __future__ import annotations

from typing import Any

from . import errors
from .base import OTYPES, Ctx, Reply
from .listing import CONTROLS, page, parse_filters
from .trust import FLAG_TYPES

_REASON_TYPES = ("WARNING", "DEPRECATION")


def _body(ctx: Ctx, flag: dict[str, Any], *, with_updated: bool) -> dict[str, Any]:
    return ctx.store.flags.body(
        flag,
        ctx.store.user_ref(flag["user_id"]),
        string_id=ctx.behaviour.flag_subject_id_as_string,
        with_updated=with_updated,
    )


def _subject(ctx: Ctx, subject: Any) -> tuple[str, int]:
    if not isinstance(subject, dict):
        raise errors.fields({"subject": errors.required()})
    otype = str(subject.get("otype") or "").lower()
    if otype not in OTYPES:
        raise errors.fields({"subject": ["Invalid otype"]})
    try:
        ref = (otype, int(subject.get("id")))
    except (TypeError, ValueError):
        raise errors.fields({"subject": ["Invalid id"]}) from None
    if ctx.store.catalog.get(*ref) is None or not ctx.store.sees(ctx.me, ref):
        raise errors.bare_not_found()
    return ref


def create(ctx: Ctx) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    flag_type = str(body.get("flag_type") or "").upper()
    if not flag_type:
        raise errors.fields({"flag_type": errors.required()})
    if flag_type not in FLAG_TYPES:
        raise errors.fields({"flag_type": errors.not_a_choice(body.get("flag_type"))})
    reason = str(body.get("flag_reason") or "").strip()
    if flag_type in _REASON_TYPES and not reason:
        raise errors.fields({"flag_reason": [f"A reason is required for {flag_type} flags."]})
    if flag_type == "ENDORSEMENT" and reason:
        raise errors.fields({"flag_reason": ["ENDORSEMENT flags take no reason."]})
    ref = _subject(ctx, body.get("subject"))
    store = ctx.store
    if ctx.behaviour.one_flag_per_user_and_type and any(
        f["flag_type"] == flag_type and f["user_id"] == ctx.me.id for f in store.flags.of(ref)
    ):
        raise errors.fields({"non_field_errors": [f"You already have a {flag_type} flag on this object."]})
    flag = store.flags.add(flag_type, reason, ref, ctx.me.id, store.now())
    return Reply(201, _body(ctx, flag, with_updated=False))


def list_flags(ctx: Ctx) -> Reply:
    parse_filters(ctx, {"oid", "otype"}, controls=CONTROLS | {"exclude_deleted"})
    otype, oid = ctx.one("otype"), ctx.one("oid")
    if ctx.behaviour.flag_list_requires_subject and not (otype and oid):
        raise errors.bad_request("oid and otype are required.")
    store = ctx.store
    if otype and oid:
        try:
            candidates = store.flags.of((otype.lower(), int(oid)))
        except ValueError:
            raise errors.invalid_query(["oid"]) from None
    else:
        candidates = [
            f
            for f in store.flags.flags.values()
            if (not otype or f["otype"] == otype.lower()) and (not oid or str(f["oid"]) == oid)
        ]
    rows = [f for f in candidates if store.sees(ctx.me, (f["otype"], f["oid"]))]
    return page(ctx, rows, lambda f: _body(ctx, f, with_updated=True))


def _flag(ctx: Ctx) -> dict[str, Any]:
    flag = ctx.store.flags.flags.get(int(ctx.args[0]))
    if flag is None or not ctx.store.sees(ctx.me, (flag["otype"], flag["oid"])):
        raise errors.bare_not_found()
    return flag


def _owned(ctx: Ctx) -> dict[str, Any]:
    flag = _flag(ctx)
    if flag["user_id"] != ctx.me.id and not ctx.me.admin:
        if ctx.behaviour.foreign_flag_status == 404:
            raise errors.bare_not_found()
        raise errors.permission_denied()
    return flag


def get_flag(ctx: Ctx) -> Reply:
    return Reply(200, _body(ctx, _flag(ctx), with_updated=True))


def update(ctx: Ctx) -> Reply:
    flag = _owned(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if flag["flag_type"] not in _REASON_TYPES:
        raise errors.fields({"flag_reason": ["Only WARNING and DEPRECATION flags have a reason to change."]})
    reason = str(body.get("flag_reason") or "").strip()
    if not reason:
        raise errors.fields({"flag_reason": errors.required()})
    ctx.store.flags.update_reason(flag, reason, ctx.me.id, ctx.store.now())
    return Reply(200, _body(ctx, flag, with_updated=False))


def delete(ctx: Ctx) -> Reply:
    flag = _owned(ctx)
    ctx.store.flags.delete(flag, ctx.me.id, ctx.store.now())
    return Reply(204)
