"""Scenario files: the JSON that seeds a sandbox (connections → databases → schemas → tables →
columns, tag typedefs and assignments, custom-metadata sets and values, announcements, data
domains and the assets in them, tokens).

Tags, custom-metadata sets and attributes are named by display name in a scenario; the sandbox
assigns hashes when it loads it. See scenarios/demo.json for a complete example.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import typedefs as td
from .domains import MEMBERSHIP, domain_add
from .store import Store, Token

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
TABLE_TYPES = ("Table", "View", "MaterialisedView")
CATEGORY_BY_CONNECTOR = {"s3": "object-store", "gcs": "object-store", "adls": "object-store"}


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the offending path."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of objects are made and none freed: it
    would walk every object made so far again and again (half the time of a million assets)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def load_scenario(source: str | Path) -> dict[str, Any]:
    """A scenario by name (a file in scenarios/) or by path."""
    path = Path(source)
    if not path.suffix and (SCENARIO_DIR / f"{source}.json").exists():
        path = SCENARIO_DIR / f"{source}.json"
    if not path.exists():
        raise ScenarioError(f"no scenario named or at {str(source)!r}")
    try:
        with collector_paused():
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


class _Builder:
    def __init__(self, store: Store, base_time: int, *, consume: bool = False) -> None:
        self.store = store
        self.base_time = base_time
        self.tick = 0
        self.consume = consume

    def created_at(self) -> int:
        # Distinct, increasing creation times, as a crawler run would give.
        self.tick += 1
        return self.base_time + self.tick

    def tags(self, refs: list[Any], where: str) -> list[dict[str, Any]]:
        result = []
        for i, ref in enumerate(refs):
            name, propagate = (
                (ref, False)
                if isinstance(ref, str)
                else (_req(ref, "name", f"{where}[{i}]"), bool(ref.get("propagate", False)))
            )
            name_hash = self.store.tag_hash(name)
            if name_hash is None or self.store.tag_display_name(name_hash) != name:
                raise ScenarioError(f"{where}[{i}]: unknown tag {name!r} (declare it under 'tags')")
            result.append({"typeName": name_hash, "propagate": propagate})
        return result

    def business(self, values: Any, where: str) -> dict[str, dict[str, Any]]:
        if not values:
            return {}
        if not isinstance(values, dict):
            raise ScenarioError(f"{where}: expected {{set name: {{attribute name: value}}}}")
        result: dict[str, dict[str, Any]] = {}
        for set_name, attrs in values.items():
            set_def = self.store.cm_set_by_name(set_name)
            if set_def is None:
                raise ScenarioError(f"{where}: unknown custom-metadata set {set_name!r}")
            for attr_name, value in (attrs or {}).items():
                attr_hash = self.store.cm_attr_hash(set_def, attr_name)
                if attr_hash is None:
                    raise ScenarioError(f"{where}.{set_name}: unknown attribute {attr_name!r}")
                result.setdefault(set_def["name"], {})[attr_hash] = value
        return result

    def asset(
        self, type_name: str, attrs: dict[str, Any], spec: dict[str, Any], where: str
    ) -> dict[str, Any]:
        if spec.get("description"):
            attrs["description"] = spec["description"]
        entity = self.store.add_entity(
            type_name,
            attrs,
            guid=spec.get("guid"),
            tags=self.tags(_list(spec, "tags", where), f"{where}.tags"),
            business=self.business(spec.get("custom_metadata"), f"{where}.custom_metadata"),
            created_by=spec.get("created_by", "atlan-crawler"),
            created_at=self.created_at(),
        )
        announcement = spec.get("announcement")
        if announcement:
            if not isinstance(announcement, dict) or announcement.get("type") not in (
                "information",
                "warning",
                "issue",
            ):
                raise ScenarioError(f"{where}.announcement.type: one of information, warning, issue")
            entity["attributes"].update(
                {
                    "announcementType": announcement["type"],
                    "announcementTitle": announcement.get("title") or "",
                    "announcementMessage": announcement.get("message"),
                    "announcementUpdatedBy": announcement.get("updated_by", "jsmith"),
                    "announcementUpdatedAt": int(announcement.get("updated_at") or self.base_time),
                }
            )
            if entity["attributes"]["announcementMessage"] is None:
                del entity["attributes"]["announcementMessage"]
            self.store.announcement_log.append(
                {
                    "at": entity["attributes"]["announcementUpdatedAt"],
                    "action": "set",
                    "by": entity["attributes"]["announcementUpdatedBy"],
                    "guid": entity["guid"],
                    "typeName": type_name,
                    "qualifiedName": attrs["qualifiedName"],
                    "name": attrs["name"],
                    "announcementType": announcement["type"],
                    "announcementTitle": entity["attributes"]["announcementTitle"],
                    "announcementMessage": announcement.get("message"),
                }
            )
        return entity


def build_store(scenario: dict[str, Any], *, seed: int = 0, consume: bool = False) -> Store:
    """A fresh store holding everything the scenario describes.

    With `consume`, each table is dropped from the scenario once it is in the store, so the
    memory of a scenario just read from a file is reused as the store grows (a million assets
    take about a fifth less that way); the scenario is then left without its tables."""
    with collector_paused():
        return _build(scenario, seed=seed, consume=consume)


def _build(scenario: dict[str, Any], *, seed: int, consume: bool) -> Store:
    store = Store(seed=seed)
    store.scenario_name = str(scenario.get("name", ""))
    builder = _Builder(store, int(scenario.get("created_at") or 1_730_000_000_000), consume=consume)
    for i, tag in enumerate(_list(scenario, "tags", "scenario")):
        where = f"tags[{i}]"
        name = str(_req(tag, "name", where))
        store.create_tag(
            name,
            color=str(tag.get("color") or "Gray"),
            description=str(tag.get("description") or ""),
            name_hash=tag.get("hash") or td.static_hash(f"{store.scenario_name}:tag:{name}"),
        )
    for i, cm in enumerate(_list(scenario, "custom_metadata", "scenario")):
        where = f"custom_metadata[{i}]"
        attrs = [
            td.simple_attribute(
                str(_req(a, "name", f"{where}.attributes[{j}]")), str(a.get("type") or "string")
            )
            for j, a in enumerate(_list(cm, "attributes", where))
        ]
        store.create_cm_set(str(_req(cm, "name", where)), attrs, description=str(cm.get("description") or ""))
    for i, conn in enumerate(_list(scenario, "connections", "scenario")):
        _build_connection(builder, conn, f"connections[{i}]")
    for i, domain in enumerate(_list(scenario, "domains", "scenario")):
        _build_domain(builder, domain, f"domains[{i}]", None)
    for i, tok in enumerate(_list(scenario, "tokens", "scenario")):
        where = f"tokens[{i}]"
        connections = tok.get("connections")
        if connections is not None and not isinstance(connections, list):
            raise ScenarioError(f"{where}.connections: a list of connection qualified names, or null for all")
        store.add_token(
            Token(
                token=str(_req(tok, "token", where)),
                username=str(_req(tok, "username", where)),
                connections=[str(c) for c in connections] if connections is not None else None,
                can_edit_custom_metadata=bool(tok.get("can_edit_custom_metadata", True)),
                description=str(tok.get("description") or ""),
            )
        )
    store.reset_version()
    return store


def _build_connection(b: _Builder, conn: dict[str, Any], where: str) -> None:
    connector = str(_req(conn, "connector", where))
    conn_qn = str(conn.get("qualified_name") or f"default/{connector}/{conn.get('epoch', 1700000000)}")
    if len(conn_qn.split("/")) != 3:
        raise ScenarioError(f"{where}.qualified_name: expected default/<connector>/<epoch>")
    base = {"connectorName": connector, "connectionQualifiedName": conn_qn}
    b.asset(
        "Connection",
        {
            "qualifiedName": conn_qn,
            "name": str(_req(conn, "name", where)),
            "connectorName": connector,
            "category": CATEGORY_BY_CONNECTOR.get(connector, "warehouse"),
            "adminUsers": [],
            "adminGroups": [],
            "adminRoles": ["$admin"],
        },
        conn,
        where,
    )
    for d, db in enumerate(_list(conn, "databases", where)):
        dw = f"{where}.databases[{d}]"
        db_name = str(_req(db, "name", dw))
        db_qn = f"{conn_qn}/{db_name}"
        schemas = _list(db, "schemas", dw)
        b.asset(
            "Database", {**base, "qualifiedName": db_qn, "name": db_name, "schemaCount": len(schemas)}, db, dw
        )
        for s, sch in enumerate(schemas):
            sw = f"{dw}.schemas[{s}]"
            sch_name = str(_req(sch, "name", sw))
            sch_qn = f"{db_qn}/{sch_name}"
            tables = _list(sch, "tables", sw)
            parent = {**base, "databaseName": db_name, "databaseQualifiedName": db_qn}
            b.asset(
                "Schema",
                {
                    **parent,
                    "qualifiedName": sch_qn,
                    "name": sch_name,
                    "tableCount": sum(1 for t in tables if t.get("type", "Table") == "Table"),
                    "viewsCount": sum(1 for t in tables if t.get("type", "Table") != "Table"),
                },
                sch,
                sw,
            )
            for t, table in enumerate(tables):
                _build_table(
                    b,
                    table,
                    {**parent, "schemaName": sch_name, "schemaQualifiedName": sch_qn},
                    f"{sw}.tables[{t}]",
                )
                if b.consume:
                    tables[t] = None


def _build_table(b: _Builder, table: dict[str, Any], parent: dict[str, Any], where: str) -> None:
    name = str(_req(table, "name", where))
    type_name = table.get("type", "Table")
    if type_name not in TABLE_TYPES:
        raise ScenarioError(f"{where}.type: one of {', '.join(TABLE_TYPES)}")
    qn = f"{parent['schemaQualifiedName']}/{name}"
    columns = _list(table, "columns", where)
    attrs = {**parent, "qualifiedName": qn, "name": name, "columnCount": len(columns)}
    if table.get("row_count") is not None:
        attrs["rowCount"] = table["row_count"]
    b.asset(type_name, attrs, table, where)
    link = ("tableName", "tableQualifiedName") if type_name == "Table" else ("viewName", "viewQualifiedName")
    for c, column in enumerate(columns):
        cw = f"{where}.columns[{c}]"
        col_name = str(_req(column, "name", cw))
        col_attrs = {
            **parent,
            "qualifiedName": f"{qn}/{col_name}",
            "name": col_name,
            "order": c + 1,
            "dataType": column.get("data_type") or "VARCHAR",
            "isNullable": bool(column.get("nullable", True)),
            link[0]: name,
            link[1]: qn,
        }
        b.asset("Column", col_attrs, column, cw)


def _build_domain(b: _Builder, spec: dict[str, Any], where: str, parent_qn: str | None) -> None:
    """A data domain, the assets in it (by qualified name) and its subdomains."""
    domain = domain_add(
        b.store,
        str(_req(spec, "name", where)),
        parent_qn=parent_qn,
        guid=spec.get("guid"),
        description=str(spec.get("description") or ""),
        created_at=b.created_at(),
    )
    for j, qn in enumerate(_list(spec, "assets", where)):
        asset = b.store.find_qn(str(qn))
        if asset is None:
            raise ScenarioError(f"{where}.assets[{j}]: no asset {qn!r}")
        asset["attributes"].setdefault(MEMBERSHIP, []).append(domain["guid"])
    for k, sub in enumerate(_list(spec, "subdomains", where)):
        _build_domain(b, sub, f"{where}.subdomains[{k}]", domain["attributes"]["qualifiedName"])
