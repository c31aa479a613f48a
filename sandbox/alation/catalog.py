"""The relational catalog: data sources → schemas → tables → columns, with their object keys.

Records are kept in the shape the v2 Relational Integration API answers (minus `custom_fields`,
which the API layer adds), plus indexes by parent and by lower-cased key.
"""

from __future__ import annotations

from typing import Any

from . import keys
from .base import object_url

DEFAULT_PORTS = {"snowflake": 443, "postgresql": 5432, "sqlserver": 1433, "mysql": 3306, "oracle": 1521}
DEFAULT_ID_BASES = {"data": 1, "schema": 1, "table": 1, "attribute": 1}
_PARENT = {"schema": ("data", "ds_id"), "table": ("schema", "schema_id"), "attribute": ("table", "table_id")}


class Catalog:
    def __init__(self, id_bases: dict[str, int] | None = None) -> None:
        self.id_bases = {**DEFAULT_ID_BASES, **(id_bases or {})}
        self.objects: dict[str, dict[int, dict[str, Any]]] = {o: {} for o in DEFAULT_ID_BASES}
        self.children: dict[tuple[str, int], list[int]] = {}
        self.by_key: dict[tuple[str, ...], tuple[str, int]] = {}
        self.parts: dict[tuple[str, int], list[str]] = {}
        self.next_ids = dict(self.id_bases)

    # ----- lookups ---------------------------------------------------------------------------
    @property
    def datasources(self) -> dict[int, dict[str, Any]]:
        return self.objects["data"]

    def get(self, otype: str, oid: Any) -> dict[str, Any] | None:
        table = self.objects.get(otype)
        if table is None:
            return None
        try:
            return table.get(int(oid))
        except (TypeError, ValueError):
            return None

    def ds_id_of(self, otype: str, oid: int) -> int | None:
        record = self.get(otype, oid)
        if record is None:
            return None
        return int(record["id"]) if otype == "data" else int(record["ds_id"])

    def parent(self, otype: str, oid: int) -> tuple[str, int] | None:
        if otype not in _PARENT:
            return None
        record = self.get(otype, oid)
        parent_type, attr = _PARENT[otype]
        return (parent_type, int(record[attr])) if record else None

    def ancestors(self, otype: str, oid: int) -> list[tuple[str, int]]:
        """The object itself, then its parents up to the data source."""
        chain = [(otype, oid)]
        while (up := self.parent(*chain[-1])) is not None:
            chain.append(up)
        return chain

    def child_ids(self, otype: str, oid: int) -> list[int]:
        return self.children.get((otype, oid), [])

    def name_of(self, otype: str, oid: int) -> str:
        record = self.get(otype, oid)
        if record is None:
            return ""
        return str(record["title"] if otype == "data" else record["name"])

    def key_of(self, otype: str, oid: int) -> str:
        if otype == "data":
            return str(oid)
        record = self.get(otype, oid)
        return str(record["key"]) if record else ""

    def resolve(self, key: Any, otype: str | None = None) -> tuple[str, int] | None:
        """(otype, id) of the object with this key, ignoring case; None when there is none."""
        if not isinstance(key, str) or not key:
            return None
        found = self.by_key.get(keys.lookup_tuple(keys.split_key(key)))
        if found is None or (otype is not None and found[0] != otype):
            return None
        return found

    # ----- building --------------------------------------------------------------------------
    def _next_id(self, otype: str, wanted: int | None) -> int:
        if wanted is not None and int(wanted) in self.objects[otype]:
            raise ValueError(f"duplicate {otype} id {wanted}")
        oid = int(wanted) if wanted is not None else self.next_ids[otype]
        while oid in self.objects[otype]:
            oid += 1
        return oid

    def _index(self, otype: str, record: dict[str, Any], parts: list[str]) -> None:
        oid = int(record["id"])
        self.objects[otype][oid] = record
        self.next_ids[otype] = max(self.next_ids[otype], oid + 1)
        self.parts[(otype, oid)] = parts
        self.by_key[keys.lookup_tuple(parts)] = (otype, oid)
        if otype in _PARENT:
            parent_type, attr = _PARENT[otype]
            self.children.setdefault((parent_type, int(record[attr])), []).append(oid)

    def add_datasource(self, record: dict[str, Any]) -> dict[str, Any]:
        record = dict(record)
        record["id"] = self._next_id("data", record.get("id"))
        record.setdefault("multipart", record.get("dbtype") in keys.MULTIPART_DBTYPES)
        self._index("data", record, [str(record["id"])])
        return record

    def add_schema(self, ds_id: int, name: str, *, oid: int | None = None, **extra: Any) -> dict[str, Any]:
        ds = self.datasources[ds_id]
        parts = [str(ds_id), *keys.schema_parts(name, bool(ds["multipart"]))]
        oid = self._next_id("schema", oid)
        record = {
            "id": oid,
            "name": name,
            "title": extra.get("title", ""),
            "description": extra.get("description", ""),
            "ds_id": ds_id,
            "key": keys.join_key(ds_id, parts[1:]),
            "url": object_url("schema", oid),
            "db_comment": extra.get("db_comment"),
        }
        self._index("schema", record, parts)
        return record

    def add_table(self, schema_id: int, name: str, *, oid: int | None = None, **extra: Any) -> dict[str, Any]:
        schema = self.objects["schema"][schema_id]
        parts = [*self.parts[("schema", schema_id)], name]
        oid = self._next_id("table", oid)
        record = {
            "id": oid,
            "name": name,
            "title": extra.get("title", ""),
            "description": extra.get("description", ""),
            "ds_id": schema["ds_id"],
            "key": keys.join_key(schema["ds_id"], parts[1:]),
            "url": object_url("table", oid),
            "table_type": extra.get("table_type", "TABLE"),
            "schema_id": schema_id,
            "schema_name": schema["name"],
            "base_table_key": None,
            "sql": extra.get("sql"),
            "partition_columns": [],
            "partition_definition": None,
            "table_comment": extra.get("table_comment"),
        }
        self._index("table", record, parts)
        return record

    def add_column(self, table_id: int, name: str, *, oid: int | None = None, **extra: Any) -> dict[str, Any]:
        table = self.objects["table"][table_id]
        parts = [*self.parts[("table", table_id)], name]
        oid = self._next_id("attribute", oid)
        position = extra.get("position") or len(self.child_ids("table", table_id)) + 1
        record = {
            "id": oid,
            "name": name,
            "title": extra.get("title", ""),
            "description": extra.get("description", ""),
            "ds_id": table["ds_id"],
            "key": keys.join_key(table["ds_id"], parts[1:]),
            "url": object_url("attribute", oid),
            "column_type": extra.get("column_type", "VARCHAR"),
            "column_comment": extra.get("column_comment"),
            "index": {
                "isPrimaryKey": bool(extra.get("primary_key", False)),
                "isForeignKey": False,
                "referencedColumnId": None,
                "isOtherIndex": False,
            },
            "nullable": bool(extra.get("nullable", True)),
            "schema_id": table["schema_id"],
            "table_id": table_id,
            # As in the SDK fixture: the column's table_name is "schema.table", lower-cased.
            "table_name": f"{table['schema_name']}.{table['name']}".lower(),
            "position": position,
        }
        self._index("attribute", record, parts)
        return record

    # ----- state -----------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {"id_bases": self.id_bases, **{o: list(t.values()) for o, t in self.objects.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Catalog:
        catalog = cls(state.get("id_bases"))
        for record in state["data"]:
            catalog._index("data", record, [str(record["id"])])
        for otype in ("schema", "table", "attribute"):
            for record in state[otype]:
                if otype == "schema":
                    ds = catalog.datasources[int(record["ds_id"])]
                    parts = [str(ds["id"]), *keys.schema_parts(record["name"], bool(ds["multipart"]))]
                else:
                    parent_type, attr = _PARENT[otype]
                    parts = [*catalog.parts[(parent_type, int(record[attr]))], record["name"]]
                catalog._index(otype, record, parts)
        return catalog
