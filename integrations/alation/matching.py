"""Matching Plumbline datastores to Alation data sources and schemas, without regard to case.

Pure functions over plain records (no HTTP, no database). A datastore (connector type, host,
database, schema) is one Alation *schema*: a data source of the same database type at the same
host holds it, named `DB.SCHEMA` where the source folds database and schema together (Snowflake,
SQL Server, Redshift, BigQuery, Databricks, …) or `SCHEMA` inside a source whose database is the
datastore's (PostgreSQL, MySQL, Oracle, …). Tables and columns then match by name (the engine).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from integrations.alation.records import (
    OTYPE_COLUMN,
    OTYPE_SCHEMA,
    OTYPE_TABLE,
    Column,
    CustomFieldValue,
    DataSource,
    ObjectRef,
    Schema,
    Table,
)

MatchKind = Literal["matched", "unmatched", "ambiguous", "not_visible"]

# Plumbline's connector types and the database types Alation names them by (v1 `dbtype`, or the
# scheme of a v2 `uri`); a type not listed is expected under its own name.
DBTYPES: dict[str, tuple[str, ...]] = {
    "postgresql": ("postgresql", "postgres"),
    "sqlserver": ("sqlserver", "mssql", "azuresql", "azure_sql", "sql_server"),
    "databricks": ("databricks", "unity", "databricks_unity", "deltalake"),
    "bigquery": ("bigquery", "google_bigquery"),
    "trino": ("trino", "starburst", "presto"),
    "athena": ("athena", "awsathena"),
    "oracle": ("oracle", "oracle_thin"),
}
ACCESS_HINT = (
    "if it exists, an Alation admin can give this user access to it (the data source's Access settings)"
)


def dbtypes_of(connector_type: str) -> tuple[str, ...]:
    return DBTYPES.get(connector_type.casefold(), (connector_type.casefold(),))


@dataclass(frozen=True, slots=True)
class CatalogObject:
    """A schema, table or column as the engine and the push see it (a `CatalogAsset`)."""

    otype: str
    id: int
    name: str
    key: str
    custom_fields: Mapping[int, object] = field(default_factory=dict)

    @property
    def type_name(self) -> str:
        return self.otype

    @property
    def qualified_name(self) -> str:
        return self.key

    @property
    def guid(self) -> str:
        return str(self.id)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.otype, self.id)


def _custom(values: Iterable[CustomFieldValue], keep: Collection[int] | None) -> dict[int, object]:
    return {v.field_id: v.value for v in values if keep is None or v.field_id in keep}


_OTYPES = {Schema: OTYPE_SCHEMA, Table: OTYPE_TABLE, Column: OTYPE_COLUMN}


def object_of(record: Schema | Table | Column, keep: Collection[int] | None = None) -> CatalogObject:
    """`keep`: the custom fields worth remembering (Plumbline's), not every field the tenant has."""
    otype = _OTYPES[type(record)]
    return CatalogObject(otype, record.id, record.name, record.key, _custom(record.custom_fields, keep))


@dataclass(frozen=True)
class DatastoreRef:
    id: int
    name: str
    connector_type: str
    host: str
    database: str
    schema: str

    @property
    def label(self) -> str:
        return f"{self.database}.{self.schema}" if self.database else self.schema

    @property
    def where(self) -> str:
        return f"{self.connector_type} data source" + (f" at {self.host}" if self.host else "")


@dataclass(frozen=True)
class DatastoreMatch:
    kind: MatchKind
    schema: Schema | None = None
    source: DataSource | None = None
    reason: str = ""


def sources_for(datastore: DatastoreRef, sources: Iterable[DataSource]) -> list[DataSource]:
    """Visible data sources of the datastore's database type at its host (any host if either is unknown)."""
    types = dbtypes_of(datastore.connector_type)
    host = datastore.host.casefold().strip()
    return [
        s
        for s in sources
        if (s.dbtype or "").casefold() in types
        and (not host or not s.host or s.host.casefold().strip() == host)
    ]


def schema_matches(datastore: DatastoreRef, source: DataSource, schema: Schema) -> bool:
    """`DB.SCHEMA` (multipart sources), or `SCHEMA` in a source whose database is the datastore's."""
    name = schema.name.casefold()
    db, sch = datastore.database.casefold(), datastore.schema.casefold()
    if db and name == f"{db}.{sch}":
        return True
    return name == sch and (not db or (source.dbname or "").casefold() == db)


def datastore_match(
    datastore: DatastoreRef,
    candidates: Sequence[DataSource],
    schemas_by_source: Mapping[int, Sequence[Schema]],
    *,
    user_id: int,
) -> DatastoreMatch:
    """The one schema of `candidates` (see `sources_for`) that is this datastore, or why not."""
    if not candidates:
        return DatastoreMatch(
            "not_visible", reason=f"No {datastore.where} is visible to Alation user {user_id}: {ACCESS_HINT}."
        )
    found = [
        (source, schema)
        for source in candidates
        for schema in schemas_by_source.get(source.id, ())
        if schema_matches(datastore, source, schema)
    ]
    if len(found) == 1:
        return DatastoreMatch("matched", schema=found[0][1], source=found[0][0])
    titles = ", ".join(f"{s.title} (id {s.id})" for s in candidates)
    if not found:
        return DatastoreMatch(
            "unmatched",
            reason=(
                f"No schema {datastore.label} in the {len(candidates)} {datastore.where} visible to user "
                f"{user_id} ({titles}); check the datastore's database and schema names, or whether the "
                "data source's metadata extraction includes that schema."
            ),
        )
    return DatastoreMatch(
        "ambiguous",
        reason=f"{len(found)} schemas match {datastore.label}: "
        + ", ".join(sorted(f"{schema.key} ({source.title})" for source, schema in found)),
    )


@dataclass
class SchemaObjects:
    """A schema's tables and their columns (by table key), as read."""

    tables: list[CatalogObject] = field(default_factory=list)
    columns_by_table: dict[str, list[CatalogObject]] = field(default_factory=dict)


def schema_objects_group(
    tables: Iterable[Table], columns: Iterable[Column], keep: Collection[int] | None = None
) -> SchemaObjects:
    """Columns grouped under their table's key (ids are unique per object type, so by table id)."""
    grouped = SchemaObjects()
    keys: dict[int, str] = {}
    for table in tables:
        grouped.tables.append(object_of(table, keep))
        keys[table.id] = table.key
        grouped.columns_by_table[table.key] = []
    for column in columns:
        key = keys.get(column.table_id)
        if key is not None:
            grouped.columns_by_table[key].append(object_of(column, keep))
    return grouped
