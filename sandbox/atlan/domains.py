"""Atlan's data mesh in the sandbox: data domains (`DataDomain` assets) and which assets are in them.

What pyatlan (9.x to 11.x) shows and the sandbox follows: a domain is an asset of type
`DataDomain`, qualified `default/domain/<slug>/super` at the top and `<parent>/domain/<slug>`
below, with `parentDomainQualifiedName` and `superDomainQualifiedName`; an asset's domains are
its `domainGUIDs` attribute (a keyword field, so a search can filter on it). Unverified, and
chosen here: every token may list the domains (a persona limits assets, not the domain list),
and membership is only what `domainGUIDs` says (nothing is inherited from a parent asset).
"""

from __future__ import annotations

from typing import Any

from .store import Store

DOMAIN_TYPE = "DataDomain"
MEMBERSHIP = "domainGUIDs"


def domain_add(
    store: Store,
    name: str,
    *,
    parent_qn: str | None = None,
    guid: str | None = None,
    description: str = "",
    created_at: int | None = None,
) -> dict[str, Any]:
    """A new domain (a subdomain when `parent_qn` names one)."""
    with store.lock:
        slug = store.new_hash(f"domain:{name}")
        if parent_qn is None:
            qn, top = f"default/domain/{slug}/super", None
        else:
            parent = store.find(DOMAIN_TYPE, parent_qn)
            if parent is None:
                raise KeyError(f"no domain with qualifiedName {parent_qn!r}")
            qn = f"{parent_qn}/domain/{slug}"
            top = parent["attributes"].get("superDomainQualifiedName") or parent_qn
        attributes = {
            "qualifiedName": qn,
            "name": name,
            "description": description or None,
            "parentDomainQualifiedName": parent_qn,
            "superDomainQualifiedName": top,
        }
        return store.add_entity(DOMAIN_TYPE, attributes, guid=guid, created_at=created_at)


def domain_by_name(store: Store, name: str) -> dict[str, Any]:
    for domain in store.of_type(DOMAIN_TYPE):
        if domain["attributes"]["name"] == name:
            return domain
    raise KeyError(f"no domain named {name!r}")


def domain_assign(store: Store, qualified_name: str, domain_name: str, *, by: str = "jsmith") -> None:
    """Put an asset in a domain (by the domain's name), as a steward does in Atlan's UI."""
    with store.lock:
        entity = store.require_qn(qualified_name)
        guid = domain_by_name(store, domain_name)["guid"]
        current = list(entity["attributes"].get(MEMBERSHIP) or [])
        if guid not in current:
            store.apply_attributes(entity, {MEMBERSHIP: [*current, guid]}, by)


def domain_unassign(store: Store, qualified_name: str, domain_name: str, *, by: str = "jsmith") -> None:
    with store.lock:
        entity = store.require_qn(qualified_name)
        guid = domain_by_name(store, domain_name)["guid"]
        current = list(entity["attributes"].get(MEMBERSHIP) or [])
        if guid in current:
            store.apply_attributes(entity, {MEMBERSHIP: [g for g in current if g != guid] or None}, by)


def domains_of(store: Store, qualified_name: str) -> list[str]:
    """The names of the domains an asset is in (directly)."""
    with store.lock:
        entity = store.require_qn(qualified_name)
        names = []
        for guid in entity["attributes"].get(MEMBERSHIP) or []:
            domain = store.get(guid)
            if domain is not None:
                names.append(domain["attributes"]["name"])
        return names


def domains_listing(store: Store) -> list[tuple[str, str, int]]:
    """(name, parent name, assets in it) of every domain, for the sandbox's page."""
    with store.lock:
        counts: dict[str, int] = {}
        for entity in store.entities.values():
            for guid in entity["attributes"].get(MEMBERSHIP) or []:
                counts[guid] = counts.get(guid, 0) + 1
        domains = list(store.of_type(DOMAIN_TYPE))
        names = {d["attributes"]["qualifiedName"]: d["attributes"]["name"] for d in domains}
        return [
            (
                d["attributes"]["name"],
                names.get(d["attributes"].get("parentDomainQualifiedName") or "", ""),
                counts.get(d["guid"], 0),
            )
            for d in domains
        ]
