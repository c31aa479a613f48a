"""The Data Quality API's state: fields (rules) and values (one per field and object).

Values are upserts keyed by (field_key, object). A value written on a column also shows on its
table (its `object_*` is the table, its `source_*` the column) unless that propagation is
switched off; `hide_related=true` hides such copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import iso
from .catalog import Catalog

ObjectRef = tuple[str, int]
FIELD_TYPES = ("NUMERIC", "STRING", "BOOLEAN")
STATUSES = ("GOOD", "WARNING", "ALERT")
# `type` as reads give it back: the fixture shows VARCHAR for a field posted as STRING.
READ_TYPE = {"STRING": "VARCHAR", "NUMERIC": "NUMERIC", "BOOLEAN": "BOOLEAN"}
OBJECT_TYPES = {"TABLE": "table", "ATTRIBUTE": "attribute", "SCHEMA": "schema"}


class DataQuality:
    def __init__(self) -> None:
        self.fields: dict[str, dict[str, Any]] = {}
        self.values: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.by_object: dict[ObjectRef, dict[str, None]] = {}
        self.next_value_id = 1

    def field(self, key: str) -> dict[str, Any] | None:
        return self.fields.get(key.lower())

    def upsert_field(self, spec: dict[str, Any], now: float) -> str:
        key = str(spec["field_key"])
        existing = self.fields.get(key.lower())
        self.fields[key.lower()] = {
            "key": key,
            "name": str(spec["name"]),
            "description": spec.get("description"),
            "type": str(spec["type"]).upper(),
            "ts_created": existing["ts_created"] if existing else now,
        }
        return "updated" if existing else "created"

    def upsert_value(self, field_key: str, ref: ObjectRef, spec: dict[str, Any], now: float) -> str:
        slot = (field_key.lower(), ref[0], ref[1])
        existing = self.values.get(slot)
        last_updated = spec.get("last_updated") or iso(now)
        self.values[slot] = {
            "value_id": existing["value_id"] if existing else self.next_value_id,
            "value": spec["value"],
            "status": str(spec["status"]).upper(),
            "url": spec.get("url"),
            "last_updated": last_updated,
        }
        if existing is None:
            self.next_value_id += 1
            self.by_object.setdefault(ref, {})[field_key.lower()] = None
        return "updated" if existing else "created"

    def delete_value(self, field_key: str, ref: ObjectRef) -> bool:
        if self.values.pop((field_key.lower(), ref[0], ref[1]), None) is None:
            return False
        self.by_object.get(ref, {}).pop(field_key.lower(), None)
        return True

    def delete_field(self, key: str, *, cascade: bool) -> bool:
        if self.fields.pop(key.lower(), None) is None:
            return False
        if cascade:
            for slot in [s for s in self.values if s[0] == key.lower()]:
                self.delete_value(key, (slot[1], slot[2]))
        return True

    def field_body(self, field: dict[str, Any]) -> dict[str, Any]:
        return {
            "key": field["key"],
            "name": field["name"],
            "description": field["description"],
            "type": READ_TYPE.get(field["type"], field["type"]),
            "ts_created": iso(field["ts_created"]),
        }

    def rows(self, catalog: Catalog, *, propagate: bool) -> Iterator[dict[str, Any]]:
        """Every value as `GET …/data_quality/values/` answers it, propagated copies included."""
        for (field_key, otype, oid), value in self.values.items():
            field = self.fields.get(field_key)
            if field is None or catalog.get(otype, oid) is None:
                continue
            yield self._row(catalog, field, value, (otype, oid), (otype, oid))
            if propagate and otype == "attribute":
                table = catalog.parent(otype, oid)
                if table is not None:
                    yield self._row(catalog, field, value, table, (otype, oid))

    def rows_for(self, catalog: Catalog, ref: ObjectRef, *, propagate: bool) -> list[dict[str, Any]]:
        """The rows shown on one object: its own values, then (for a table) its columns'."""
        sources = [ref]
        if propagate and ref[0] == "table":
            sources += [("attribute", c) for c in catalog.child_ids("table", ref[1])]
        rows = []
        for source in sources:
            for field_key in self.by_object.get(source, {}):
                field, value = self.fields.get(field_key), self.values.get((field_key, *source))
                if field is not None and value is not None:
                    rows.append(self._row(catalog, field, value, ref, source))
        return rows

    @staticmethod
    def _row(
        catalog: Catalog, field: dict[str, Any], value: dict[str, Any], shown: ObjectRef, source: ObjectRef
    ) -> dict[str, Any]:
        # The fixture gives object keys lower-cased (Alation stores them as it looks them up).
        return {
            "object_key": catalog.key_of(*shown).lower(),
            "object_name": catalog.name_of(*shown),
            "otype": shown[0],
            "oid": shown[1],
            "source_object_key": catalog.key_of(*source).lower(),
            "source_object_name": catalog.name_of(*source),
            "source_otype": source[0],
            "source_oid": source[1],
            "value_id": value["value_id"],
            "value_value": value["value"],
            "value_quality": value["status"],
            "value_last_updated": value["last_updated"],
            "value_external_url": value["url"],
            "field_key": field["key"],
            "field_name": field["name"],
            "field_description": field["description"],
        }

    def to_state(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields.values()),
            "values": [[k, o, i, v] for (k, o, i), v in self.values.items()],
            "next_value_id": self.next_value_id,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DataQuality:
        dq = cls()
        dq.fields = {f["key"].lower(): f for f in state["fields"]}
        for key, otype, oid, value in state["values"]:
            dq.values[(key, otype, int(oid))] = value
            dq.by_object.setdefault((otype, int(oid)), {})[key] = None
        dq.next_value_id = int(state.get("next_value_id", len(dq.values) + 1))
        return dq
