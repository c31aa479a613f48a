"""Tokens: unknown ones get 401; personas hide other connections (404 on reads, 403 on writes);
a token without custom-metadata rights gets 403 on every custom-metadata write."""

from __future__ import annotations

from typing import Any

import pytest
import requests

SF = "default/snowflake/1700000000"
PG_USERS = "default/postgres/1700000100/app/public/users"
SNOWFLAKE_ONLY = "plumbline-snowflake-only-token"
NO_CM = "plumbline-no-cm-token"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic plumbline-demo-token"}],
    ids=["missing", "unknown", "wrong-scheme"],
)
def test_a_missing_or_unknown_token_gets_an_atlan_shaped_401(atlan_sandbox, headers):
    r = requests.get(f"{atlan_sandbox.url}/api/service/users/current", headers=headers)
    assert r.status_code == 401
    assert r.json()["errorCode"] == "ATLAS-401-00-001" and r.json()["errorMessage"]


def test_the_page_needs_no_token(atlan_sandbox):
    assert requests.get(f"{atlan_sandbox.url}/").status_code == 200


def test_a_persona_token_searches_only_its_connections(atlan_sandbox):
    body = {"dsl": {"size": 100, "query": {"term": {"__typeName.keyword": "Connection"}}}}
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/search/indexsearch",
        json=body,
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert [e["attributes"]["qualifiedName"] for e in r.json()["entities"]] == [SF]
    body = {"dsl": {"size": 100, "query": {"term": {"name.keyword": "users"}}}}
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/search/indexsearch",
        json=body,
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert "entities" not in r.json() and r.json()["approximateCount"] == 0


def test_a_persona_token_reading_an_asset_outside_gets_404(atlan_sandbox):
    guid = atlan_sandbox.store.find_qn(PG_USERS)["guid"]
    by_guid = requests.get(
        f"{atlan_sandbox.url}/api/meta/entity/guid/{guid}", headers=atlan_sandbox.headers(SNOWFLAKE_ONLY)
    )
    assert by_guid.status_code == 404 and by_guid.json()["errorCode"] == "ATLAS-404-00-005"
    by_qn = requests.get(
        f"{atlan_sandbox.url}/api/meta/entity/uniqueAttribute/type/Table",
        params={"attr:qualifiedName": PG_USERS},
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert by_qn.status_code == 404


def _users_entity(**attrs: Any) -> dict[str, Any]:
    return {"typeName": "Table", "attributes": {"qualifiedName": PG_USERS, "name": "users", **attrs}}


def test_a_persona_token_writing_outside_its_connections_gets_403_and_changes_nothing(atlan_sandbox):
    store = atlan_sandbox.store
    bulk = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/bulk",
        json={"entities": [_users_entity(description="hacked")]},
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert bulk.status_code == 403 and bulk.json()["errorCode"] == "ATLAS-403-00-001"
    put = requests.put(
        f"{atlan_sandbox.url}/api/meta/entity/uniqueAttribute/type/Table",
        params={"attr:qualifiedName": PG_USERS},
        json={"entity": _users_entity(announcementType="warning", announcementTitle="x")},
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert put.status_code == 403
    guid = store.find_qn(PG_USERS)["guid"]
    cm = store.cm_set_by_name("Data Ownership")
    post = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/guid/{guid}/businessmetadata/{cm['name']}",
        json={store.cm_attr_hash(cm, "Steward"): "x"},
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert post.status_code == 403
    assert "description" not in store.find_qn(PG_USERS)["attributes"]
    assert store.announcement(PG_USERS) is None
    assert store.custom_metadata(PG_USERS)["Data Ownership"]["Steward"] == "mlee"


def test_a_persona_token_may_write_inside_its_connection(atlan_sandbox):
    qn = f"{SF}/SALES/PUBLIC/PAYMENTS"
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/bulk",
        json={
            "entities": [
                {
                    "typeName": "Table",
                    "attributes": {"qualifiedName": qn, "name": "PAYMENTS", "description": "ok"},
                }
            ]
        },
        headers=atlan_sandbox.headers(SNOWFLAKE_ONLY),
    )
    assert r.status_code == 200 and r.json()["mutatedEntities"]["UPDATE"]


def test_a_token_without_custom_metadata_rights_gets_403_on_every_custom_metadata_write(atlan_sandbox):
    store = atlan_sandbox.store
    cm = store.cm_set_by_name("Data Ownership")
    steward = store.cm_attr_hash(cm, "Steward")
    orders = store.find_qn(f"{SF}/SALES/PUBLIC/ORDERS")
    headers = atlan_sandbox.headers(NO_CM)
    url = atlan_sandbox.url
    typedef = requests.post(
        f"{url}/api/meta/types/typedefs",
        json={"businessMetadataDefs": [{"displayName": "DQ", "attributeDefs": [{"displayName": "Score"}]}]},
        headers=headers,
    )
    assert typedef.status_code == 403
    one = requests.post(
        f"{url}/api/meta/entity/guid/{orders['guid']}/businessmetadata/{cm['name']}",
        json={steward: "x"},
        headers=headers,
    )
    assert one.status_code == 403
    every = requests.post(
        f"{url}/api/meta/entity/guid/{orders['guid']}/businessmetadata",
        json={cm["name"]: {steward: "x"}},
        headers=headers,
    )
    assert every.status_code == 403
    entity = {
        "typeName": "Table",
        "attributes": {"qualifiedName": orders["attributes"]["qualifiedName"], "name": "ORDERS"},
        "businessAttributes": {cm["name"]: {steward: "x"}},
    }
    bulk = requests.post(
        f"{url}/api/meta/entity/bulk",
        params={"replaceBusinessAttributes": "true"},
        json={"entities": [entity]},
        headers=headers,
    )
    assert bulk.status_code == 403
    assert (
        store.custom_metadata(orders["attributes"]["qualifiedName"])["Data Ownership"]["Steward"] == "jsmith"
    )
    # Reading and other writes still work for that token.
    assert requests.get(f"{url}/api/meta/entity/guid/{orders['guid']}", headers=headers).status_code == 200
