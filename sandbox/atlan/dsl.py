"""Evaluate the subset of Elasticsearch query DSL that Atlan clients send to index search.

Supported: bool (filter / must / must_not / should + minimum_should_match), term (short form and
{"value", "case_insensitive"}), terms, prefix, exists, range (gt/gte/lt/lte), match, match_all;
sort on any field incl. `__guid`, `__timestamp`, `name.keyword`, several keys, asc/desc.
A query is compiled once into a predicate, then run over the candidate assets.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from typing import Any

from .store import SUPER_TYPES, Store

Predicate = Callable[[dict[str, Any]], bool]
Accessor = Callable[[dict[str, Any]], list[Any]]


class DslError(ValueError):
    """The query uses a clause or shape the sandbox does not understand (answered with 400)."""


_SUFFIXES = (".keyword", ".text", ".stemmed")


def _base(field: str) -> str:
    """The field without a .keyword / .text / .stemmed suffix (Atlan's sub-fields of one value)."""
    base = field
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and base not in ("__typeName.keyword", "__superTypeNames.keyword"):
            base = base[: -len(suffix)]
    return base


def _plain_attribute(store: Store, field: str) -> str | None:
    """The attribute `field` reads when it is an ordinary attribute (as `accessor` decides)."""
    base = _base(field)
    if base.startswith("__"):
        return None
    if "." in base and base.split(".", 1)[0] in store.typedefs["businessMetadataDefs"]:
        return None
    return base


def _term_matcher(store: Store, field: str, wanted: Any) -> Predicate:
    """A case-sensitive term: the same test as `wanted in accessor(store, field)(e)`, without
    making a list for every asset on the fields every query filters on."""
    base = _base(field)
    if base in ("__typeName", "__typeName.keyword"):
        return lambda e: e["typeName"] == wanted
    if base == "__state":
        return lambda e: e["status"] == wanted
    name = _plain_attribute(store, field)
    if name is None:
        get = accessor(store, field)
        return lambda e: wanted in get(e)

    def matches(e: dict[str, Any]) -> bool:
        value = e["attributes"].get(name)
        if value is None:
            return False
        if isinstance(value, (list, tuple, set)):
            return any(v == wanted for v in value)
        return bool(value == wanted)

    return matches


def accessor(store: Store, field: str) -> Accessor:
    """A function returning the indexed values of `field` for an asset (always a list)."""
    base = _base(field)
    if base in ("__typeName", "__typeName.keyword"):
        return lambda e: [e["typeName"]]
    if base in ("__superTypeNames", "__superTypeNames.keyword"):
        return lambda e: SUPER_TYPES.get(e["typeName"], ["Asset", "Referenceable"])
    if base == "__state":
        return lambda e: [e["status"]]
    if base == "__guid":
        return lambda e: [e["guid"]]
    if base == "__timestamp":
        return lambda e: [e["createTime"]]
    if base == "__modificationTimestamp":
        return lambda e: [e["updateTime"]]
    if base == "__createdBy":
        return lambda e: [e["createdBy"]]
    if base == "__modifiedBy":
        return lambda e: [e["updatedBy"]]
    if base == "__traitNames":
        return lambda e: [t["typeName"] for t in e["tags"]]
    if base == "__propagatedTraitNames":
        return lambda e: [t["typeName"] for t in store.propagated_classifications(e)]
    if base in ("__classificationNames", "__classificationsText"):
        return lambda e: [t["typeName"] for t in store.classifications(e)]
    if base == "__propagatedClassificationNames":
        return lambda e: [t["typeName"] for t in store.propagated_classifications(e)]
    if base.startswith("__"):
        return lambda e: []
    if "." in base:
        set_hash, attr_hash = base.split(".", 1)
        if set_hash in store.typedefs["businessMetadataDefs"]:
            return lambda e: _as_list(e["business"].get(set_hash, {}).get(attr_hash))
    return lambda e: _as_list(e["attributes"].get(base))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _single(clause: Any, name: str) -> tuple[str, Any]:
    if not isinstance(clause, dict) or not clause:
        raise DslError(f"[{name}] query malformed, expected an object with one field")
    items = [(k, v) for k, v in clause.items() if k not in ("boost", "_name")]
    if len(items) != 1:
        raise DslError(f"[{name}] query doesn't support multiple fields")
    return items[0]


def _norm(value: Any, insensitive: bool) -> Any:
    return value.lower() if insensitive and isinstance(value, str) else value


def compile_query(store: Store, query: Any) -> Predicate:
    if query is None:
        return lambda e: True
    if not isinstance(query, dict) or len(query) != 1:
        raise DslError("a query clause must be an object with exactly one key")
    kind, body = next(iter(query.items()))
    if kind == "match_all":
        return lambda e: True
    if kind == "match_none":
        return lambda e: False
    if kind == "bool":
        return _compile_bool(store, body)
    if kind == "term":
        field, spec = _single(body, "term")
        if isinstance(spec, dict):
            if "value" not in spec:
                raise DslError("[term] query malformed, no value")
            value, insensitive = spec["value"], bool(spec.get("case_insensitive", False))
        else:
            value, insensitive = spec, False
        if not insensitive:
            return _term_matcher(store, field, value)
        get = accessor(store, field)
        wanted = _norm(value, insensitive)
        return lambda e: any(_norm(v, insensitive) == wanted for v in get(e))
    if kind == "terms":
        field, values = _single(body, "terms")
        if not isinstance(values, list):
            raise DslError("[terms] query requires a list of values")
        get = accessor(store, field)
        wanted_set = set(values)
        if _base(field) in ("__typeName", "__typeName.keyword"):
            return lambda e: e["typeName"] in wanted_set
        return lambda e: not wanted_set.isdisjoint(get(e))
    if kind == "prefix":
        field, spec = _single(body, "prefix")
        if isinstance(spec, dict):
            value, insensitive = spec.get("value"), bool(spec.get("case_insensitive", False))
        else:
            value, insensitive = spec, False
        if not isinstance(value, str):
            raise DslError("[prefix] query requires a string value")
        get = accessor(store, field)
        prefix = _norm(value, insensitive)
        return lambda e: any(isinstance(v, str) and _norm(v, insensitive).startswith(prefix) for v in get(e))
    if kind == "exists":
        if not isinstance(body, dict) or "field" not in body:
            raise DslError("[exists] query requires a field")
        get = accessor(store, body["field"])
        return lambda e: any(v is not None and v != "" for v in get(e))
    if kind == "range":
        field, spec = _single(body, "range")
        if not isinstance(spec, dict):
            raise DslError("[range] query malformed")
        get = accessor(store, field)
        bounds = [(op, spec[op]) for op in ("gt", "gte", "lt", "lte") if op in spec]
        return lambda e: any(_in_range(v, bounds) for v in get(e))
    if kind in ("match", "match_phrase"):
        field, spec = _single(body, kind)
        text = spec.get("query") if isinstance(spec, dict) else spec
        get = accessor(store, field)
        words = _words(str(text))
        return lambda e: any(words <= _words(str(v)) for v in get(e)) if words else True
    raise DslError(f"unsupported query clause [{kind}]")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _in_range(value: Any, bounds: list[tuple[str, Any]]) -> bool:
    try:
        for op, bound in bounds:
            if (
                (op == "gt" and not value > bound)
                or (op == "gte" and not value >= bound)
                or (op == "lt" and not value < bound)
                or (op == "lte" and not value <= bound)
            ):
                return False
    except TypeError:
        return False
    return True


def _clauses(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    return value if isinstance(value, list) else [value]


def _compile_bool(store: Store, body: Any) -> Predicate:
    if not isinstance(body, dict):
        raise DslError("[bool] query malformed")
    unknown = set(body) - {"filter", "must", "must_not", "should", "minimum_should_match", "boost", "_name"}
    if unknown:
        raise DslError(f"[bool] query does not support {sorted(unknown)}")
    required = [compile_query(store, c) for c in _clauses(body, "filter") + _clauses(body, "must")]
    excluded = [compile_query(store, c) for c in _clauses(body, "must_not")]
    optional = [compile_query(store, c) for c in _clauses(body, "should")]
    minimum = body.get("minimum_should_match")
    if minimum is None:
        minimum = 0 if required else (1 if optional else 0)
    minimum = int(minimum)

    if not excluded and not minimum:
        if len(required) == 1:
            return required[0]

        def all_required(e: dict[str, Any]) -> bool:
            for p in required:  # noqa: SIM110 - a loop, not all() over a generator: faster per asset
                if not p(e):
                    return False
            return True

        return all_required

    def predicate(e: dict[str, Any]) -> bool:
        for p in required:
            if not p(e):
                return False
        for p in excluded:
            if p(e):
                return False
        if minimum:
            hits = 0
            for p in optional:
                if p(e):
                    hits += 1
                    if hits >= minimum:
                        break
            return hits >= minimum
        return True

    return predicate


def candidate_guids(store: Store, query: Any) -> Iterable[str]:
    """Narrow the assets to scan using the type / connection / guid terms every real query has."""
    filters: list[Any] = []
    if isinstance(query, dict) and "bool" in query and isinstance(query["bool"], dict):
        filters = _clauses(query["bool"], "filter") + _clauses(query["bool"], "must")
    elif isinstance(query, dict):
        filters = [query]
    narrowed: list[Iterable[str]] = []
    for clause in filters:
        by_name = _qn_candidates(store, clause)
        if by_name is not None:
            narrowed.append(by_name)
            continue
        if not isinstance(clause, dict) or len(clause) != 1:
            continue
        kind, body = next(iter(clause.items()))
        if kind not in ("term", "terms") or not isinstance(body, dict):
            continue
        try:
            field, spec = _single(body, kind)
        except DslError:
            continue
        if kind == "term":
            if isinstance(spec, dict):
                if spec.get("case_insensitive"):
                    continue
                values = [spec.get("value")]
            else:
                values = [spec]
        else:
            values = spec if isinstance(spec, list) else []
        if field in ("__typeName.keyword", "__typeName"):
            merged: dict[str, None] = {}
            for v in values:
                merged.update(store.guids_of_type(str(v)))
            narrowed.append(merged)
        elif field in ("connectionQualifiedName",):
            merged = {}
            for v in values:
                merged.update(dict.fromkeys(store.in_connection(str(v))))
            narrowed.append(merged)
        elif field == "__guid":
            narrowed.append([str(v) for v in values if str(v) in store.entities])
    if isinstance(query, dict) and isinstance(query.get("bool"), dict):
        # "should" with a minimum of one: the union of its clauses, when each can be looked up.
        inner = query["bool"]
        should = _clauses(inner, "should")
        if should and inner.get("minimum_should_match", 0) and int(inner["minimum_should_match"]) >= 1:
            parts = [_qn_candidates(store, clause) for clause in should]
            if all(part is not None for part in parts):
                narrowed.append(list(dict.fromkeys(g for part in parts for g in part)))
    if not narrowed:
        return list(store.entities)
    smallest = min(narrowed, key=lambda n: len(n) if hasattr(n, "__len__") else 0)
    return list(smallest)


def _qn_sorted(store: Store) -> tuple[list[str], list[str]]:
    """Qualified names in order with their guids, rebuilt only after the store changed."""
    cache = getattr(store, "_qn_sorted_cache", None)
    stamp = (store.names_version, store.structure_version)
    if cache is None or cache[0] != stamp:
        pairs = sorted((e["attributes"]["qualifiedName"], g) for g, e in store.entities.items())
        cache = (stamp, [qn for qn, _ in pairs], [g for _, g in pairs])
        store._qn_sorted_cache = cache
    return cache[1], cache[2]


def _qn_candidates(store: Store, clause: Any) -> list[str] | None:
    """Guids a term or prefix on qualifiedName can match (by bisection), or None for other clauses."""
    if not isinstance(clause, dict) or len(clause) != 1:
        return None
    kind, body = next(iter(clause.items()))
    if kind not in ("term", "prefix") or not isinstance(body, dict) or set(body) != {"qualifiedName"}:
        return None
    spec = body["qualifiedName"]
    if isinstance(spec, dict):
        if spec.get("case_insensitive"):
            return None
        spec = spec.get("value")
    if not isinstance(spec, str):
        return None
    keys, guids = _qn_sorted(store)
    low = bisect.bisect_left(keys, spec)
    high = (
        bisect.bisect_right(keys, spec) if kind == "term" else bisect.bisect_left(keys, spec + "\U0010ffff")
    )
    return guids[low:high]


def sort_entities(store: Store, entities: list[dict[str, Any]], sort: Any) -> list[dict[str, Any]]:
    """Stable multi-key sort; missing values go last in either direction, as in Elastic."""
    specs: list[tuple[str, bool]] = []
    for item in sort or []:
        if isinstance(item, str):
            specs.append((item, False))
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise DslError("each sort entry must be an object with one field")
        field, spec = next(iter(item.items()))
        order = spec.get("order", "asc") if isinstance(spec, dict) else str(spec)
        if order not in ("asc", "desc"):
            raise DslError(f"sort order must be asc or desc, not {order!r}")
        specs.append((field, order == "desc"))
    result = list(entities)
    for field, descending in reversed(specs):
        get = accessor(store, field)

        def key(e: dict[str, Any], get: Accessor = get) -> tuple[int, int, Any]:
            values = get(e)
            if not values:
                return (0, 0, 0)
            v = values[0]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return (1, 0, v)
            return (1, 1, str(v))

        present = [e for e in result if get(e)]
        missing = [e for e in result if not get(e)]
        present.sort(key=key, reverse=descending)
        result = present + missing
    return result
