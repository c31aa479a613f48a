"""The sandbox's fast paths for paged searches answer exactly what evaluating the query afresh
answers (same guids, same order, same counts), page after page, also when assets change between
pages: Plumbline's keyset pages, pyatlan's bulk paging by a `__timestamp` range and offset paging."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.atlan import api as api_module
from sandbox.atlan.dsl import compile_query, sort_entities
from sandbox.atlan.generator import generate
from sandbox.atlan.server import start_sandbox

TS_SORT = [{"__timestamp": {"order": "asc"}}, {"__guid": {"order": "asc"}}]
GUID_SORT = [{"__guid": {"order": "asc"}}]
SIZE = 25
SF_DEMO = "default/snowflake/1700000000"


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return generate(tables=24, columns=12, connections=2)[0]


@pytest.fixture
def sandbox(scenario):
    handle = start_sandbox(scenario)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def compiles(monkeypatch) -> list[Any]:
    """Every query the sandbox compiles (the generic path); the fast paths compile none."""
    seen: list[Any] = []
    original = api_module.compile_query

    def counting(store, query):
        seen.append(query)
        return original(store, query)

    monkeypatch.setattr(api_module, "compile_query", counting)
    return seen


def _conn(sandbox) -> str:
    return next(iter(sandbox.store.of_type("Connection")))["attributes"]["qualifiedName"]


def _query(sandbox, *extra: Any, must: list[Any] | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {
        "filter": [
            {"term": {"__state": {"value": "ACTIVE", "case_insensitive": False}}},
            {"terms": {"__typeName.keyword": ["Table", "Column"]}},
            {"term": {"connectionQualifiedName": {"value": _conn(sandbox), "case_insensitive": False}}},
            *extra,
        ]
    }
    if must is not None:
        inner["must"] = must
    return {"bool": inner}


def _search(sandbox, query, start, sort, size=SIZE) -> tuple[list[str], int]:
    body = {"dsl": {"from": start, "size": size, "query": query, "sort": sort}, "attributes": ["description"]}
    answer = requests.post(f"{sandbox.url}/api/meta/search/indexsearch", json=body, headers=sandbox.headers())
    answer.raise_for_status()
    data = answer.json()
    return [e["guid"] for e in data.get("entities", [])], data["approximateCount"]


def _reference(sandbox, query, start, sort, size=SIZE) -> tuple[list[str], int]:
    """The answer by brute force: every asset tested, then sorted (no cache, no narrowing)."""
    store = sandbox.store
    with store.lock:
        predicate = compile_query(store, query)
        matched = [e for e in store.entities.values() if predicate(e)]
        guids = [e["guid"] for e in sort_entities(store, matched, sort)]
    return guids[start : start + size], len(guids)


def _checked(sandbox, query, start, sort) -> tuple[list[str], int]:
    answer = _search(sandbox, query, start, sort)
    assert answer == _reference(sandbox, query, start, sort)
    return answer


def _write(sandbox, guids: list[str], description: str | None) -> None:
    """A bulk update through the API, as a client saving assets does."""
    store = sandbox.store
    entities = []
    for guid in guids:
        e = store.get(guid)
        attrs = {"qualifiedName": e["attributes"]["qualifiedName"], "name": e["attributes"]["name"]}
        entities.append(
            {"typeName": e["typeName"], "guid": guid, "attributes": {**attrs, "description": description}}
        )
    answer = requests.post(
        f"{sandbox.url}/api/meta/entity/bulk/", json={"entities": entities}, headers=sandbox.headers()
    )
    answer.raise_for_status()


def _add_column(sandbox, table_guid: str, name: str) -> None:
    table = sandbox.store.get(table_guid)["attributes"]
    qn = f"{table['qualifiedName']}/{name}"
    attrs = {
        "qualifiedName": qn,
        "name": name,
        "connectionQualifiedName": table["connectionQualifiedName"],
        "description": "new",
    }
    answer = requests.post(
        f"{sandbox.url}/api/meta/entity/bulk",
        json={"entities": [{"typeName": "Column", "guid": "-1", "attributes": attrs}]},
        headers=sandbox.headers(),
    )
    answer.raise_for_status()


def _after(create_time: int, guid: str) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"range": {"__timestamp": {"gt": create_time}}},
                {
                    "bool": {
                        "filter": [
                            {"term": {"__timestamp": {"value": create_time}}},
                            {"range": {"__guid": {"gt": guid}}},
                        ]
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def _churn(sandbox, page: list[str], number: int) -> None:
    """Change assets between pages: some start or stop matching `described`, one asset is new."""
    if len(page) > 3:
        _write(sandbox, page[:2], f"checked {number}")
        _write(sandbox, page[2:3], None)
    if number % 3 == 0 and page:
        table = next((g for g in page if sandbox.store.get(g)["typeName"] == "Table"), None)
        if table:
            _add_column(sandbox, table, f"added_{number}")


DESCRIBED = {"exists": {"field": "description"}}


def _most_columns(sandbox) -> list[str]:
    return [g for i, g in enumerate(sandbox.store.guids_of_type("Column")) if i % 5]


@pytest.mark.parametrize("writes", [False, True])
@pytest.mark.parametrize("extra", [(), (DESCRIBED,)], ids=["all", "described"])
def test_keyset_pages_match_a_fresh_evaluation(sandbox, compiles, writes, extra):
    base = _query(sandbox, *extra)
    if extra:
        _write(sandbox, _most_columns(sandbox), "seeded")
    key = None
    pages = 0
    while True:
        query = base if key is None else _query(sandbox, *extra, _after(*key))
        guids, _count = _checked(sandbox, query, 0, TS_SORT)
        pages += 1
        if len(guids) < SIZE:
            break
        last = sandbox.store.get(guids[-1])
        key = (last["createTime"], last["guid"])
        if writes:
            _churn(sandbox, guids, pages)
    assert pages > 4
    if not writes:  # one evaluation for every page: the query without the keyset clause
        assert len(compiles) == 2  # the query and the (absent) post_filter


@pytest.mark.parametrize("writes", [False, True])
@pytest.mark.parametrize("extra", [(), (DESCRIBED,)], ids=["all", "described"])
def test_pyatlan_bulk_pages_by_timestamp_range_match_a_fresh_evaluation(sandbox, compiles, writes, extra):
    """The requests of pyatlan 11's IndexSearchResults in bulk mode, one by one."""
    must = [{"term": {"__superTypeNames.keyword": {"value": "Referenceable"}}}]
    base = _query(sandbox, *extra, must=must)
    if extra:
        _write(sandbox, _most_columns(sandbox), "seeded")
    processed: set[str] = set()
    guids, count = _checked(sandbox, base, 0, TS_SORT)
    first = last = -2
    pages = 1
    while guids:
        processed.update(guids)
        if writes:
            _churn(sandbox, guids, pages)
        if first != last:
            query, start = _query(sandbox, *extra, {"range": {"__timestamp": {"gte": last}}}, must=must), 0
        else:
            query, start = base, len(processed)
        page, count = _checked(sandbox, query, start, TS_SORT)
        pages += 1
        guids = [g for g in page if g not in processed]
        times = [sandbox.store.get(g)["createTime"] for g in guids]
        first, last = (times[0], times[-1]) if len(times) > 1 else (-2, -2)
    assert pages > 4
    if not writes:
        assert len(compiles) == 2
    if not writes and not extra:
        assert processed == set(_reference(sandbox, base, 0, TS_SORT, size=10_000)[0])


