"""The integration's scope in Atlan: the connections to consider and the data domains to sync.

Atlan keeps an asset's data domains in its `domainGUIDs` attribute; a domain (`DataDomain`) may
have subdomains (`parentDomainQualifiedName`). Plumbline's reading, which Atlan does not spell out:
a chosen domain brings its subdomains along, and a table is in scope when it is in one of them
itself or lies under a connection, database or schema that is. Columns go with their table.
The membership is read once per run (two searches), then every check here is pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.atlan.client import AtlanClient
from integrations.atlan.matching import TABLE_TYPES
from integrations.atlan.queries import bool_filter, term, terms
from integrations.atlan.records import AtlanAsset
from integrations.scope import ScopeEntry, scope_entries

DOMAIN_TYPE = "DataDomain"
MEMBERSHIP = "domainGUIDs"
PARENT = "parentDomainQualifiedName"
CONTAINER_TYPES = ("Connection", "Database", "Schema")
PAGE_SIZE = 200


def qn_ancestors(qualified_name: str) -> list[str]:
    """`default/snowflake/1/DB/SCH/T` → its connection, database, schema and itself."""
    parts = qualified_name.split("/")
    return ["/".join(parts[:i]) for i in range(3, len(parts) + 1)]


@dataclass(frozen=True)
class AtlanScope:
    """What the integration's connections and domains let in. None: that side does not limit."""

    connections: frozenset[str] | None = None
    domains: frozenset[str] | None = None
    # Connections, databases and schemas in the domains: everything under them is in.
    containers: frozenset[str] = frozenset()
    # Tables and views in the domains themselves.
    tables: frozenset[str] = frozenset()
    _schemas_touched: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def limited(self) -> bool:
        return self.connections is not None or self.domains is not None

    def connection_in(self, connection_qn: str) -> bool:
        return self.connections is None or connection_qn in self.connections

    def asset_in(self, qualified_name: str) -> bool:
        """A schema or a table (a column asks for its table)."""
        if self.domains is None or qualified_name in self.tables:
            return True
        return any(qn in self.containers for qn in qn_ancestors(qualified_name))

    def schema_touched(self, schema_qn: str) -> bool:
        """The schema, or at least one table in it, is in the domains."""
        return self.asset_in(schema_qn) or schema_qn in self._schemas_touched


def atlan_scope(
    *,
    connections: Iterable[str] | None,
    domains: Iterable[str] | None,
    members: Iterable[AtlanAsset] = (),
) -> AtlanScope:
    """The scope from the chosen connections, the domain GUIDs (subdomains included) and the
    assets found in those domains."""
    containers, tables = set(), set()
    for asset in members:
        if asset.type_name in TABLE_TYPES:
            tables.add(asset.qualified_name)
        elif asset.type_name in CONTAINER_TYPES:
            containers.add(asset.qualified_name)
    return AtlanScope(
        connections=frozenset(connections) if connections is not None else None,
        domains=frozenset(domains) if domains is not None else None,
        containers=frozenset(containers),
        tables=frozenset(tables),
        _schemas_touched=frozenset(qn.rsplit("/", 1)[0] for qn in tables),
    )


def domains_with_subdomains(chosen: Iterable[str], domains: Iterable[AtlanAsset]) -> set[str]:
    """The GUIDs of the chosen domains and of every domain under them."""
    listed = list(domains)
    guid_of = {d.qualified_name: d.guid for d in listed}
    children: dict[str, list[str]] = defaultdict(list)
    for domain in listed:
        parent = guid_of.get(str(domain.attributes.get(PARENT) or ""))
        if parent is not None:
            children[parent].append(domain.guid)
    result: set[str] = set()
    todo = [g for g in chosen if g in guid_of.values()]
    while todo:
        guid = todo.pop()
        if guid not in result:
            result.add(guid)
            todo.extend(children.get(guid, []))
    return result


def domain_paths(domains: Iterable[AtlanAsset]) -> dict[str, str]:
    """Each domain's GUID → its name under its parents', e.g. "Product › Product Analytics"."""
    listed = list(domains)
    by_qn = {d.qualified_name: d for d in listed}

    def path(domain: AtlanAsset, depth: int = 0) -> str:
        parent = by_qn.get(str(domain.attributes.get(PARENT) or ""))
        if parent is None or depth > 20:
            return domain.name
        return f"{path(parent, depth + 1)} › {domain.name}"

    return {d.guid: path(d) for d in listed}


def domains_list(client: AtlanClient) -> list[AtlanAsset]:
    query = bool_filter(term("__state", "ACTIVE"), term("__typeName.keyword", DOMAIN_TYPE))
    return list(client.search_assets(query, attributes=[PARENT], page_size=PAGE_SIZE))


def domain_members(client: AtlanClient, domain_guids: Iterable[str]) -> list[AtlanAsset]:
    """Connections, databases, schemas, tables and views in the domains (as far as the token sees)."""
    query = bool_filter(
        term("__state", "ACTIVE"),
        terms("__typeName.keyword", [*CONTAINER_TYPES, *TABLE_TYPES]),
        terms(MEMBERSHIP, sorted(domain_guids)),
    )
    return list(client.search_assets(query, attributes=[MEMBERSHIP], page_size=PAGE_SIZE))


@dataclass
class ScopeRead:
    """The scope, and what to say about it in the run's log."""

    scope: AtlanScope
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def scope_read(client: AtlanClient, parameters: Mapping[str, Any]) -> ScopeRead:
    """Read the domains' membership from Atlan for the chosen scope (nothing when none is chosen)."""
    chosen_connections = scope_entries(parameters, "connections")
    chosen_domains = scope_entries(parameters, "domains")
    connections = [e.id for e in chosen_connections] if chosen_connections else None
    read = ScopeRead(atlan_scope(connections=connections, domains=None))
    if chosen_connections:
        read.lines.append(f"Connections: only datastores in {_names(chosen_connections)} are matched.")
    if not chosen_domains:
        return read
    listed = domains_list(client)
    guids = domains_with_subdomains([e.id for e in chosen_domains], listed)
    missing = [e for e in chosen_domains if e.id not in guids]
    if missing:
        read.warnings.append(
            f"Atlan has no domain {_names(missing)} (deleted?): edit the integration's Domains."
        )
    members = domain_members(client, guids) if guids else []
    read.scope = atlan_scope(connections=connections, domains=guids, members=members)
    found = [e for e in chosen_domains if e.id in guids]
    read.lines.append(
        f"Domains: only assets in {_names(found) or 'no domain'} ({len(guids)} domain(s) with their "
        f"subdomains) sync: {len(read.scope.containers)} connection(s), database(s) or schema(s) "
        f"and {len(read.scope.tables)} table(s) are in them."
    )
    if not members:
        read.warnings.append(
            "The chosen domains hold no asset this token can see, so nothing syncs: check the domains "
            "in Atlan, or the token's persona."
        )
    return read


def _names(entries: Iterable[ScopeEntry]) -> str:
    return ", ".join(e.name for e in entries)
