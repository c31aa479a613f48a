"""Data domains in the Atlan sandbox: `DataDomain` assets with subdomains, and membership as each
asset's `domainGUIDs`, searched over real HTTP and read by Atlan's own SDK."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.atlan.domains import domain_add, domain_assign, domain_unassign, domains_of
from sandbox.atlan.scenario import ScenarioError, build_store

SNOW = "default/snowflake/1700000000/SALES/PUBLIC"
FINANCE_DB = "default/mssql/1700000200/FINANCE"
FINANCE = "d0000000-0000-4000-8000-000000000002"
PRODUCT = "d0000000-0000-4000-8000-000000000003"


def _search(sandbox, *clauses: dict[str, Any], token: str | None = None, attributes=()) -> list[dict]:
    body = {
        "dsl": {"from": 0, "size": 100, "query": {"bool": {"filter": list(clauses)}}},
        "attributes": list(attributes),
    }
    answer = requests.post(
        f"{sandbox.url}/api/meta/search/indexsearch", json=body, headers=sandbox.headers(token)
    )
    assert answer.status_code == 200, answer.text
    return answer.json().get("entities", [])


def _type(name: str) -> dict:
    return {"term": {"__typeName.keyword": name}}


def test_domains_are_listed_with_their_parents(atlan_sandbox):
    domains = _search(
        atlan_sandbox,
        _type("DataDomain"),
        attributes=["parentDomainQualifiedName", "superDomainQualifiedName"],
    )
    by_name = {d["attributes"]["name"]: d for d in domains}
    assert set(by_name) == {"Sales", "Finance", "Product", "Product Analytics", "Marketing"}
    product = by_name["Product"]["attributes"]
    analytics = by_name["Product Analytics"]["attributes"]
    assert product["qualifiedName"].startswith("default/domain/") and product["qualifiedName"].endswith(
        "/super"
    )
    assert product["parentDomainQualifiedName"] is None
    assert analytics["qualifiedName"].startswith(product["qualifiedName"] + "/domain/")
    assert (
        analytics["parentDomainQualifiedName"]
        == analytics["superDomainQualifiedName"]
        == product["qualifiedName"]
    )


def test_assets_are_found_by_their_domain_and_answer_their_domain_guids(atlan_sandbox):
    members = _search(atlan_sandbox, {"terms": {"domainGUIDs": [FINANCE]}}, attributes=["domainGUIDs"])
    assert {(e["typeName"], e["attributes"]["qualifiedName"]) for e in members} == {
        ("Database", FINANCE_DB),
        ("Table", f"{SNOW}/PAYMENTS"),
    }
    assert all(e["attributes"]["domainGUIDs"] == [FINANCE] for e in members)
    # A subdomain's assets are its own: the parent domain holds none itself.
    assert _search(atlan_sandbox, {"term": {"domainGUIDs": PRODUCT}}) == []


def test_a_token_limited_to_one_connection_lists_every_domain_but_only_its_assets(atlan_sandbox):
    token = "plumbline-snowflake-only-token"
    assert len(_search(atlan_sandbox, _type("DataDomain"), token=token)) == 5
    members = _search(atlan_sandbox, {"terms": {"domainGUIDs": [FINANCE]}}, token=token)
    assert [e["attributes"]["name"] for e in members] == ["PAYMENTS"]


def test_membership_changes_as_a_steward_changes_it(atlan_sandbox):
    store = atlan_sandbox.store
    domain_assign(store, f"{SNOW}/ORDERS", "Finance")
    domain_unassign(store, f"{SNOW}/PAYMENTS", "Finance")
    assert domains_of(store, f"{SNOW}/ORDERS") == ["Finance"] and domains_of(store, f"{SNOW}/PAYMENTS") == []
    found = _search(atlan_sandbox, {"term": {"domainGUIDs": FINANCE}}, _type("Table"))
    assert [e["attributes"]["name"] for e in found] == ["ORDERS"]
    sub = domain_add(store, "Ledger", parent_qn=store.get(FINANCE)["attributes"]["qualifiedName"])
    assert sub["attributes"]["superDomainQualifiedName"] == store.get(FINANCE)["attributes"]["qualifiedName"]


def test_a_scenario_naming_an_unknown_asset_in_a_domain_is_refused():
    scenario = {"name": "x", "domains": [{"name": "Sales", "assets": ["default/snowflake/1/NOPE"]}]}
    with pytest.raises(ScenarioError, match=r"domains\[0\].assets\[0\]: no asset"):
        build_store(scenario)


def test_pyatlan_reads_the_domains_and_the_assets_in_them(atlan_sandbox):
    pytest.importorskip("pyatlan")
    from pyatlan.client.atlan import AtlanClient
    from pyatlan.model.assets import Asset, DataDomain
    from pyatlan.model.fluent_search import CompoundQuery, FluentSearch

    client = AtlanClient(base_url=atlan_sandbox.url, api_key=atlan_sandbox.token)
    domains = list(
        client.asset.search(
            FluentSearch()
            .where(CompoundQuery.asset_type(DataDomain))
            .include_on_results(DataDomain.PARENT_DOMAIN_QUALIFIED_NAME)
            .to_request()
        )
    )
    analytics = next(d for d in domains if d.name == "Product Analytics")
    assert isinstance(analytics, DataDomain) and analytics.parent_domain_qualified_name.endswith("/super")
    members = list(
        client.asset.search(
            FluentSearch()
            .where(Asset.DOMAIN_GUIDS.eq(FINANCE))
            .include_on_results(Asset.DOMAIN_GUIDS)
            .to_request()
        )
    )
    assert {a.name for a in members} == {"FINANCE", "PAYMENTS"}
    assert all(a.domain_g_u_i_ds == {FINANCE} for a in members)


def test_the_page_lists_the_domains_and_an_asset_page_names_its_own(atlan_sandbox):
    page = requests.get(f"{atlan_sandbox.url}/").text
    assert "<h2>Domains</h2>" in page and "Product › <b>Product Analytics</b>" in page
    payments = atlan_sandbox.store.find_qn(f"{SNOW}/PAYMENTS")["guid"]
    asset = requests.get(f"{atlan_sandbox.url}/assets/{payments}/overview").text
    assert "Domains: Finance" in asset
