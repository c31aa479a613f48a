"""Matching Plumbline assets to Atlan assets by name, level by level, without regard to case.

Pure functions over plain records (no HTTP, no database) so every rule is unit-testable:
datastore → the Schema of a connection of the same connector type holding its database and
schema; container → the Table, View or MaterialisedView of the same name in that schema;
field → the Column of the same name in that table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from integrations.atlan.records import AtlanAsset

# Plumbline's connector names where Atlan's connector slugs differ; the others are the same.
CONNECTOR_SLUGS = {"postgresql": "postgres", "sqlserver": "mssql"}
TABLE_TYPES = ("Table", "View", "MaterialisedView")
COLUMN_TYPE = "Column"
PERSONA_HINT = "check the persona's metadata policies"

MatchKind = Literal["matched", "unmatched", "ambiguous", "not_visible"]


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
            reason=f"This token sees no {slug} connection: {PERSONA_HINT} (or no such connection exists in Atlan).",
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
                f"to this token ({', '.join(connections)}); if it exists in Atlan, the token cannot see it: "
                f"{PERSONA_HINT}."
            ),
        )
    return DatastoreMatch(
        "ambiguous",
        reason=f"{len(found)} schemas match {datastore.label}: "
        + ", ".join(sorted(s.qualified_name for s in found)),
    )


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
