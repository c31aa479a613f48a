"""Data sources (v1 native, v2 OCF) and the Relational Integration API listings (schemas,
tables, columns) with their filters, paging and the caller's data-source permissions."""

from __future__ import annotations

from typing import Any

from . import errors
from .base import Ctx, Reply, iso
from .listing import Filter, matches, page, parse_filters

CONNECTOR_IDS = {"snowflake": 101, "postgresql": 102, "sqlserver": 103, "databricks": 104, "mysql": 105}
_OBJECT_FILTERS = {"id", "name", "title", "description", "ds_id", "key"}
FILTERS = {
    "schema": _OBJECT_FILTERS,
    "table": _OBJECT_FILTERS | {"schema_id", "schema_name", "table_type"},
    "attribute": _OBJECT_FILTERS | {"schema_id", "table_id", "table_name", "column_type", "position"},
}
DATASOURCE_FILTERS = {"id", "title", "dbtype", "host", "dbname", "private"}
DATASOURCE_CONTROLS = {
    "limit",
    "skip",
    "order_by",
    "include_undeployed",
    "include_hidden",
    "exclude_suspended",
}


def _uri(ds: dict[str, Any]) -> str:
    return f"{ds['dbtype']}://{ds['host']}:{ds['port']}/{ds['dbname']}"


def _common(ds: dict[str, Any]) -> dict[str, Any]:
    return {
        "uri": _uri(ds),
        "db_username": "alation",
        "title": ds["title"],
        "description": ds["description"],
        "private": ds["private"],
        "is_hidden": False,
        "id": ds["id"],
        "supports_explain": True,
        "data_upload_disabled_message": "",
        "is_gone": False,
        "supports_qli_diagnostics": True,
        "latest_extraction_time": iso(ds["ts_created"]),
        "negative_filter_words": [],
        "can_data_upload": False,
        "qualified_name": "",
        "all_schemas": "",
        "has_previewable_qli": False,
        "supports_qli_daterange": True,
        "latest_extraction_successful": True,
        "owner_ids": [1],
        "favorited_by_list": False,
        "supports_compose": True,
        "enable_designated_credential": False,
        "deleted": False,
        "limit_schemas": "",
        "obfuscate_literals": [],
        "remove_filtered_schemas": False,
        "profiling_tip": "",
        "supports_profiling": True,
        "icon": ds["dbtype"],
        "url": f"/data/{ds['id']}/",
        "otype": "data",
        "exclude_schemas": "",
        "exclude_additional_columns_in_qli": False,
        "can_toggle_ds_privacy": True,
        "supports_md_diagnostics": True,
        "nosql_mde_sample_size": 0,
        "disable_auto_extraction": False,
        "unresolved_mention_fingerprint_method": "",
        "enable_default_schema_extraction": False,
        "enabled_in_compose": True,
        "builtin_datasource": None,
        "cron_extraction": "",
        "supports_default_schema_extraction": False,
    }


def render_v2(ds: dict[str, Any]) -> dict[str, Any]:
    """An OCF data source: its type, host and database only show inside `uri`."""
    body = _common(ds)
    return {
        "uri": body.pop("uri"),
        "connector_id": CONNECTOR_IDS.get(ds["dbtype"], 100),
        **body,
        "supports_ocf_query_service_api": True,
        "uses_ocf_agent": False,
    }


def render_v1(ds: dict[str, Any]) -> dict[str, Any]:
    """A native data source: `dbtype`, `host`, `port` and `dbname` as fields of their own."""
    return {
        "dbtype": ds["dbtype"],
        "host": ds["host"],
        "port": ds["port"],
        **_common(ds),
        "dbname": ds["dbname"],
        "deployment_setup_complete": True,
        "is_virtual": False,
        "jdbc_driver": "",
        "metastore_type": "",
        "compose_oauth_enabled": False,
    }


def _datasources(ctx: Ctx, api: str) -> list[dict[str, Any]]:
    return [
        ds
        for ds in ctx.store.catalog.datasources.values()
        if ds["api"] == api and ctx.me.sees(ds["id"]) and not ds.get("deleted")
    ]


def list_datasources(ctx: Ctx, api: str) -> Reply:
    filters = parse_filters(ctx, DATASOURCE_FILTERS, controls=DATASOURCE_CONTROLS)
    rows = [ds for ds in _datasources(ctx, api) if matches(ds, filters)]
    return page(ctx, rows, render_v1 if api == "v1" else render_v2)


def get_datasource(ctx: Ctx, api: str) -> Reply:
    ds = next((d for d in _datasources(ctx, api) if str(d["id"]) == ctx.args[0]), None)
    if ds is None:
        raise errors.not_found()
    return Reply(200, render_v1(ds) if api == "v1" else render_v2(ds))


def render_object(ctx: Ctx, otype: str, record: dict[str, Any]) -> dict[str, Any]:
    """A listing item: the record with `custom_fields` after `url`, as in the fixtures."""
    body: dict[str, Any] = {}
    for key, value in record.items():
        body[key] = value
        if key == "url":
            body["custom_fields"] = ctx.store.fields.value_items((otype, record["id"]))
    return body


def _exact(filters: list[Filter], name: str) -> int | None:
    for f in filters:
        if f.field == name and f.lookup == "exact":
            try:
                return int(f.value)
            except ValueError:
                raise errors.invalid_query([name]) from None
    return None


def _candidates(ctx: Ctx, otype: str, filters: list[Filter]) -> list[dict[str, Any]]:
    """Records worth testing: narrowed through the parent indexes when an exact id allows."""
    catalog = ctx.store.catalog
    table = catalog.objects[otype]
    oid = _exact(filters, "id")
    if oid is not None:
        return [table[oid]] if oid in table else []
    parents = {
        "schema": ("ds_id", "data"),
        "table": ("schema_id", "schema"),
        "attribute": ("table_id", "table"),
    }
    attr, parent_type = parents[otype]
    parent_id = _exact(filters, attr)
    if parent_id is not None:
        return [table[i] for i in catalog.child_ids(parent_type, parent_id)]
    schema_id = _exact(filters, "schema_id")
    if schema_id is not None and otype == "attribute":
        return [
            table[c] for t in catalog.child_ids("schema", schema_id) for c in catalog.child_ids("table", t)
        ]
    ds_id = _exact(filters, "ds_id")
    if ds_id is not None and otype != "schema":
        schema_ids = catalog.child_ids("data", ds_id)
        table_ids = [t for s in schema_ids for t in catalog.child_ids("schema", s)]
        if otype == "table":
            return [table[t] for t in table_ids]
        return [table[c] for t in table_ids for c in catalog.child_ids("table", t)]
    return list(table.values())


def list_objects(ctx: Ctx, otype: str) -> Reply:
    filters = parse_filters(ctx, FILTERS[otype])
    ignore_case = {"key"}
    if ctx.behaviour.name_filter_ignores_case:
        ignore_case |= {"name", "schema_name", "table_name"}
    me = ctx.me
    rows = _candidates(ctx, otype, filters)
    if filters or me.data_sources is not None:
        rows = [r for r in rows if me.sees(r["ds_id"]) and matches(r, filters, ignore_case=ignore_case)]
    return page(ctx, rows, lambda r: render_object(ctx, otype, r))
