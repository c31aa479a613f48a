"""Datastore → Alation data source and schema, and the Domains filter: pure rules, no HTTP."""

from __future__ import annotations

from integrations.alation.domains import domain_scope, domains_with_children
from integrations.alation.matching import (
    DatastoreRef,
    datastore_match,
    object_of,
    schema_objects_group,
    sources_for,
)
from integrations.alation.records import Column, DataSource, Domain, DomainRule, ObjectRef, Schema, Table

SNOW = DataSource(1, "Sales Warehouse", "v2", "snowflake", "acme.snowflakecomputing.com", "SALES")
PG = DataSource(2, "App Database", "v1", "postgresql", "db.acme.internal", "app")
PG_OTHER_HOST = DataSource(5, "App replica", "v1", "postgresql", "replica.acme.internal", "app")


def ref(connector="snowflake", host="acme.snowflakecomputing.com", database="SALES", schema="PUBLIC"):
    return DatastoreRef(1, "Sales Warehouse", connector, host, database, schema)


def schema(sid: int, name: str, ds_id: int) -> Schema:
    return Schema(sid, name, ds_id, f"{ds_id}.{name}")


def test_sources_of_the_same_database_type_and_host_are_candidates_without_regard_to_case():
    assert sources_for(ref(host="ACME.snowflakecomputing.com"), [SNOW, PG]) == [SNOW]
    pg = ref("postgresql", "db.acme.internal", "app", "public")
    assert sources_for(pg, [SNOW, PG, PG_OTHER_HOST]) == [PG]
    # Alation's other spellings of a type count too; an unknown host on either side does not filter.
    postgres = DataSource(6, "Legacy", "v1", "postgres", None, "app")
    assert sources_for(pg, [postgres]) == [postgres]
    assert sources_for(ref("postgresql", "", "app", "public"), [PG, PG_OTHER_HOST]) == [PG, PG_OTHER_HOST]


def test_a_multipart_source_matches_its_db_dot_schema_name_case_insensitively():
    match = datastore_match(
        ref(database="sales", schema="public"), [SNOW], {1: [schema(10, "SALES.PUBLIC", 1)]}, user_id=7
    )
    assert (match.kind, match.schema.key, match.source) == ("matched", "1.SALES.PUBLIC", SNOW)


def test_a_single_part_source_matches_its_schema_inside_the_datastores_database():
    pg = ref("postgresql", "db.acme.internal", "app", "public")
    schemas = {2: [schema(20, "public", 2), schema(21, "audit", 2)]}
    assert datastore_match(pg, [PG], schemas, user_id=7).schema.id == 20
    other_db = ref("postgresql", "db.acme.internal", "billing", "public")
    assert datastore_match(other_db, [PG], schemas, user_id=7).kind == "unmatched"


def test_no_visible_source_is_not_visible_and_says_how_to_fix_it():
    match = datastore_match(ref(), [], {}, user_id=8)
    assert match.kind == "not_visible"
    assert "snowflake data source at acme.snowflakecomputing.com" in match.reason
    assert "user 8" in match.reason and "Access" in match.reason


def test_a_visible_source_without_the_schema_is_unmatched_naming_what_was_searched():
    match = datastore_match(ref(schema="MISSING"), [SNOW], {1: [schema(10, "SALES.PUBLIC", 1)]}, user_id=7)
    assert match.kind == "unmatched"
    assert "SALES.MISSING" in match.reason and "Sales Warehouse (id 1)" in match.reason


def test_two_matching_schemas_are_ambiguous_and_both_are_named():
    twin = DataSource(9, "Sales copy", "v2", "snowflake", "acme.snowflakecomputing.com", "SALES")
    schemas = {1: [schema(10, "SALES.PUBLIC", 1)], 9: [schema(90, "sales.public", 9)]}
    match = datastore_match(ref(), [SNOW, twin], schemas, user_id=7)
    assert match.kind == "ambiguous"
    assert (
        "1.SALES.PUBLIC (Sales Warehouse)" in match.reason and "9.sales.public (Sales copy)" in match.reason
    )


def test_columns_group_under_their_tables_key_by_table_id_not_by_name():
    orders = Table(100, "ORDERS", 10, 1, "1.SALES.PUBLIC.ORDERS")
    # A column sharing its id with the table: ids are unique per object type only.
    column = Column(100, "ORDER_ID", 100, 1, "1.SALES.PUBLIC.ORDERS.ORDER_ID")
    stray = Column(101, "X", 999, 1, "1.SALES.PUBLIC.OTHER.X")
    group = schema_objects_group([orders], [column, stray])
    assert [c.name for c in group.columns_by_table["1.SALES.PUBLIC.ORDERS"]] == ["ORDER_ID"]
    assert object_of(orders).ref != object_of(column).ref


# --- Domains ---------------------------------------------------------------------------------------

DS, SCH, TAB, COL = (
    ObjectRef("data", 1),
    ObjectRef("schema", 10),
    ObjectRef("table", 100),
    ObjectRef("attribute", 5),
)


def rule(domain: int, ref: ObjectRef, *, exclude=False, recursive=True) -> DomainRule:
    return DomainRule(domain, ref.otype, ref.oid, exclude, recursive)


def test_the_nearest_rule_decides_and_an_exclude_carves_out_what_is_under_it():
    scope = domain_scope([1], [rule(1, DS), rule(1, SCH, exclude=True)])
    assert not scope.contains([TAB, SCH, DS])
    assert scope.contains([ObjectRef("schema", 11), DS])
    # Its own rule wins over the parent's exclude.
    scope = domain_scope([1], [rule(1, DS), rule(1, SCH, exclude=True), rule(1, TAB, recursive=False)])
    assert scope.contains([TAB, SCH, DS])
    assert not scope.contains([COL, TAB, SCH, DS])  # not recursive: its columns stay out


def test_an_object_in_any_chosen_domain_is_in_and_an_empty_domain_brings_nothing():
    scope = domain_scope([1, 2], [rule(1, SCH, exclude=True), rule(2, TAB)])
    assert scope.contains([TAB, SCH, DS])
    assert not domain_scope([3], []).contains([TAB, SCH, DS])


def test_a_chosen_domain_brings_its_subdomains():
    domains = [
        Domain(1, "Sales"),
        Domain(4, "Orders", parent_id=1),
        Domain(5, "Returns", parent_id=4),
        Domain(2, "Product"),
    ]
    assert domains_with_children([1], domains) == {1, 4, 5}
    assert domains_with_children([4], domains) == {4, 5}
