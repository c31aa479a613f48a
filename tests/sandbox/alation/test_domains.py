"""Domains: the list, membership rules paged through X-Next-Page while the body is re-sent,
assigning and removing objects, and the effective membership a sync limited to domains needs."""

from __future__ import annotations

from .conftest import ORDERS, SALES_ONLY_REFRESH

RULES = "/integration/v2/domain/membership/view_rules/"


def test_domains_list_with_parents(api):
    domains = api.get("/integration/v2/domain/").json()
    assert [d["title"] for d in domains] == ["Sales", "Product", "Finance", "Orders"]
    assert list(domains[0]) == ["id", "title", "description", "parent_id"]
    assert api.get("/integration/v2/domain/", parent_id=1).json()[0]["title"] == "Orders"


def test_membership_rules_page_while_the_client_resends_the_body(api):
    body = {"domain_id": [1, 4], "exclude": False}
    first = api.post(RULES, body, limit=2)
    assert first.headers["X-Next-Page"] == f"{RULES}?skip=2&limit=2"
    rows = first.json()
    nxt = first.headers.get("X-Next-Page")
    while nxt:
        page = api.request("POST", nxt, json=body)
        rows += page.json()
        nxt = page.headers.get("X-Next-Page")
    assert list(rows[0]) == ["domain_id", "exclude", "recursive", "otype", "oid"]
    assert [(r["domain_id"], r["otype"]) for r in rows] == [
        (1, "data"),
        (4, "table"),
        (4, "table"),
        (4, "table"),
    ]
    excluded = api.post(RULES, {"domain_id": [1], "exclude": True}).json()
    assert [(r["otype"], r["oid"]) for r in excluded] == [api.ref("1.SALES.STAGING")]
    assert api.post(RULES, {"domain_id": [1]}).json() == {"exclude": ["This field is required."]}


def test_objects_are_assigned_to_and_removed_from_a_domain(api, alation_sandbox):
    store = alation_sandbox.store
    otype, oid = api.ref("3.FINANCE.dbo.budgets")
    r = api.post("/integration/v2/domain/membership/", {"id": 1, "oid": [oid], "otype": otype})
    assert (r.status_code, r.json()) == (201, {"exclude": False, "id": 1, "oid": [oid], "otype": "table"})
    assert 1 in store.domains.domains_of(store.catalog, (otype, oid))
    api.post("/integration/v2/domain/membership/remove/", {"id": 1, "oid": [oid], "otype": otype})
    assert 1 not in store.domains.domains_of(store.catalog, (otype, oid))
    assert (
        api.post("/integration/v2/domain/membership/", {"id": 99, "oid": [oid], "otype": otype}).status_code
        == 404
    )


def test_effective_membership_follows_recursive_rules_and_exclusions(alation_sandbox):
    store = alation_sandbox.store

    def titles(key: str) -> set[str]:
        return {
            store.domains.domains[d]["title"] for d in store.domains.domains_of(store.catalog, store.ref(key))
        }

    assert titles(f"{ORDERS}.ORDER_ID") == {"Sales", "Orders"}
    assert titles("1.SALES.PUBLIC.CUSTOMERS") == {"Sales"}
    assert titles("1.SALES.STAGING.STG_ORDERS") == set()
    assert titles("2.public.users") == {"Product"} and titles("4.main.analytics.web_sessions") == set()


def test_a_limited_user_sees_only_rules_on_its_objects(client_for):
    limited = client_for(SALES_ONLY_REFRESH)
    rows = limited.post(RULES, {"domain_id": [1, 2, 3, 4], "exclude": False}).json()
    assert {r["domain_id"] for r in rows} == {1, 4}
