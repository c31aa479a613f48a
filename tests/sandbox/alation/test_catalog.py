"""Data sources (v1 native and v2 OCF), schemas, tables and columns: shapes, filters, keys,
paging with X-Next-Page and short pages, and data-source permissions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.alation.generator import generate

from .conftest import SALES_ONLY_REFRESH, Client

SAMPLES = Path("/work/shared/alation-responses")


def _sample_keys(name: str) -> list[str]:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    return list(json.loads(path.read_text())[0])


def test_v2_lists_ocf_sources_and_v1_native_ones_with_type_host_and_database(api):
    v2 = api.get("/integration/v2/datasource/").json()
    v1 = api.get("/integration/v1/datasource/").json()
    assert [d["title"] for d in v2] == ["Sales Warehouse", "Finance Mart", "Lakehouse"]
    assert v2[0]["uri"] == "snowflake://acme.snowflakecomputing.com:443/SALES"
    assert [(d["dbtype"], d["host"], d["dbname"]) for d in v1] == [("postgresql", "db.acme.internal", "app")]
    assert set(_sample_keys("datasource_v2_list.json")) <= set(v2[0])
    assert api.get("/integration/v2/datasource/3/").json()["title"] == "Finance Mart"
    assert api.get("/integration/v2/datasource/2/").status_code == 404


def test_objects_answer_in_the_fixture_shapes_with_custom_fields_and_no_tags(api):
    schema = api.get("/integration/v2/schema/", name="SALES.PUBLIC").json()[0]
    table = api.get("/integration/v2/table/", key="1.sales.public.orders").json()[0]
    column = api.get("/integration/v2/column/", table_id=table["id"], name="ORDER_ID").json()[0]
    assert list(schema) == _sample_keys("schema_v2_list.json")
    assert list(table) == _sample_keys("table_v2_list.json")
    assert list(column) == _sample_keys("column_v2_list.json")
    assert schema["key"] == "1.SALES.PUBLIC" and table["schema_name"] == "SALES.PUBLIC"
    assert table["url"] == f"/table/{table['id']}/" and column["url"] == f"/attribute/{column['id']}/"
    assert column["key"] == "1.SALES.PUBLIC.ORDERS.ORDER_ID" and column["table_name"] == "sales.public.orders"
    assert {"field_name": "Business Domain", "field_id": 10001, "value": "Sales"} in table["custom_fields"]
    assert "tags" not in table


def test_postgres_schemas_are_single_part_and_sqlserver_ones_are_database_dot_schema(api):
    keys = [s["key"] for s in api.get("/integration/v2/schema/").json()]
    assert keys == ["1.SALES.PUBLIC", "1.SALES.STAGING", "2.public", "3.FINANCE.dbo", "4.main.analytics"]


def test_filters_support_django_lookups_and_unknown_ones_are_400006(api):
    names = [t["name"] for t in api.get("/integration/v2/table/", ds_id=2, name__istartswith="A").json()]
    assert names == ["accounts", "active_users"]
    views = api.get("/integration/v2/table/", table_type="VIEW", ds_id=1).json()
    assert {t["name"] for t in views} == {"REVENUE_DAILY", "CUSTOMER_LTV"}
    assert len(api.get("/integration/v2/column/", id__in="1000,1001").json()) == 2
    r = api.get("/integration/v2/table/", ids=1, colour="red")
    assert (r.status_code, r.json()) == (
        400,
        {"detail": "Invalid query parameters: [ids, colour]", "code": "400006"},
    )


def test_keys_match_without_regard_to_case_and_names_exactly_unless_switched(api, alation_sandbox):
    assert len(api.get("/integration/v2/table/", key="1.Sales.Public.Customers").json()) == 1
    assert api.get("/integration/v2/table/", name="customers").json() == []
    alation_sandbox.behaviour.configure(name_filter_ignores_case=True)
    assert [t["name"] for t in api.get("/integration/v2/table/", name="customers").json()] == ["CUSTOMERS"]


def test_quoted_key_parts_with_dots_resolve(alation_sandbox, api):
    store = alation_sandbox.store
    schema_id = store.ref("2.public")[1]
    table = store.catalog.add_table(schema_id, "HR.2017")
    assert table["key"] == '2.public."HR.2017"'
    assert store.catalog.resolve('2.PUBLIC."hr.2017"') == ("table", table["id"])
    assert api.get("/integration/v2/table/", key='2.public."HR.2017"').json()[0]["id"] == table["id"]


def test_paging_follows_x_next_page_and_stops_when_it_is_absent(api):
    first = api.get("/integration/v2/column/", ds_id=1, limit=10)
    assert first.headers["X-Next-Page"] == "/integration/v2/column/?ds_id=1&skip=10&limit=10"
    rows, pages = api.every("/integration/v2/column/", ds_id=1, limit=10)
    assert len(rows) == len({r["id"] for r in rows}) == 47 and pages == 5
    last = api.get("/integration/v2/column/", ds_id=1, limit=10, skip=40)
    assert len(last.json()) == 7 and "X-Next-Page" not in last.headers


def test_a_list_without_limit_holds_at_most_100_rows(alation_sandbox):
    alation_sandbox.load_scenario(generate(tables=40, columns=4, sources=1)[0])
    first = Client(alation_sandbox).get("/integration/v2/column/")
    assert (
        len(first.json()) == 100
        and first.headers["X-Next-Page"] == "/integration/v2/column/?skip=100&limit=100"
    )


def test_a_page_can_be_shorter_than_the_limit_while_more_rows_remain(api, alation_sandbox):
    alation_sandbox.behaviour.configure(max_page_size=7)
    first = api.get("/integration/v2/table/", limit=1000)
    assert len(first.json()) == 7
    assert first.headers["X-Next-Page"] == "/integration/v2/table/?skip=7&limit=1000"
    rows, pages = api.every("/integration/v2/table/", limit=1000)
    assert len(rows) == len(alation_sandbox.store.catalog.objects["table"]) and pages == 3


def test_fields_trims_items_and_order_by_sorts(api):
    rows = api.get("/integration/v2/table/", ds_id=3, fields="id,name", order_by="-name").json()
    assert rows == [{"id": r["id"], "name": r["name"]} for r in rows]
    assert [r["name"] for r in rows] == ["gl_entries", "budgets"]


def test_a_limited_user_sees_only_its_data_sources(client_for):
    limited = client_for(SALES_ONLY_REFRESH)
    assert [d["id"] for d in limited.get("/integration/v2/datasource/").json()] == [1]
    assert limited.get("/integration/v1/datasource/").json() == []
    assert {t["ds_id"] for t in limited.every("/integration/v2/table/")[0]} == {1}
    assert limited.get("/integration/v2/table/", ds_id=2).json() == []
    assert limited.get("/integration/v2/datasource/3/").status_code == 404


def test_columns_list_by_schema_id_without_scanning_every_column(api, alation_sandbox):
    store = alation_sandbox.store
    schema_id = store.ref("1.SALES.PUBLIC")[1]
    columns = api.get("/integration/v2/column/", schema_id=schema_id, limit=1000).json()
    assert columns and {c["schema_id"] for c in columns} == {schema_id}
    tables = set(store.catalog.child_ids("schema", schema_id))
    assert len(columns) == sum(len(store.catalog.child_ids("table", t)) for t in tables)
