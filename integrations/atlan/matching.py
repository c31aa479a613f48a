"""Matching Plumbline assets to Atlan assets by name, level by level, without regard to case.

Pure functions over plain records (no HTTP, no database) so every rule is unit-testable:
datastore → the Schema of a connection of the same connector type holding its database and
schema; container → the Table, View or MaterialisedView of the same name in that schema;
field → the Column of the same name in that table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from integrations.atlan.client import AtlanAsset

# Plumbline's connector names where Atlan's connector slugs differ; the others are the same.
CONNECTOR_SLUGS = {"postgresql": "postgres", "sqlserver": "mssql"}
TABLE_TYPES = ("Table", "View", "MaterialisedView")
COLUMN_TYPE = "Column"
NOT_VISIBLE_HINT = "not visible to this token: check the persona's metadata policies"

MatchKind = Literal["matched", "unmatched", "ambiguous", "not_visible"]
K = TypeVar("K", bound=Hashable)


def atlan_connector(connector_type: str) -> str:
    return CONNECTOR_SLUGS.get(connector_type, connector_type)


def connector_of(qualified_name: str) -> str:
    """The connector slug of any relational asset: `default/{connector}/{epoch}/…`."""
    parts = qualified_name.split("/")
    return parts[1] if len(parts) > 2 else ""


def connection_of(qualified_name: str) -> str:
    return "/".join(qualified_name.split("/")[:3])


def parent_of(qualified_name: str) -> str:
    return qualified_name.rsplit("/", 1)[0]


@dataclass(frozen=True)
class DatastoreRef:
    id: int
    name: str
    connector_type: str
    database: str
    schema: str

    @property
    def label(self) -> str:
        return f"{self.database}.{self.schema}" if self.database else self.schema


@dataclass(frozen=True)
class CatalogSchema:
    qualified_name: str
    name: str
    database_name: str
    guid: str = ""

    @property
    def connector(self) -> str:
        return connector_of(self.qualified_name)

    @property
    def connection(self) -> str:
        return connection_of(self.qualified_name)


def schema_from_asset(asset: AtlanAsset) -> CatalogSchema:
    # databaseName is set by Atlan's crawlers; the qualified name is the fallback (`conn/DB/SCHEMA`).
    parts = asset.qualified_name.split("/")
    database = asset.attributes.get("databaseName") or (parts[3] if len(parts) > 4 else "")
    return CatalogSchema(
        qualified_name=asset.qualified_name,
        name=asset.name or parts[-1],
        database_name=str(database),
        guid=asset.guid,
    )


@dataclass(frozen=True)
class DatastoreMatch:
    kind: MatchKind
    schema: CatalogSchema | None = None
    reason: str = ""


def datastore_match(
    datastore: DatastoreRef, schemas: Iterable[CatalogSchema], visible_connections: Iterable[str]
) -> DatastoreMatch:
    """The one schema of a same-type connection whose database and name equal the datastore's."""
    slug = atlan_connector(datastore.connector_type)
    connections = sorted({c for c in visible_connections if connector_of(c) == slug})
    if not connections:
        return DatastoreMatch(
            "not_visible",
            reason=f"No {slug} connection is {NOT_VISIBLE_HINT} (or none exists in Atlan).",
        )
    db, sch = datastore.database.casefold(), datastore.schema.casefold()
    found = [
        s
        for s in schemas
        if s.connector == slug
        and s.connection in connections
        and s.name.casefold() == sch
        and s.database_name.casefold() == db
    ]
    if len(found) == 1:
        return DatastoreMatch("matched", schema=found[0])
    if not found:
        return DatastoreMatch(
            "unmatched",
            reason=(
                f"No schema {datastore.label} in the {len(connections)} {slug} connection(s) visible "
                f"to this token ({', '.join(connections)}); if it exists in Atlan it is {NOT_VISIBLE_HINT}."
            ),
        )
    return DatastoreMatch(
        "ambiguous",
        reason=f"{len(found)} schemas match {datastore.label}: "
        + ", ".join(sorted(s.qualified_name for s in found)),
    )


T = TypeVar("T")


@dataclass
class NameMatches(Generic[K, T]):
    matched: dict[K, T] = field(default_factory=dict)
    unmatched: list[K] = field(default_factory=list)
    ambiguous: dict[K, list[T]] = field(default_factory=dict)
    catalog_only: list[T] = field(default_factory=list)


def names_match(
    plumbline: Mapping[K, str], catalog: Iterable[T], name_of: Callable[[T], str]
) -> NameMatches[K, T]:
    """Pair each Plumbline name with the one catalog item of the same name, ignoring case.

    Two catalog items whose names differ only in case make the name ambiguous: picking one by
    case would be a guess, and a wrong guess writes to the wrong asset.
    """
    by_name: dict[str, list[T]] = defaultdict(list)
    for item in catalog:
        by_name[name_of(item).casefold()].append(item)
    result: NameMatches[K, T] = NameMatches()
    used: set[str] = set()
    for key, name in plumbline.items():
        folded = name.casefold()
        candidates = by_name.get(folded, [])
        if len(candidates) == 1:
            result.matched[key] = candidates[0]
        elif candidates:
            result.ambiguous[key] = candidates
        else:
            result.unmatched.append(key)
        used.add(folded)
    result.catalog_only = [item for folded, items in by_name.items() if folded not in used for item in items]
    return result


@dataclass
class SchemaAssets:
    """A schema's tables (and views) and their columns, as read in one search pass."""

    tables: list[AtlanAsset] = field(default_factory=list)
    columns_by_table: dict[str, list[AtlanAsset]] = field(default_factory=lambda: defaultdict(list))


def schema_assets_group(schema_qn: str, assets: Iterable[AtlanAsset]) -> SchemaAssets:
    grouped = SchemaAssets()
    for asset in assets:
        parent = parent_of(asset.qualified_name)
        if asset.type_name in TABLE_TYPES and parent == schema_qn:
            grouped.tables.append(asset)
        elif asset.type_name == COLUMN_TYPE:
            grouped.columns_by_table[parent].append(asset)
    return grouped


def ambiguous_reason(what: str, name: str, candidates: Iterable[AtlanAsset]) -> str:
    names = sorted(f"{c.type_name} {c.qualified_name}" for c in candidates)
    return f"{len(names)} catalog {what}s match {name!r} without regard to case: " + "; ".join(names)
