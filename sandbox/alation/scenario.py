"""Scenario files: the JSON that seeds a sandbox (users and refresh tokens, tags, custom fields,
Data Quality fields, data sources → schemas → tables → columns with their tags, field values,
Data Health values and trust flags, and domains).

Objects refer to tags and custom fields by name, domains to objects by key. See
scenarios/demo.json for a complete example; errors name the offending path in the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .annotations import CREATABLE_FIELD_TYPES
from .auth import RefreshToken, User
from .base import OTYPES, parse_time
from .catalog import DEFAULT_PORTS, Catalog
from .quality import FIELD_TYPES, STATUSES
from .store import Store
from .trust import FLAG_TYPES

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
DEFAULT_CREATED_AT = "2026-10-18T12:00:00Z"
DAY = 86_400.0


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the offending path."""


def load_scenario(source: str | Path) -> dict[str, Any]:
    """A scenario by name (a file in scenarios/) or by path."""
    path = Path(source)
    if not path.suffix and (SCENARIO_DIR / f"{source}.json").exists():
        path = SCENARIO_DIR / f"{source}.json"
    if not path.exists():
        raise ScenarioError(f"no scenario named or at {str(source)!r}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ScenarioError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a JSON object")
    return data


def _req(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise ScenarioError(f"{where}: expected an object")
    value = obj.get(key)
    if value in (None, ""):
        raise ScenarioError(f"{where}.{key}: required")
    return value


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise ScenarioError(f"{where}.{key}: expected a list")
    return value


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if str(value).upper() not in choices:
        raise ScenarioError(f"{where}: one of {', '.join(choices)} (got {value!r})")
    return str(value).upper()


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: expected an integer (got {value!r})") from None


class _Builder:
    def __init__(self, store: Store, base_time: float) -> None:
        self.store = store
        self.base_time = base_time
        self.tick = 0

    def at(self) -> float:
        # Distinct, increasing times, as a crawler run would give.
        self.tick += 1
        return self.base_time + self.tick

    def decorate(self, ref: tuple[str, int], spec: dict[str, Any], where: str) -> None:
        """Tags, custom field values, Data Health values and flags of one object."""
        store = self.store
        for i, name in enumerate(_list(spec, "tags", where)):
            tag = store.tags.find(str(name)) if isinstance(name, str) else None
            if tag is None or tag["name"] != name:
                raise ScenarioError(f"{where}.tags[{i}]: unknown tag {name!r} (declare it under 'tags')")
            store.tags.tag(tag["id"], ref, self.at())
        values = spec.get("custom_fields") or {}
        if not isinstance(values, dict):
            raise ScenarioError(f"{where}.custom_fields: expected {{field name: value}}")
        for name, value in values.items():
            field = store.fields.by_name(name)
            if field is None:
                raise ScenarioError(f"{where}.custom_fields: unknown custom field {name!r}")
            store.fields.set_value(field["id"], ref, value, self.at())
        for i, dq in enumerate(_list(spec, "dq", where)):
            dw = f"{where}.dq[{i}]"
            key = str(_req(dq, "field_key", dw))
            if store.dq.field(key) is None:
                raise ScenarioError(f"{dw}.field_key: unknown Data Quality field {key!r}")
            status = _choice(_req(dq, "status", dw), STATUSES, f"{dw}.status")
            store.dq.upsert_value(key, ref, {**dq, "status": status, "value": dq.get("value", "")}, self.at())
        for i, flag in enumerate(_list(spec, "flags", where)):
            fw = f"{where}.flags[{i}]"
            flag_type = _choice(_req(flag, "type", fw), FLAG_TYPES, f"{fw}.type")
            user_id = _int(_req(flag, "user_id", fw), f"{fw}.user_id")
            if user_id not in store.auth.users:
                raise ScenarioError(f"{fw}.user_id: unknown user {user_id}")
            store.flags.add(flag_type, str(flag.get("reason") or ""), ref, user_id, self.at(), flag.get("id"))


def build_store(scenario: dict[str, Any], *, seed: int = 0) -> Store:
    """A fresh store holding everything the scenario describes."""
    store = Store(seed=seed)
    store.scenario_name = str(scenario.get("name", ""))
    try:
        base_time = parse_time(str(scenario.get("created_at") or DEFAULT_CREATED_AT))
    except ValueError:
        raise ScenarioError("scenario.created_at: an ISO-8601 time") from None
    bases = scenario.get("id_bases") or {}
    if not isinstance(bases, dict) or not set(bases) <= set(OTYPES):
        raise ScenarioError(f"scenario.id_bases: {{otype: first id}} for otypes {', '.join(OTYPES)}")
    store.catalog = Catalog({k: _int(v, f"id_bases.{k}") for k, v in bases.items()})
    builder = _Builder(store, base_time)
    _build_users(store, scenario)
    _build_definitions(store, scenario, builder)
    for i, ds in enumerate(_list(scenario, "data_sources", "scenario")):
        _build_datasource(builder, ds, f"data_sources[{i}]")
    _build_domains(store, scenario)
    _build_demo(store, scenario)
    return store


def _build_users(store: Store, scenario: dict[str, Any]) -> None:
    for i, spec in enumerate(_list(scenario, "users", "scenario")):
        where = f"users[{i}]"
        sources = spec.get("data_sources") if isinstance(spec, dict) else None
        if sources is not None and not isinstance(sources, list):
            raise ScenarioError(f"{where}.data_sources: a list of data source ids, or null for all")
        store.auth.add_user(
            User(
                id=_int(_req(spec, "id", where), f"{where}.id"),
                username=str(_req(spec, "username", where)),
                display_name=str(spec.get("display_name") or spec["username"]),
                email=str(spec.get("email") or ""),
                admin=bool(spec.get("admin", False)),
                data_sources=[_int(d, f"{where}.data_sources") for d in sources]
                if sources is not None
                else None,
            )
        )
    now = store.now()
    for i, spec in enumerate(_list(scenario, "refresh_tokens", "scenario")):
        where = f"refresh_tokens[{i}]"
        user_id = _int(_req(spec, "user_id", where), f"{where}.user_id")
        if user_id not in store.auth.users:
            raise ScenarioError(f"{where}.user_id: unknown user {user_id}")
        status = _choice(spec.get("status") or "ACTIVE", ("ACTIVE", "EXPIRED", "REVOKED"), f"{where}.status")
        days = float(spec.get("expires_in_days", 60 if status != "EXPIRED" else -1))
        # Lifetimes are relative to the start, so a scenario's active tokens stay active.
        store.auth.add_refresh_token(
            RefreshToken(
                id=i + 1,
                token=str(_req(spec, "token", where)),
                user_id=user_id,
                name=str(spec.get("name") or f"token {i + 1}"),
                created_at=now - max(1.0, -days + 1) * DAY,
                expires_at=now + days * DAY,
                revoked=status == "REVOKED",
            )
        )


def _build_definitions(store: Store, scenario: dict[str, Any], builder: _Builder) -> None:
    for i, tag in enumerate(_list(scenario, "tags", "scenario")):
        where = f"tags[{i}]"
        store.tags.create(str(_req(tag, "name", where)), builder.at(), str(tag.get("description") or ""))
    for i, spec in enumerate(_list(scenario, "custom_fields", "scenario")):
        where = f"custom_fields[{i}]"
        _req(spec, "name_singular", where)
        _choice(_req(spec, "field_type", where), CREATABLE_FIELD_TYPES, f"{where}.field_type")
        if store.fields.by_name(spec["name_singular"]) is not None:
            raise ScenarioError(f"{where}.name_singular: {spec['name_singular']!r} exists already")
        store.fields.add(spec)
    for i, spec in enumerate(_list(scenario, "dq_fields", "scenario")):
        where = f"dq_fields[{i}]"
        _req(spec, "field_key", where)
        _req(spec, "name", where)
        _choice(_req(spec, "type", where), FIELD_TYPES, f"{where}.type")
        store.dq.upsert_field(spec, builder.at())


def _build_datasource(b: _Builder, spec: dict[str, Any], where: str) -> None:
    dbtype = str(_req(spec, "dbtype", where)).lower()
    api = str(spec.get("api") or "v2")
    if api not in ("v1", "v2"):
        raise ScenarioError(f"{where}.api: v1 (native) or v2 (OCF)")
    try:
        ds = b.store.catalog.add_datasource(
            {
                "id": spec.get("id"),
                "title": str(_req(spec, "title", where)),
                "description": str(spec.get("description") or ""),
                "dbtype": dbtype,
                "host": str(_req(spec, "host", where)),
                "port": _int(spec.get("port") or 0, f"{where}.port") or None,
                "dbname": str(_req(spec, "dbname", where)),
                "api": api,
                "private": bool(spec.get("private", False)),
                "ts_created": b.at(),
                **({"multipart": bool(spec["multipart"])} if "multipart" in spec else {}),
            }
        )
    except ValueError as exc:
        raise ScenarioError(f"{where}.id: {exc}") from None
    if ds["port"] is None:
        ds["port"] = DEFAULT_PORTS.get(dbtype, 443)
    b.decorate(("data", ds["id"]), spec, where)
    for s, schema in enumerate(_list(spec, "schemas", where)):
        sw = f"{where}.schemas[{s}]"
        name = str(_req(schema, "name", sw))
        if ds["multipart"] and "." not in name:
            raise ScenarioError(f"{sw}.name: {dbtype} schemas are named DATABASE.SCHEMA (got {name!r})")
        record = b.store.catalog.add_schema(ds["id"], name, **_texts(schema))
        b.decorate(("schema", record["id"]), schema, sw)
        for t, table in enumerate(_list(schema, "tables", sw)):
            _build_table(b, record["id"], table, f"{sw}.tables[{t}]")


def _texts(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: spec[k] for k in ("title", "description") if spec.get(k) is not None}


def _build_table(b: _Builder, schema_id: int, spec: dict[str, Any], where: str) -> None:
    table_type = _choice(spec.get("type") or "TABLE", ("TABLE", "VIEW"), f"{where}.type")
    record = b.store.catalog.add_table(
        schema_id, str(_req(spec, "name", where)), table_type=table_type, **_texts(spec)
    )
    b.decorate(("table", record["id"]), spec, where)
    for c, column in enumerate(_list(spec, "columns", where)):
        cw = f"{where}.columns[{c}]"
        col = b.store.catalog.add_column(
            record["id"],
            str(_req(column, "name", cw)),
            column_type=str(column.get("type") or "VARCHAR"),
            nullable=bool(column.get("nullable", True)),
            primary_key=bool(column.get("primary_key", False)),
            **_texts(column),
        )
        b.decorate(("attribute", col["id"]), column, cw)


def _build_domains(store: Store, scenario: dict[str, Any]) -> None:
    for i, spec in enumerate(_list(scenario, "domains", "scenario")):
        where = f"domains[{i}]"
        domain_id = _int(_req(spec, "id", where), f"{where}.id")
        parent = spec.get("parent_id")
        if parent is not None and _int(parent, f"{where}.parent_id") not in store.domains.domains:
            raise ScenarioError(f"{where}.parent_id: unknown domain {parent} (declare parents first)")
        store.domains.add(
            domain_id, str(_req(spec, "title", where)), str(spec.get("description") or ""), parent
        )
        for m, member in enumerate(_list(spec, "members", where)):
            mw = f"{where}.members[{m}]"
            otype = str(_req(member, "otype", mw))
            ref = store.catalog.resolve(str(_req(member, "key", mw)), otype)
            if ref is None:
                raise ScenarioError(f"{mw}.key: no {otype} with key {member['key']!r}")
            store.domains.assign(
                domain_id,
                otype,
                [ref[1]],
                exclude=bool(member.get("exclude", False)),
                recursive=bool(member.get("recursive", True)),
            )


def _build_demo(store: Store, scenario: dict[str, Any]) -> None:
    demo = scenario.get("demo") or {}
    token = demo.get("refresh_token") if isinstance(demo, dict) else None
    if token is None:
        token = next(
            (t.token for t in store.auth.refresh_tokens.values() if t.status(store.now()) == "ACTIVE"), ""
        )
    refresh = store.auth.refresh_tokens.get(str(token))
    if token and refresh is None:
        raise ScenarioError(f"demo.refresh_token: no refresh token {token!r} under 'refresh_tokens'")
    store.demo_refresh_token = str(token)
    store.demo_user_id = refresh.user_id if refresh else 0
