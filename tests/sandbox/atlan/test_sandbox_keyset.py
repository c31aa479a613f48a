"""Keyset paging (after a (createTime, guid)) through the sandbox's search."""

from __future__ import annotations

import requests

from integrations.atlan.client import AtlanClient
from integrations.atlan.queries import after_clause, term

SORT = [{"__timestamp": {"order": "asc"}}, {"__guid": {"order": "asc"}}]


def _search(sandbox, query, sort=SORT, size=1000):
    body = {"dsl": {"from": 0, "size": size, "query": query, "sort": sort}, "attributes": ["qualifiedName"]}
    answer = requests.post(f"{sandbox.url}/api/meta/search/indexsearch", json=body, headers=sandbox.headers())
    answer.raise_for_status()
    return [(e["createTime"], e["guid"]) for e in answer.json().get("entities", [])]


def test_the_after_clause_returns_exactly_what_sorts_after_the_key(atlan_sandbox):
    base = {"bool": {"filter": [term("__typeName.keyword", "Column")]}}
    everything = _search(atlan_sandbox, base)
    assert len(everything) > 20 and everything == sorted(everything)
    for cut in (0, 7, len(everything) // 2, len(everything) - 1):
        after = everything[cut]
        query = {"bool": {"filter": [*base["bool"]["filter"], after_clause(*after)]}}
        assert _search(atlan_sandbox, query) == everything[cut + 1 :]


def test_the_after_clause_with_another_sort_is_evaluated_as_a_plain_filter(atlan_sandbox):
    base = {"bool": {"filter": [term("__typeName.keyword", "Column")]}}
    everything = _search(atlan_sandbox, base)
    after = everything[10]
    query = {"bool": {"filter": [*base["bool"]["filter"], after_clause(*after)]}}
    by_guid = _search(atlan_sandbox, query, sort=[{"__guid": {"order": "asc"}}])
    assert sorted(by_guid) == everything[11:]


def test_the_client_pages_every_asset_once_by_keyset(atlan_sandbox, caplog):
    columns = {"bool": {"filter": [term("__typeName.keyword", "Column")]}}
    client = AtlanClient(atlan_sandbox.url, atlan_sandbox.token, bulk_paging_threshold=5)
    guids = [a.guid for a in client.search_assets(columns, page_size=7)]
    plain = AtlanClient(atlan_sandbox.url, atlan_sandbox.token)
    assert sorted(guids) == sorted(a.guid for a in plain.search_assets(columns, page_size=7))
    assert len(guids) == len(set(guids)) > 20
    assert "switching to timestamp paging" in caplog.text
