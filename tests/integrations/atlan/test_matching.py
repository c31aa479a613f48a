"""Matching rules: by name, level by level, without regard to case."""

from __future__ import annotations

from integrations.atlan.matching import (
    CatalogSchema,
    DatastoreRef,
    atlan_connector,
    datastore_match,
    schema_assets_group,
    schema_from_asset,
)
from integrations.atlan.records import AtlanAsset
from integrations.sync.names import names_match

SNOW = "default/snowflake/1700000000"
PG = "default/postgres/1700000100"


def ds(connector="snowflake", database="sales", schema="public") -> DatastoreRef:
    return DatastoreRef(1, "Sales", connector, database, schema)


def schema(connection: str, database: str, name: str) -> CatalogSchema:
    return CatalogSchema(f"{connection}/{database}/{name}", name, database)


def asset(qn: str, type_name: str = "Table") -> AtlanAsset:
    return AtlanAsset(guid=qn, type_name=type_name, qualified_name=qn, name=qn.rsplit("/", 1)[-1])


def test_a_datastore_matches_its_schema_without_regard_to_case():
    match = datastore_match(ds(), [schema(SNOW, "SALES", "PUBLIC"), schema(SNOW, "SALES", "STAGING")], [SNOW])
    assert match.kind == "matched" and match.schema.qualified_name == f"{SNOW}/SALES/PUBLIC"


def test_connector_types_map_to_atlans_slugs():
    assert atlan_connector("postgresql") == "postgres"
    assert atlan_connector("sqlserver") == "mssql"
    assert atlan_connector("snowflake") == "snowflake"
    match = datastore_match(ds("postgresql", "app", "public"), [schema(PG, "app", "public")], [PG])
    assert match.kind == "matched"


def test_a_schema_of_another_connector_type_does_not_match():
    match = datastore_match(ds("postgresql"), [schema(SNOW, "SALES", "PUBLIC")], [SNOW, PG])
    assert match.kind == "unmatched" and "sales.public" in match.reason


def test_the_same_schema_in_two_connections_is_ambiguous():
    other = "default/snowflake/1800000000"
    schemas = [schema(SNOW, "SALES", "PUBLIC"), schema(other, "sales", "public")]
    match = datastore_match(ds(), schemas, [SNOW, other])
    assert match.kind == "ambiguous" and other in match.reason and SNOW in match.reason


def test_a_connector_with_no_visible_connection_is_not_visible():
    match = datastore_match(ds("sqlserver"), [schema(SNOW, "SALES", "PUBLIC")], [SNOW])
    assert match.kind == "not_visible" and "persona" in match.reason and "mssql" in match.reason


def test_schemas_of_connections_the_token_cannot_see_are_ignored():
    match = datastore_match(ds(), [schema(SNOW, "SALES", "PUBLIC")], ["default/snowflake/1900000000"])
    assert match.kind == "unmatched" and "persona" in match.reason


def test_names_match_pairs_ignoring_case_and_reports_the_rest():
    catalog = [asset("s/ORDERS"), asset("s/Customers"), asset("s/customers"), asset("s/ARCHIVE")]
    result = names_match({1: "orders", 2: "CUSTOMERS", 3: "missing"}, catalog, lambda a: a.name)
    assert result.matched == {1: catalog[0]}
    assert set(result.ambiguous) == {2} and len(result.ambiguous[2]) == 2
    assert result.unmatched == [3]
    assert result.catalog_only == [catalog[3]]


def test_schema_assets_group_tables_views_and_columns_by_parent():
    root = f"{SNOW}/SALES/PUBLIC"
    assets = [
        asset(root, "Schema"),
        asset(f"{root}/ORDERS"),
        asset(f"{root}/DAILY", "View"),
        asset(f"{root}/MV", "MaterialisedView"),
        asset(f"{root}/ORDERS/ID", "Column"),
        asset(f"{root}/DAILY/DAY", "Column"),
    ]
    group = schema_assets_group(root, assets)
    assert [t.name for t in group.tables] == ["ORDERS", "DAILY", "MV"]
    assert [c.name for c in group.columns_by_table[f"{root}/ORDERS"]] == ["ID"]
    assert [c.name for c in group.columns_by_table[f"{root}/DAILY"]] == ["DAY"]


def test_schema_records_fall_back_to_the_qualified_name_for_the_database():
    record = schema_from_asset(asset(f"{SNOW}/SALES/PUBLIC", "Schema"))
    assert (record.database_name, record.name, record.connector) == ("SALES", "PUBLIC", "snowflake")
