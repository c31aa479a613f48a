"""Tags: list them (or those of one object), the objects a tag is on, tag and untag objects."""

from __future__ import annotations

from typing import Any

from . import errors
from .base import OTYPES, Ctx, Reply, iso, object_url
from .listing import CONTROLS, matches, page, parse_filters


def _visible_ref(ctx: Ctx, otype: Any, oid: Any) -> tuple[str, int]:
    """An object the caller may see, or a 400/404 in the tag API's manner."""
    if otype not in OTYPES:
        raise errors.fields({"otype": errors.not_a_choice(otype)})
    try:
        ref = (str(otype), int(oid))
    except (TypeError, ValueError):
        raise errors.fields({"oid": ["A valid integer is required."]}) from None
    if ctx.store.catalog.get(*ref) is None or not ctx.store.sees(ctx.me, ref):
        raise errors.not_found()
    return ref


def _tag_by_name(ctx: Ctx, name: str) -> dict[str, Any]:
    tag = ctx.store.tags.find(name)
    if tag is None:
        raise errors.not_found()
    return tag


def list_tags(ctx: Ctx) -> Reply:
    filters = parse_filters(ctx, {"oid", "otype", "name", "id"})
    by_object = [f for f in filters if f.field in ("oid", "otype")]
    tags = ctx.store.tags
    if by_object:
        oid, otype = ctx.one("oid"), ctx.one("otype")
        if oid is None or otype is None:
            raise errors.bad_request("oid and otype must be given together.")
        try:
            ref = _visible_ref(ctx, otype, oid)
            candidates = tags.of(ref)
        except errors.AlationApiError as exc:
            if exc.status != 404:
                raise
            candidates = []
    else:
        candidates = list(tags.tags.values())
    rest = [f for f in filters if f.field not in ("oid", "otype")]
    rows = [t for t in candidates if matches(t, rest)]
    return page(ctx, rows, tags.body)


def get_tag(ctx: Ctx) -> Reply:
    tag = ctx.store.tags.tags.get(int(ctx.args[0])) if ctx.args[0].isdigit() else None
    if tag is None:
        raise errors.not_found()
    return Reply(200, ctx.store.tags.body(tag))


def patch_tag(ctx: Ctx) -> Reply:
    tag = ctx.store.tags.tags.get(int(ctx.args[0])) if ctx.args[0].isdigit() else None
    if tag is None:
        raise errors.not_found()
    body = ctx.body if isinstance(ctx.body, dict) else {}
    name = body.get("name")
    if name is not None:
        other = ctx.store.tags.find(str(name))
        if not str(name).strip():
            raise errors.fields({"name": ["This field may not be blank."]})
        if other is not None and other["id"] != tag["id"]:
            raise errors.fields({"name": ["tag with this name already exists."]})
        tag["name"] = str(name)
    if body.get("description") is not None:
        tag["description"] = str(body["description"])
    return Reply(200, ctx.store.tags.body(tag))


def tag_subjects(ctx: Ctx) -> Reply:
    parse_filters(ctx, (), controls=CONTROLS | {"exclude_deleted"})
    order = ctx.one("order_by")
    if order not in (None, "", "ts_tagged", "-ts_tagged"):
        raise errors.invalid_query(["order_by"])
    tag = _tag_by_name(ctx, ctx.args[0])
    store = ctx.store
    rows = [
        {"ts_tagged": ts, "otype": otype, "id": oid}
        for (otype, oid), ts in store.tags.subjects[tag["id"]].items()
        if store.sees(ctx.me, (otype, oid))
    ]
    key = ctx.behaviour.tag_subject_key

    def render(row: dict[str, Any]) -> dict[str, Any]:
        ref = {"url": object_url(row["otype"], row["id"]), "otype": row["otype"], "id": row["id"]}
        return {"ts_tagged": iso(row["ts_tagged"]), key: ref}

    return page(ctx, rows, render)


def add_subject(ctx: Ctx) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    missing = {n: errors.required() for n in ("oid", "otype") if body.get(n) in (None, "")}
    if missing:
        raise errors.fields(missing)
    ref = _visible_ref(ctx, body["otype"], body["oid"])
    name = ctx.args[0]
    if not name.strip():
        raise errors.fields({"name": ["This field may not be blank."]})
    store = ctx.store
    tag = store.tags.find(name) or store.tags.create(name, store.now())
    store.tags.tag(tag["id"], ref, store.now())
    return Reply(ctx.behaviour.tag_subject_post_status, store.tags.body(tag))


def remove_subject(ctx: Ctx) -> Reply:
    name, otype, oid = ctx.args
    tag = _tag_by_name(ctx, name)
    ref = _visible_ref(ctx, otype, oid)
    if not ctx.store.tags.untag(tag["id"], ref):
        raise errors.not_found()
    return Reply(204)
