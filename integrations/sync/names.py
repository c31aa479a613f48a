"""Pairing Plumbline names with catalog names, without regard to case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from integrations.sync.assets import CatalogAsset

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass
class NameMatches(Generic[K, T]):
    matched: dict[K, T] = field(default_factory=dict)
    unmatched: list[K] = field(default_factory=list)
    ambiguous: dict[K, list[T]] = field(default_factory=dict)
    catalog_only: list[T] = field(default_factory=list)


def names_match(
    plumbline: Mapping[K, str], catalog: Iterable[T], name_of: Callable[[T], str]
) -> NameMatches[K, T]:
    """Pair each Plumbline name with the one catalog item of the same name, ignoring case.

    Two catalog items whose names differ only in case make the name ambiguous: picking one by
    case would be a guess, and a wrong guess writes to the wrong asset.
    """
    by_name: dict[str, list[T]] = defaultdict(list)
    for item in catalog:
        by_name[name_of(item).casefold()].append(item)
    result: NameMatches[K, T] = NameMatches()
    used: set[str] = set()
    for key, name in plumbline.items():
        folded = name.casefold()
        candidates = by_name.get(folded, [])
        if len(candidates) == 1:
            result.matched[key] = candidates[0]
        elif candidates:
            result.ambiguous[key] = candidates
        else:
            result.unmatched.append(key)
        used.add(folded)
    result.catalog_only = [item for folded, items in by_name.items() if folded not in used for item in items]
    return result


def ambiguous_reason(what: str, name: str, candidates: Iterable[CatalogAsset]) -> str:
    names = sorted(f"{c.type_name} {c.qualified_name}" for c in candidates)
    return f"{len(names)} catalog {what}s match {name!r} without regard to case: " + "; ".join(names)
