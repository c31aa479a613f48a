"""The Atlan scope's rules, without a catalog: subdomains, inheritance from containers, connections."""

from __future__ import annotations

from integrations.atlan.records import AtlanAsset
from integrations.atlan.scope import atlan_scope, domain_paths, domains_with_subdomains, qn_ancestors

CONN = "default/snowflake/1"
SCH = f"{CONN}/DB/SCH"


def asset(type_name: str, qn: str, guid: str = "", **attributes) -> AtlanAsset:
    return AtlanAsset(guid or qn, type_name, qn, qn.rsplit("/", 1)[-1], attributes=attributes)


def domain(guid: str, name: str, qn: str, parent: str | None = None) -> AtlanAsset:
    return AtlanAsset(guid, "DataDomain", qn, name, attributes={"parentDomainQualifiedName": parent})


DOMAINS = [
    domain("a", "Product", "default/domain/p/super"),
    domain("b", "Analytics", "default/domain/p/super/domain/x", "default/domain/p/super"),
    domain("c", "Deep", "default/domain/p/super/domain/x/domain/y", "default/domain/p/super/domain/x"),
    domain("d", "Sales", "default/domain/s/super"),
]


def test_ancestors_run_from_the_connection_down_to_the_asset():
    assert qn_ancestors(f"{SCH}/T") == [CONN, f"{CONN}/DB", SCH, f"{SCH}/T"]


def test_a_chosen_domain_brings_every_subdomain_and_unknown_ids_bring_nothing():
    assert domains_with_subdomains(["a"], DOMAINS) == {"a", "b", "c"}
    assert domains_with_subdomains(["b", "gone"], DOMAINS) == {"b", "c"}


def test_domains_are_named_under_their_parents():
    assert domain_paths(DOMAINS)["c"] == "Product › Analytics › Deep"


def test_a_table_is_in_by_itself_or_by_a_container_above_it():
    scope = atlan_scope(
        connections=None,
        domains={"a"},
        members=[asset("Table", f"{SCH}/ORDERS"), asset("Database", "default/pg/2/APP")],
    )
    assert scope.asset_in(f"{SCH}/ORDERS") and not scope.asset_in(f"{SCH}/ITEMS")
    assert not scope.asset_in(SCH) and scope.schema_touched(SCH)
    assert scope.asset_in("default/pg/2/APP/public/users") and scope.schema_touched("default/pg/2/APP/public")
    assert not scope.schema_touched(f"{CONN}/DB/OTHER")


def test_no_domains_chosen_lets_everything_in_and_connections_limit_on_their_own():
    scope = atlan_scope(connections=[CONN], domains=None)
    assert scope.asset_in(f"{SCH}/ANY") and scope.schema_touched(SCH)
    assert scope.connection_in(CONN) and not scope.connection_in("default/pg/2")
    assert atlan_scope(connections=None, domains=None).connection_in("anything")
    assert not atlan_scope(connections=None, domains=set()).schema_touched(SCH)  # an empty domain
