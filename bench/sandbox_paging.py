"""What one search page costs the Atlan sandbox, by paging pattern (server time, not the client's).

    python -m bench.sandbox_paging [--tables 2000] [--columns 50] [--page-size 200] [--writes 20]

Pages one connection's tables and columns (about a quarter of the catalog) three ways, each with
the very request shapes its client sends:

- keyset: Plumbline's pages, always from 0, after the last (createTime, guid) seen;
- pyatlan-bulk: pyatlan 11's `bulk=True` paging: sort `__timestamp`, `__guid`; page 2 by offset
  (`from` = assets seen), then from 0 with a `range __timestamp gte <last createTime>` filter;
- offset: pyatlan's ordinary paging, `from` += size over a sort on `__guid` (up to Elastic's
  10,000-result window).

Each pattern runs twice: pages alone, then with a write between pages (a bulk update of
`--writes` assets of the page just read, as a script saving custom metadata does). Prints the
median and the mean milliseconds the server spent per page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import requests

from integrations.atlan.queries import after_clause, with_filter

QUERY_TYPES = ["Table", "Column"]


def _base_query(connection_qn: str, *, pyatlan_bulk: bool = False) -> dict[str, Any]:
    query: dict[str, Any] = {
        "bool": {
            "filter": [
                {"term": {"__state": {"value": "ACTIVE", "case_insensitive": False}}},
                {"terms": {"__typeName.keyword": QUERY_TYPES}},
                {"term": {"connectionQualifiedName": {"value": connection_qn, "case_insensitive": False}}},
            ]
        }
    }
    if pyatlan_bulk:  # pyatlan's bulk mode adds a type filter to `must` when it has none
        query["bool"]["must"] = [{"term": {"__superTypeNames.keyword": {"value": "Referenceable"}}}]
    return query


TS_SORT = [{"__timestamp": {"order": "asc"}}, {"__guid": {"order": "asc"}}]
GUID_SORT = [{"__guid": {"order": "asc"}}]


def keyset_pages(
    post: Callable[..., dict[str, Any]], conn: str, size: int, after_page: Callable[..., None]
) -> int:
    base = _base_query(conn)
    after: tuple[int, str] | None = None
    seen = 0
    while True:
        query = base if after is None else with_filter(base, after_clause(*after))
        entities = post(query, 0, size, TS_SORT).get("entities") or []
        seen += len(entities)
        after_page(entities)
        if len(entities) < size:
            return seen
        after = (entities[-1]["createTime"], entities[-1]["guid"])


def pyatlan_bulk_pages(
    post: Callable[..., dict[str, Any]], conn: str, size: int, after_page: Callable[..., None]
) -> int:
    """IndexSearchResults' timestamp paging (pyatlan 11.6, client/asset.py), request for request."""
    base = _base_query(conn, pyatlan_bulk=True)
    processed: set[str] = set()
    entities = post(base, 0, size, TS_SORT).get("entities") or []
    first = last = -2
    while entities:
        fresh = [e for e in entities if e["guid"] not in processed]
        after_page(fresh)
        processed.update(e["guid"] for e in fresh)
        if first != last:
            query, start = with_filter(base, {"range": {"__timestamp": {"gte": last}}}), 0
        else:
            query, start = base, len(processed)
        answer = post(query, start, size, TS_SORT)
        if "entities" not in answer:
            break
        entities = [e for e in answer["entities"] if e["guid"] not in processed]
        first, last = (
            (entities[0]["createTime"], entities[-1]["createTime"]) if len(entities) > 1 else (-2, -2)
        )
        if not entities:
            break
    return len(processed)


def offset_pages(
    post: Callable[..., dict[str, Any]], conn: str, size: int, after_page: Callable[..., None]
) -> int:
    base = _base_query(conn)
    start = seen = 0
    while start + size <= 10_000:
        entities = post(base, start, size, GUID_SORT).get("entities") or []
        seen += len(entities)
        after_page(entities)
        if len(entities) < size:
            break
        start += size
    return seen


PATTERNS = {"keyset": keyset_pages, "pyatlan-bulk": pyatlan_bulk_pages, "offset": offset_pages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--writes", type=int, default=20, help="assets updated between pages (0: none)")
    parser.add_argument("--patterns", default=",".join(PATTERNS))
    args = parser.parse_args(argv)

    from sandbox.atlan.api import Api
    from sandbox.atlan.generator import generate
    from sandbox.atlan.scenario import build_store
    from sandbox.atlan.server import start_sandbox

    started = time.perf_counter()
    scenario, _ = generate(tables=args.tables, columns=args.columns)
    store = build_store(scenario)
    del scenario
    print(f"{len(store.entities)} assets generated in {time.perf_counter() - started:.1f} s", flush=True)
    server_s: list[float] = []
    original = Api.index_search

    def timed(self: Api, req: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(self, req)
        finally:
            server_s.append(time.perf_counter() - t)

    Api.index_search = timed  # type: ignore[method-assign]
    handle = start_sandbox(store)
    session = requests.Session()
    session.headers.update(handle.headers())
    conn = next(iter(store.of_type("Connection")))["attributes"]["qualifiedName"]

    def post(query: dict[str, Any], start: int, size: int, sort: list[dict[str, Any]]) -> dict[str, Any]:
        body = {
            "dsl": {"from": start, "size": size, "aggregations": {}, "track_total_hits": True}
            | {"query": query, "sort": sort},
            "attributes": ["name", "qualifiedName", "connectionQualifiedName"],
            "relationAttributes": [],
        }
        answer = session.post(f"{handle.url}/api/meta/search/indexsearch", json=body, timeout=600)
        answer.raise_for_status()
        return answer.json()

    counter = [0]

    def write_some(entities: list[dict[str, Any]]) -> None:
        counter[0] += 1
        batch = [
            {
                "typeName": e["typeName"],
                "guid": e["guid"],
                "attributes": {
                    "qualifiedName": e["attributes"]["qualifiedName"],
                    "name": e["attributes"]["name"],
                }
                | {"description": f"checked {counter[0]}"},
            }
            for e in entities[: args.writes]
        ]
        if batch:
            session.post(
                f"{handle.url}/api/meta/entity/bulk/", json={"entities": batch}, timeout=600
            ).raise_for_status()

    try:
        print(
            f"{'pattern':14} {'writes':>6} {'pages':>6} {'assets':>7} {'median ms':>10} {'mean ms':>8} {'total s':>8}"
        )
        for name in args.patterns.split(","):
            for writes in (False, True) if args.writes else (False,):
                server_s.clear()
                handle.server.replace_store(store)  # a fresh Api: no cached searches
                seen = PATTERNS[name](post, conn, args.page_size, write_some if writes else lambda _e: None)
                times = [s * 1000 for s in server_s]
                print(
                    f"{name:14} {'yes' if writes else 'no':>6} {len(times):>6} {seen:>7} "
                    f"{statistics.median(times):>10.1f} {statistics.mean(times):>8.1f} {sum(times) / 1000:>8.2f}",
                    flush=True,
                )
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
