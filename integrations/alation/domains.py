"""The Domains filter: which Alation objects lie under the domains an integration chose.

Pure. Alation answers a domain's membership as rules (object in, or `exclude`d, and whether the
rule covers what is under the object: `recursive`). An object is in a domain when the nearest
rule on it or above it (its own rule, else a recursive one on its table, schema or data source)
says in. A chosen domain brings its subdomains along. Empty domains bring nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from integrations.alation.records import Domain, DomainRule, ObjectRef


@dataclass(frozen=True)
class DomainScope:
    """Rules by domain and object. `contains(chain)` takes the object first, then its parents."""

    domain_ids: frozenset[int]
    rules: dict[int, dict[ObjectRef, DomainRule]] = field(default_factory=dict)

    def contains(self, chain: Sequence[ObjectRef]) -> bool:
        return any(_in_domain(rules, chain) for rules in self.rules.values())


def _in_domain(rules: dict[ObjectRef, DomainRule], chain: Sequence[ObjectRef]) -> bool:
    for depth, ref in enumerate(chain):
        rule = rules.get(ref)
        if rule is not None and (depth == 0 or rule.recursive):
            return not rule.exclude
    return False


def domains_with_children(chosen: Iterable[int], domains: Iterable[Domain]) -> set[int]:
    """The chosen domain ids and every subdomain under them."""
    children: dict[int, list[int]] = defaultdict(list)
    for domain in domains:
        if domain.parent_id is not None:
            children[domain.parent_id].append(domain.id)
    result: set[int] = set()
    todo = list(chosen)
    while todo:
        domain_id = todo.pop()
        if domain_id not in result:
            result.add(domain_id)
            todo.extend(children.get(domain_id, []))
    return result


def domain_scope(domain_ids: Iterable[int], rules: Iterable[DomainRule]) -> DomainScope:
    ids = frozenset(domain_ids)
    by_domain: dict[int, dict[ObjectRef, DomainRule]] = {d: {} for d in ids}
    for rule in rules:
        if rule.domain_id in ids:
            by_domain[rule.domain_id][rule.ref] = rule
    return DomainScope(ids, by_domain)
