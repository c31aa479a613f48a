"""Domains: the list, the membership rules of chosen domains (a POST "view" that pages through
X-Next-Page while the client re-sends its body), and assigning or removing objects."""

from __future__ import annotations

from typing import Any

from . import errors
from .base import OTYPES, Ctx, Reply
from .listing import matches, page, parse_filters


def list_domains(ctx: Ctx) -> Reply:
    filters = parse_filters(ctx, {"id", "parent_id", "title"})
    rows = [d for d in ctx.store.domains.domains.values() if matches(d, filters)]
    return page(ctx, rows)


def view_rules(ctx: Ctx) -> Reply:
    parse_filters(ctx, ())
    body = ctx.body if isinstance(ctx.body, dict) else {}
    ids = body.get("domain_id")
    problems = {}
    if not isinstance(ids, list) or not ids:
        problems["domain_id"] = errors.required() if ids is None else ["Expected a list of items."]
    if not isinstance(body.get("exclude"), bool):
        problems["exclude"] = errors.required()
    if problems:
        raise errors.fields(problems)
    wanted = {int(i) for i in ids if str(i).isdigit()}
    recursive = body.get("recursive")
    store = ctx.store
    rows = [
        dict(r)
        for r in store.domains.rules
        if r["domain_id"] in wanted
        and r["exclude"] == body["exclude"]
        and (recursive is None or r["recursive"] == recursive)
        and store.sees(ctx.me, (r["otype"], r["oid"]))
    ]
    return page(ctx, rows)


def _membership(ctx: Ctx) -> tuple[int, str, list[int], dict[str, Any]]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    missing = {n: errors.required() for n in ("id", "oid", "otype") if body.get(n) in (None, "", [])}
    if missing:
        raise errors.fields(missing)
    if body["otype"] not in OTYPES:
        raise errors.fields({"otype": errors.not_a_choice(body["otype"])})
    oids = body["oid"] if isinstance(body["oid"], list) else [body["oid"]]
    try:
        domain_id, oids = int(body["id"]), [int(o) for o in oids]
    except (TypeError, ValueError):
        raise errors.fields({"oid": ["A valid integer is required."]}) from None
    if domain_id not in ctx.store.domains.domains:
        raise errors.not_found()
    unknown = [
        o
        for o in oids
        if not ctx.store.catalog.get(body["otype"], o) or not ctx.store.sees(ctx.me, (body["otype"], o))
    ]
    if unknown:
        raise errors.fields({"oid": [f"Object not found: {body['otype']}:{o}." for o in unknown]})
    return domain_id, str(body["otype"]), oids, body


def assign(ctx: Ctx) -> Reply:
    domain_id, otype, oids, body = _membership(ctx)
    exclude, recursive = bool(body.get("exclude", False)), bool(body.get("recursive", False))
    ctx.store.domains.assign(domain_id, otype, oids, exclude=exclude, recursive=recursive)
    return Reply(201, {"exclude": exclude, "id": domain_id, "oid": oids, "otype": otype})


def remove(ctx: Ctx) -> Reply:
    domain_id, otype, oids, body = _membership(ctx)
    exclude = bool(body.get("exclude", False))
    ctx.store.domains.remove(domain_id, otype, oids, exclude=exclude)
    return Reply(200, {"exclude": exclude, "id": domain_id, "oid": oids, "otype": otype})
