"""The integration's scope in Alation: the data sources to consider and the domains to sync.

The domains' membership rules are read once per run; then every check is pure (`domains.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.alation.client import AlationClient
from integrations.alation.domains import DomainScope, domain_scope, domains_with_children
from integrations.alation.records import ObjectRef
from integrations.scope import scope_entries, scope_ids


@dataclass(frozen=True)
class AlationScope:
    """What the integration's domains and data sources let in. None: that side does not limit."""

    domains: DomainScope | None = None
    sources: frozenset[str] | None = None  # data source ids, as stored

    def source_in(self, ds_id: int) -> bool:
        return self.sources is None or str(ds_id) in self.sources

    def contains(self, *chain: ObjectRef) -> bool:
        """The object (first), in its parents, is in the domains."""
        return self.domains is None or self.domains.contains(chain)


@dataclass
class ScopeRead:
    scope: AlationScope
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def scope_read(client: AlationClient, parameters: Mapping[str, Any]) -> ScopeRead:
    """Read the chosen domains' membership rules from Alation (nothing when none is chosen)."""
    read = ScopeRead(AlationScope())
    sources = scope_entries(parameters, "connections")
    domains = scope_ids(parameters, "domains")
    if domains:
        known = list(client.domains())
        titles = {d.id: d.title for d in known}
        chosen = [int(d) for d in domains if d.isdigit() and int(d) in titles]
        missing = [d for d in domains if not d.isdigit() or int(d) not in titles]
        if missing:
            read.warnings.append(
                f"Alation has no domain {', '.join(missing)} (deleted?); edit the integration."
            )
        ids = sorted(domains_with_children(chosen, known))
        rules = [*client.domain_rules(ids), *client.domain_rules(ids, exclude=True)]
        names = ", ".join(titles[d] for d in chosen) or "none"
        read.lines.append(
            f"Domains filter: only assets in {names} ({len(ids)} domain(s), {len(rules)} rule(s)) sync."
        )
        read.scope = AlationScope(domains=domain_scope(ids, rules))
    if sources:
        read.lines.append(
            f"Data sources: only datastores in {', '.join(e.name for e in sources)} are matched."
        )
        read.scope = AlationScope(read.scope.domains, frozenset(e.id for e in sources))
    return read
