"""The sandbox narrows searches on qualifiedName by bisection; answers must equal a full scan."""

from __future__ import annotations

import requests

from integrations.atlan.queries import prefix, term


def _guids(sandbox, query):
    body = {"dsl": {"from": 0, "size": 5000, "query": query}, "attributes": ["qualifiedName"]}
    answer = requests.post(f"{sandbox.url}/api/meta/search/indexsearch", json=body, headers=sandbox.headers())
    answer.raise_for_status()
    return sorted(e["guid"] for e in answer.json().get("entities", []))


def _scan(sandbox, keep):
    return sorted(g for g, e in sandbox.store.entities.items() if keep(e["attributes"]["qualifiedName"]))


def test_prefix_and_term_on_qualified_name_match_a_full_scan(atlan_sandbox):
    schema = "default/snowflake/1700000000/SALES/PUBLIC"
    table = f"{schema}/ORDERS"
    assert _guids(atlan_sandbox, prefix("qualifiedName", f"{schema}/")) == _scan(
        atlan_sandbox, lambda qn: qn.startswith(f"{schema}/")
    )
    # A table prefix also catches ORDERS_ARCHIVE and ORDER_ITEMS-like names: exactly like a scan.
    query = {
        "bool": {
            "should": [term("qualifiedName", schema), prefix("qualifiedName", table)],
            "minimum_should_match": 1,
        }
    }
    assert _guids(atlan_sandbox, query) == _scan(
        atlan_sandbox, lambda qn: qn == schema or qn.startswith(table)
    )


def test_the_index_follows_new_assets(atlan_sandbox):
    schema = "default/snowflake/1700000000/SALES/PUBLIC"
    before = _guids(atlan_sandbox, prefix("qualifiedName", f"{schema}/NEW_TABLE"))
    body = {
        "entities": [
            {
                "typeName": "Table",
                "guid": "-1",
                "attributes": {
                    "qualifiedName": f"{schema}/NEW_TABLE",
                    "name": "NEW_TABLE",
                    "atlanSchema": {"typeName": "Schema", "uniqueAttributes": {"qualifiedName": schema}},
                },
            }
        ]
    }
    created = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/bulk", json=body, headers=atlan_sandbox.headers()
    )
    assert created.status_code == 200, created.text
    after = _guids(atlan_sandbox, prefix("qualifiedName", f"{schema}/NEW_TABLE"))
    assert before == [] and len(after) == 1
