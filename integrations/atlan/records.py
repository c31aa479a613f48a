"""Typed records of what Atlan answers: users, tag and custom-metadata definitions, assets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_CM_ASSET_TYPES = ("Schema", "Table", "View", "MaterialisedView", "Column")
ANNOUNCEMENT_TYPES = ("information", "warning", "issue")

# Atlan's tag colour names, mapped to hex for Plumbline's chips. Unknown colours fall back to grey.
TAG_COLOR_HEX = {
    "green": "#16a34a",
    "yellow": "#ca8a04",
    "red": "#dc2626",
    "gray": "#6b7280",
    "grey": "#6b7280",
    "blue": "#2563eb",
    "purple": "#9333ea",
    "orange": "#ea580c",
    "pink": "#db2777",
}
DEFAULT_TAG_HEX = "#6b7280"
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

AttributeKind = Literal["string", "url", "float", "int"]
# kind -> (typeName, options.primitiveType); URL is a string with a custom type (reference §5).
KIND_TYPES: dict[str, tuple[str, str]] = {
    "string": ("string", "string"),
    "url": ("string", "url"),
    "float": ("float", "float"),
    "int": ("int", "int"),
}


def optional_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def option_true(value: Any) -> bool:
    """Typedef option booleans come back as strings ("true"/"false") from real tenants."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# --- Records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtlanUser:
    id: str | None
    username: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    enabled: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_api_token(self) -> bool:
        return self.username.startswith("service-account-apikey-")


@dataclass(frozen=True)
class AtlanTagDef:
    hash: str
    display_name: str
    color: str | None = None
    description: str = ""
    guid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def hex_color(self) -> str:
        color = (self.color or "").strip()
        if _HEX_COLOR.match(color):
            return color.lower()
        return TAG_COLOR_HEX.get(color.lower(), DEFAULT_TAG_HEX)


@dataclass(frozen=True)
class AtlanAttributeDef:
    hash: str
    display_name: str
    type_name: str
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_archived(self) -> bool:
        return option_true(self.options.get("isArchived"))

    @property
    def primitive_type(self) -> str | None:
        return optional_str(self.options.get("primitiveType"))

    @property
    def custom_type(self) -> str | None:
        return optional_str(self.options.get("customType"))


@dataclass(frozen=True)
class AtlanCustomMetadataDef:
    hash: str
    display_name: str
    attributes: list[AtlanAttributeDef]
    description: str = ""
    guid: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def active_attributes(self) -> list[AtlanAttributeDef]:
        return [a for a in self.attributes if not a.is_archived]

    def attribute(self, display_name: str) -> AtlanAttributeDef | None:
        """The live (not archived) attribute with this display name, exact match first."""
        return _by_display_name(self.active_attributes, display_name)

    def search_attributes(self) -> list[str]:
        """`setHash.attrHash` names to request in a search so values come back (reference §5)."""
        return [f"{self.hash}.{a.hash}" for a in self.active_attributes]


def _by_display_name(items: Sequence[Any], display_name: str) -> Any:
    for item in items:
        if item.display_name == display_name:
            return item
    folded = display_name.casefold()
    for item in items:
        if item.display_name.casefold() == folded:
            return item
    return None


def custom_metadata_by_display_name(
    defs: Iterable[AtlanCustomMetadataDef], display_name: str
) -> AtlanCustomMetadataDef | None:
    return _by_display_name(list(defs), display_name)


@dataclass(frozen=True)
class AttributeSpec:
    """An attribute to add to a custom-metadata set."""

    display_name: str
    kind: AttributeKind = "string"
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KIND_TYPES:
            raise ValueError(f"Unknown attribute kind {self.kind!r}; use one of {sorted(KIND_TYPES)}.")
        if not self.display_name.strip():
            raise ValueError("An attribute needs a display name.")


@dataclass(frozen=True, slots=True)
class AtlanTagRef:
    hash: str
    propagated: bool
    source_guid: str | None = None


@dataclass(frozen=True, slots=True)
class AtlanAsset:
    guid: str
    type_name: str
    qualified_name: str
    name: str
    # The other attributes the search returned with a value (those read into fields below are not
    # kept twice): a sync holds a batch of assets and every table of a datastore at once.
    attributes: dict[str, Any] = field(default_factory=dict, repr=False)
    tags: list[AtlanTagRef] = field(default_factory=list)
    custom_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    announcement_type: str | None = None
    announcement_title: str | None = None
    announcement_message: str | None = None
    announcement_updated_by: str | None = None
    create_time: int | None = None
    connection_qualified_name: str | None = None
    status: str | None = None
    # No `raw` copy here, unlike the typedef records: a sync holds tens of thousands of assets.


@dataclass(frozen=True)
class CustomMetadataUpdate:
    """Custom-metadata values to merge onto one asset: {set hash: {attribute hash: value}}."""

    type_name: str
    qualified_name: str
    name: str
    values: dict[str, dict[str, Any]]
    guid: str | None = None


@dataclass
class AtlanMutationResult:
    created: list[AtlanAsset] = field(default_factory=list)
    updated: list[AtlanAsset] = field(default_factory=list)
    partially_updated: list[AtlanAsset] = field(default_factory=list)
    deleted: list[AtlanAsset] = field(default_factory=list)
    guid_assignments: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> list[AtlanAsset]:
        return [*self.created, *self.updated, *self.partially_updated, *self.deleted]

    @property
    def is_noop(self) -> bool:
        return not self.changed

    def extend(self, other: AtlanMutationResult) -> None:
        self.created.extend(other.created)
        self.updated.extend(other.updated)
        self.partially_updated.extend(other.partially_updated)
        self.deleted.extend(other.deleted)
        self.guid_assignments.update(other.guid_assignments)