@pytest.mark.parametrize(
    "bounds",
    [
        {"gt": 0},
        {"gte": "FIRST"},
        {"gt": "FIRST", "lte": "LAST"},
        {"lt": "LAST"},
        {"gte": "LAST", "lt": "FIRST"},
    ],
)
def test_every_timestamp_range_is_the_slice_a_fresh_evaluation_gives(sandbox, bounds):
    times = sorted(e["createTime"] for e in sandbox.store.entities.values())
    first, last = times[len(times) // 3], times[2 * len(times) // 3]
    spec = {op: {"FIRST": first, "LAST": last}.get(v, v) for op, v in bounds.items()}
    query = _query(sandbox, {"range": {"__timestamp": spec}})
    for start in (0, SIZE, 5 * SIZE):
        _checked(sandbox, query, start, TS_SORT)
    # A range that is the only filter beside an unqualified `should` is left to the generic path.
    lonely = {
        "bool": {
            "filter": [{"range": {"__timestamp": spec}}],
            "should": [{"term": {"__typeName.keyword": "Table"}}],
        }
    }
    _checked(sandbox, lonely, 0, TS_SORT)


@pytest.mark.parametrize("writes", [False, True])
def test_offset_pages_match_a_fresh_evaluation(sandbox, compiles, writes):
    query = _query(sandbox, DESCRIBED) if writes else _query(sandbox)
    if writes:
        _write(sandbox, _most_columns(sandbox), "seeded")
    start = 0
    while True:
        guids, count = _checked(sandbox, query, start, GUID_SORT)
        if len(guids) < SIZE:
            break
        if writes:
            _churn(sandbox, guids, start // SIZE + 1)
        start += SIZE
    assert start >= 4 * SIZE
    assert len(compiles) == 2  # writes are caught up with, not re-evaluated


def test_a_query_on_propagated_tags_is_evaluated_afresh_after_a_tag_changes(sandbox):
    store = sandbox.store
    tag = store.tag_defs()[0]
    query = _query(sandbox, {"term": {"__classificationNames": tag["name"]}})
    before = _checked(sandbox, query, 0, GUID_SORT)
    table = next(g for g in store.guids_of_type("Table") if not store.get(g)["tags"])
    table_qn = store.get(table)["attributes"]["qualifiedName"]
    store.add_tag(table_qn, tag["displayName"], propagate=True)  # its columns inherit the tag
    after = _checked(sandbox, query, 0, GUID_SORT)
    assert after[1] > before[1] + 1


def test_an_edit_by_hand_then_touch_is_seen(sandbox):
    query = _query(sandbox, DESCRIBED)
    assert _checked(sandbox, query, 0, GUID_SORT)[1] == 0
    with sandbox.store.locked() as store:
        for guid in list(store.guids_of_type("Column"))[:5]:
            store.get(guid)["attributes"]["description"] = "by hand"
        store.touch()
    assert _checked(sandbox, query, 0, GUID_SORT)[1] == 5


def test_the_change_log_forgets_old_changes_and_then_the_query_is_evaluated_afresh(sandbox, monkeypatch):
    from sandbox.atlan import store as store_module

    monkeypatch.setattr(store_module, "_CHANGE_LOG_SIZE", 4)
    query = _query(sandbox, DESCRIBED)
    _checked(sandbox, query, 0, GUID_SORT)
    columns = list(sandbox.store.guids_of_type("Column"))
    for i in range(12):
        _write(sandbox, columns[i : i + 1], f"note {i}")
    assert sandbox.store.changed_since(1) is None
    assert _checked(sandbox, query, 0, GUID_SORT)[1] == 12


def test_the_quick_term_tests_agree_with_the_field_accessors(atlan_sandbox):
    from sandbox.atlan.dsl import accessor

    store = atlan_sandbox.store
    store.set_announcement(f"{SF_DEMO}/SALES/PUBLIC/ORDERS", "warning", "late")
    with store.locked():
        entities = list(store.entities.values())
        cm_owner = next(e for e in entities if e["business"])
        cm_set, cm_values = next(iter(cm_owner["business"].items()))
        cm_attr, cm_value = next(iter(cm_values.items()))
        cm_field = f"{cm_set}.{cm_attr}"
        some = entities[7]
        cases = [
            ("__typeName.keyword", "Column"),
            ("__typeName", "Table"),
            ("__state", "ACTIVE"),
            ("__guid", some["guid"]),
            ("__traitNames", store.tag_defs()[0]["name"]),
            ("qualifiedName", some["attributes"]["qualifiedName"]),
            ("name.keyword", some["attributes"]["name"]),
            ("connectionQualifiedName", SF_DEMO),
            ("announcementType", "warning"),
            ("adminRoles", "$admin"),  # a list attribute
            ("missing", None),
            (cm_field, cm_value),
        ]
        for field, value in cases:
            get = accessor(store, field)
            for clause in ({"term": {field: value}}, {"term": {field: {"value": value}}}):
                quick = compile_query(store, clause)
                assert [quick(e) for e in entities] == [any(v == value for v in get(e)) for e in entities], (
                    clause
                )
            terms = compile_query(store, {"terms": {field: [value, "other"]}})
            assert [terms(e) for e in entities] == [
                any(v in (value, "other") for v in get(e)) for e in entities
            ]
        assert sum(compile_query(store, {"term": {"adminRoles": "$admin"}})(e) for e in entities) > 0
