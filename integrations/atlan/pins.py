"""Pinning a datastore to an Atlan schema: the schemas to choose from, and finding a pinned
schema again later, by its GUID first (what a rename keeps), then by its qualified name (what
an asset re-created by a crawler keeps)."""

from __future__ import annotations

from integrations.atlan.client import AtlanClient
from integrations.atlan.matching import CatalogSchema, connection_of, schema_from_asset
from integrations.atlan.queries import bool_filter, query_connections, term
from integrations.sync.connector import SchemaTarget

PAGE_SIZE = 200


def schema_label(schema: CatalogSchema) -> str:
    return f"{schema.database_name}.{schema.name}" if schema.database_name else schema.name


def _schemas(client: AtlanClient, *clauses: dict) -> list[CatalogSchema]:
    query = bool_filter(term("__state", "ACTIVE"), term("__typeName.keyword", "Schema"), *clauses)
    found = client.search_assets(query, attributes=["databaseName"], page_size=PAGE_SIZE)
    return [schema_from_asset(a) for a in found]


def connection_schemas(client: AtlanClient, connection_qn: str) -> list[CatalogSchema]:
    return _schemas(client, term("connectionQualifiedName", connection_qn))


def schema_lookup(client: AtlanClient, *, guid: str, qualified_name: str) -> CatalogSchema | None:
    if guid:
        by_guid = _schemas(client, term("__guid", guid))
        if by_guid:
            return by_guid[0]
    by_name = _schemas(client, term("qualifiedName", qualified_name)) if qualified_name else []
    return by_name[0] if by_name else None


def schema_target(client: AtlanClient, qualified_name: str) -> SchemaTarget | None:
    """A schema to pin to, with its connection's name; None when the token cannot see it."""
    schema = schema_lookup(client, guid="", qualified_name=qualified_name)
    if schema is None:
        return None
    connection_qn = connection_of(schema.qualified_name)
    connections = client.search_assets(bool_filter(query_connections(), term("qualifiedName", connection_qn)))
    name = next((c.name for c in connections), connection_qn)
    return SchemaTarget(connection_qn, name, schema.qualified_name, schema_label(schema), schema.guid)
