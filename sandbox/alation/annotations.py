"""Tags and custom fields: definitions, which objects carry which tag, and field values."""

from __future__ import annotations

import copy
from typing import Any

from .base import iso

ObjectRef = tuple[str, int]
CREATABLE_FIELD_TYPES = ("RICH_TEXT", "PICKER", "MULTI_PICKER", "DATE", "OBJECT_SET")
# Built-in fields every Alation has (ids are this sandbox's; Steward is 8 as in the fixtures).
BUILTIN_FIELDS = [
    {"id": 3, "builtin_name": "title", "field_type": "TEXT", "name_singular": "Title"},
    {"id": 4, "builtin_name": "description", "field_type": "RICH_TEXT", "name_singular": "Description"},
    {
        "id": 8,
        "builtin_name": "steward",
        "field_type": "OBJECT_SET",
        "name_singular": "Steward",
        "name_plural": "Stewards",
        "allowed_otypes": ["user", "groupprofile"],
        "allow_multiple": True,
    },
]


class Tags:
    def __init__(self) -> None:
        self.tags: dict[int, dict[str, Any]] = {}
        self.subjects: dict[int, dict[ObjectRef, float]] = {}
        self.by_object: dict[ObjectRef, dict[int, None]] = {}

    def find(self, name: str) -> dict[str, Any] | None:
        """A tag by name: exactly, else without regard to case."""
        for tag in self.tags.values():
            if tag["name"] == name:
                return tag
        lowered = name.lower()
        return next((t for t in self.tags.values() if t["name"].lower() == lowered), None)

    def create(
        self, name: str, now: float, description: str = "", tag_id: int | None = None
    ) -> dict[str, Any]:
        tag_id = tag_id or max(self.tags, default=0) + 1
        tag = {"id": tag_id, "name": name, "description": description, "ts_created": now}
        self.tags[tag_id] = tag
        self.subjects[tag_id] = {}
        return tag

    def body(self, tag: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": tag["id"],
            "name": tag["name"],
            "description": tag["description"],
            "number_of_objects_tagged": len(self.subjects[tag["id"]]),
            "ts_created": iso(tag["ts_created"]),
            "url": f"/tag/{tag['id']}/",
        }

    def tag(self, tag_id: int, ref: ObjectRef, now: float) -> bool:
        if ref in self.subjects[tag_id]:
            return False
        self.subjects[tag_id][ref] = now
        self.by_object.setdefault(ref, {})[tag_id] = None
        return True

    def untag(self, tag_id: int, ref: ObjectRef) -> bool:
        if self.subjects[tag_id].pop(ref, None) is None:
            return False
        self.by_object.get(ref, {}).pop(tag_id, None)
        return True

    def of(self, ref: ObjectRef) -> list[dict[str, Any]]:
        return [self.tags[t] for t in self.by_object.get(ref, {})]

    def to_state(self) -> dict[str, Any]:
        return {
            "tags": list(self.tags.values()),
            "subjects": {
                str(tag_id): [[o, i, ts] for (o, i), ts in subjects.items()]
                for tag_id, subjects in self.subjects.items()
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Tags:
        tags = cls()
        for tag in state["tags"]:
            tags.tags[int(tag["id"])] = tag
            tags.subjects[int(tag["id"])] = {}
        for tag_id, subjects in state["subjects"].items():
            for otype, oid, ts in subjects:
                tags.tag(int(tag_id), (otype, int(oid)), ts)
        return tags


class CustomFields:
    def __init__(self) -> None:
        self.fields: dict[int, dict[str, Any]] = {}
        self.values: dict[ObjectRef, dict[int, dict[str, Any]]] = {}
        for builtin in BUILTIN_FIELDS:
            self.add(builtin)

    def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        field_id = int(spec.get("id") or max(max(self.fields, default=0) + 1, 10001))
        definition = {
            "allow_multiple": bool(spec.get("allow_multiple", spec.get("field_type") == "MULTI_PICKER")),
            "allowed_otypes": spec.get("allowed_otypes"),
            "backref_name": spec.get("backref_name"),
            "backref_tooltip_text": spec.get("backref_tooltip_text"),
            "builtin_name": spec.get("builtin_name"),
            "field_type": spec["field_type"],
            "id": field_id,
            "name_plural": spec.get("name_plural") or "",
            "name_singular": spec["name_singular"],
            "options": spec.get("options"),
            "tooltip_text": spec.get("tooltip_text"),
        }
        self.fields[field_id] = definition
        return definition

    def by_name(self, name: str) -> dict[str, Any] | None:
        lowered = name.lower()
        return next((f for f in self.fields.values() if f["name_singular"].lower() == lowered), None)

    def set_value(self, field_id: int, ref: ObjectRef, value: Any, now: float) -> str:
        """Store a value: "created", "updated" or "unchanged"."""
        current = self.values.setdefault(ref, {})
        existing = current.get(field_id)
        if existing is not None and existing["value"] == value:
            return "unchanged"
        current[field_id] = {"value": copy.deepcopy(value), "ts_updated": now}
        return "created" if existing is None else "updated"

    def value_items(self, ref: ObjectRef) -> list[dict[str, Any]]:
        """`custom_fields[]` of an object as the RDBMS listings show it."""
        return [
            {
                "value": copy.deepcopy(v["value"]),
                "field_id": fid,
                "field_name": self.fields[fid]["name_singular"],
            }
            for fid, v in self.values.get(ref, {}).items()
            if fid in self.fields
        ]

    def value_rows_of(self, ref: ObjectRef) -> list[dict[str, Any]]:
        """An object's values as `GET /integration/v2/custom_field_value/` answers them."""
        otype, oid = ref
        return [
            {
                "field_id": fid,
                "oid": oid,
                "otype": otype,
                "ts_updated": iso(v["ts_updated"]),
                "value": v["value"],
            }
            for fid, v in self.values.get(ref, {}).items()
        ]

    def value_rows(self) -> list[dict[str, Any]]:
        return [row for ref in self.values for row in self.value_rows_of(ref)]

    def to_state(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields.values()),
            "values": [[o, i, fid, v] for (o, i), values in self.values.items() for fid, v in values.items()],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> CustomFields:
        fields = cls()
        fields.fields = {int(f["id"]): f for f in state["fields"]}
        for otype, oid, fid, value in state["values"]:
            fields.values.setdefault((otype, int(oid)), {})[int(fid)] = value
        return fields
