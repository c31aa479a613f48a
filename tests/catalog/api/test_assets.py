"""Catalog reads for scripts: datastores, containers and fields with their global and external tags."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import (
    anomaly_make,
    catalog_make,
    check_make,
    container_make,
    datastore_make,
    field_make,
    integration_make,
    scores_make,
    tag_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales():
    """Sales › ORDERS (PII global, Finance-Atlan external) › ORDER_ID (Finance-Atlan, inherited from
    ORDERS in Atlan); Sales › USERS › EMAIL."""
    atlan = integration_make("Atlan prod")
    pii = tag_make("PII", color="#E74C3C")
    finance = tag_make("Finance-Atlan", integration=atlan)
    datastore = datastore_make("Sales")
    datastore.tags.add(pii)
    orders = container_make(datastore, "ORDERS")
    orders.tags.add(pii, finance)
    scores_make(orders, [61.5])
    check_make(orders)
    anomaly_make(orders)
    order_id = field_make(orders, "ORDER_ID")
    order_id.tags.add(finance, through_defaults={"inherited_from": "SALES.PUBLIC.ORDERS"})
    users = container_make(datastore, "USERS")
    field_make(users, "EMAIL")
    return {"atlan": atlan, "pii": pii, "finance": finance, "ds": datastore, "orders": orders, "id": order_id}


def _names(body: dict) -> list[str]:
    return [i["name"] for i in body["items"]]


def test_datastores_are_listed_with_their_tags_and_counts(viewer_api, sales):
    body = viewer_api.get("/api/datastores").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["name"] == "Sales" and item["connector_type"] == "snowflake"
    assert (item["database"], item["schema"]) == ("SALES", "PUBLIC")
    assert (item["container_count"], item["active_check_count"], item["open_anomaly_count"]) == (2, 1, 1)
    assert [t["name"] for t in item["tags"]] == ["PII"]
    assert viewer_api.get(f"/api/datastores/{sales['ds'].pk}").json() == item


def test_a_containers_tags_say_global_or_external_and_from_which_integration(viewer_api, sales):
    body = viewer_api.get(f"/api/containers/{sales['orders'].pk}").json()
    assert body["datastore"] == {"id": sales["ds"].pk, "name": "Sales"}
    assert body["type"] == "table" and body["score"] == 61.5 and body["field_count"] == 1
    tags = {t["name"]: t for t in body["tags"]}
    assert tags["PII"]["type"] == "global" and tags["PII"]["integration"] is None
    assert tags["PII"]["color"] == "#E74C3C" and tags["PII"]["inherited_from"] == ""
    external = tags["Finance-Atlan"]
    assert external["type"] == "external" and external["inherited_from"] == ""
    assert external["integration"] == {"id": sales["atlan"].pk, "name": "Atlan prod", "type": "atlan"}


def test_fields_name_their_container_and_datastore(viewer_api, sales):
    body = viewer_api.get(f"/api/fields/{sales['id'].pk}").json()
    assert body["container"] == {"id": sales["orders"].pk, "name": "ORDERS"}
    assert body["datastore"] == {"id": sales["ds"].pk, "name": "Sales"}
    assert body["declared_type"] == "VARCHAR" and body["score"] is None
    assert [(t["name"], t["inherited_from"]) for t in body["tags"]] == [
        ("Finance-Atlan", "SALES.PUBLIC.ORDERS")
    ]


def test_a_tag_filter_can_keep_or_leave_out_inherited_tags(viewer_api, sales):
    finance = sales["finance"].pk
    assert _names(viewer_api.get(f"/api/fields?tag={finance}").json()) == ["ORDER_ID"]
    assert _names(viewer_api.get(f"/api/fields?tag={finance}&inherited=only").json()) == ["ORDER_ID"]
    assert _names(viewer_api.get(f"/api/fields?tag={finance}&inherited=exclude").json()) == []
    assert _names(viewer_api.get(f"/api/containers?tag={finance}&inherited=exclude").json()) == ["ORDERS"]
    assert _names(viewer_api.get(f"/api/containers?tag={finance}&inherited=only").json()) == []


def test_containers_filter_by_datastore_name_type_tag_and_integration(viewer_api, sales):
    other = container_make(datastore_make("Other"), "ORDERS_COPY", container_type="view")
    other.tags.add(sales["pii"])
    assert _names(viewer_api.get("/api/containers").json()) == ["ORDERS_COPY", "ORDERS", "USERS"]
    assert _names(viewer_api.get(f"/api/containers?datastore={sales['ds'].pk}").json()) == ["ORDERS", "USERS"]
    assert _names(viewer_api.get("/api/containers?q=orders").json()) == ["ORDERS_COPY", "ORDERS"]
    assert _names(viewer_api.get("/api/containers?type=view").json()) == ["ORDERS_COPY"]
    assert _names(viewer_api.get(f"/api/containers?tag={sales['pii'].pk}").json()) == [
        "ORDERS_COPY",
        "ORDERS",
    ]
    assert _names(viewer_api.get(f"/api/containers?integration={sales['atlan'].pk}").json()) == ["ORDERS"]


def test_an_asset_with_two_tags_of_one_integration_is_listed_once(viewer_api, sales):
    sales["orders"].tags.add(tag_make("Second", integration=sales["atlan"]))
    body = viewer_api.get(f"/api/containers?integration={sales['atlan'].pk}").json()
    assert body["total"] == 1 and _names(body) == ["ORDERS"]


def test_fields_and_datastores_filter_too(viewer_api, sales):
    assert _names(viewer_api.get(f"/api/fields?integration={sales['atlan'].pk}").json()) == ["ORDER_ID"]
    assert _names(viewer_api.get(f"/api/fields?container={sales['orders'].pk}").json()) == ["ORDER_ID"]
    assert _names(viewer_api.get(f"/api/fields?datastore={sales['ds'].pk}&q=mail").json()) == ["EMAIL"]
    assert _names(viewer_api.get(f"/api/datastores?tag={sales['pii'].pk}").json()) == ["Sales"]
    assert viewer_api.get(f"/api/datastores?integration={sales['atlan'].pk}").json()["total"] == 0
    assert viewer_api.get("/api/datastores?connector=postgresql").json()["total"] == 0


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/containers?type=cube", "type"),
        ("/api/containers?tag=abc", "tag"),
        ("/api/fields?integration=0", "integration"),
        ("/api/datastores?connector=excel", "connector"),
        ("/api/fields?tag=1&inherited=maybe", "inherited"),
    ],
)
def test_bad_filters_are_field_errors(viewer_api, url, field):
    response = viewer_api.get(url)
    assert response.status_code == 400 and set(response.json()["errors"]) == {field}


def test_missing_assets_are_404(viewer_api):
    for kind in ("datastore", "container", "field"):
        response = viewer_api.get(f"/api/{kind}s/999")
        assert response.status_code == 404 and response.json() == {"detail": f"No {kind} with id 999."}


def test_the_catalog_is_read_only(admin_api, sales):
    assert admin_api.post("/api/datastores", {"name": "x"}).status_code == 405
    assert admin_api.delete(f"/api/containers/{sales['orders'].pk}").status_code == 405


def test_anonymous_requests_are_401(anonymous_api, sales):
    for url in ("/api/datastores", "/api/containers", "/api/fields", f"/api/containers/{sales['orders'].pk}"):
        assert anonymous_api.get(url).status_code == 401


def test_a_page_of_containers_takes_the_same_queries_however_many_rows(viewer_api):
    tags = (tag_make("A"), tag_make("B", integration=integration_make("X")))
    catalog_make(containers=2, fields=1, tags=tags)
    viewer_api.get("/api/")  # the token's first use records its time: not part of the page
    with CaptureQueriesContext(connection) as small:
        viewer_api.get("/api/containers")
    catalog_make(containers=20, fields=1, tags=tags)
    with CaptureQueriesContext(connection) as large:
        viewer_api.get("/api/containers")
    assert len(large) == len(small)
