"""Measure one catalog size and write its figures as JSON.

python -m bench.scale --tables 2000 --columns 50 --out figures.json [--sync-only]
    [--compare-python bench/.compare-venv/bin/python]

The bench's own set-up (generating the scenario, loading Plumbline's catalog, building the
sandbox) is timed apart from the figures. With --compare-python, after the pages the sandbox is
reset to the catalog before Plumbline's first sync and the pyatlan script (bench/compare.py) does
the same work, its end state checked against Plumbline's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench._django import QueryCounter, django_setup, urls_warm
from bench.compare import catalog_state

PAGE_REPEATS = 5


class WriteTimer:
    """Time the sandbox spends answering requests, split into reads and writes (by route kind)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read_s = 0.0
        self.write_s = 0.0

    def install(self) -> None:
        from sandbox.atlan.server import SandboxHandler
        from sandbox.atlan.store import READ_KINDS

        original = SandboxHandler._dispatch
        timer = self

        def timed(handler: Any, method: str) -> None:
            route = handler._route(method, handler.path.split("?", 1)[0])
            # The handler thread's own CPU time: the sandbox's work on the request, not the time
            # it waited for the interpreter while another request (a read beside a write) ran.
            started = time.thread_time()
            try:
                original(handler, method)
            finally:
                spent = time.thread_time() - started
                with timer.lock:
                    if route is not None and route[0] not in READ_KINDS:
                        timer.write_s += spent
                    else:
                        timer.read_s += spent

        SandboxHandler._dispatch = timed  # type: ignore[method-assign]

    def reset(self) -> None:
        with self.lock:
            self.read_s = self.write_s = 0.0


def floor_measure(url: str, token: str, extra_attributes: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Page through every schema's assets with bare requests, as the connector's searches do: a
    schema's tables in one search, then each batch of tables' columns in one search of its own.

    `extra_attributes` adds what the sync also asks for (its custom-metadata attributes), so the
    floor pages through the very answers the sync reads.
    """
    import requests
    from django.conf import settings

    from integrations.atlan.client import BASE_SEARCH_ATTRIBUTES, INDEX_SEARCH_PATH
    from integrations.atlan.connector import BULK_PAGING_THRESHOLD, SEARCH_PAGE_SIZE
    from integrations.atlan.matching import COLUMN_TYPE, TABLE_TYPES
    from integrations.atlan.queries import after_clause, prefix, term, terms, with_filter

    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    endpoint = f"{url}/{INDEX_SEARCH_PATH}"
    attributes = [
        *BASE_SEARCH_ATTRIBUTES,
        "databaseName",
        "schemaName",
        "tableQualifiedName",
        "viewQualifiedName",
        *extra_attributes,
    ]

    def post(query: dict[str, Any], offset: int, sort: list[dict[str, Any]]) -> dict[str, Any]:
        body = {
            "dsl": {
                "from": offset,
                "size": SEARCH_PAGE_SIZE,
                "aggregations": {},
                "track_total_hits": True,
                "query": query,
                "sort": sort,
            },
            "attributes": attributes,
            "relationAttributes": [],
            "requestMetadata": {"saveSearchLog": False},
        }
        answer = session.post(endpoint, json=body, timeout=300)
        answer.raise_for_status()
        return answer.json()

    def pages(query: dict[str, Any], names: list[str] | None = None) -> tuple[int, int]:
        """Offset paging by __guid, or above the connector's threshold the client's keyset paging."""
        by_guid = [{"__guid": {"order": "asc"}}]
        first = post(query, 0, by_guid)
        if first.get("approximateCount", 0) > BULK_PAGING_THRESHOLD:
            return timestamp_pages(query, names)
        offset, pages_n, assets, answer = 0, 1, 0, first
        while True:
            entities = answer.get("entities") or []
            if not entities:
                return pages_n, assets
            if names is not None:
                names.extend(e["attributes"]["qualifiedName"] for e in entities if e["typeName"] != "Schema")
            assets += len(entities)
            offset += SEARCH_PAGE_SIZE
            answer = post(query, offset, by_guid)
            pages_n += 1

    def timestamp_pages(query: dict[str, Any], names: list[str] | None = None) -> tuple[int, int]:
        """The client's keyset paging: always from 0, after the last (createTime, guid) seen."""
        sort = [{"__timestamp": {"order": "asc"}}, {"__guid": {"order": "asc"}}]
        after: tuple[int, str] | None = None
        pages_n = assets = 0
        while True:
            page_query = query if after is None else with_filter(query, after_clause(*after))
            entities = post(page_query, 0, sort).get("entities") or []
            if names is not None:
                names.extend(e["attributes"]["qualifiedName"] for e in entities if e["typeName"] != "Schema")
            pages_n += 1
            assets += len(entities)
            if len(entities) < SEARCH_PAGE_SIZE:
                return pages_n, assets
            after = (entities[-1]["createTime"], entities[-1]["guid"])

    started = time.perf_counter()
    schema_query = {"bool": {"filter": [term("__state", "ACTIVE"), term("__typeName.keyword", "Schema")]}}
    body = {
        "dsl": {"from": 0, "size": 1000, "query": schema_query, "sort": [{"__guid": {"order": "asc"}}]},
        "attributes": ["qualifiedName"],
    }
    schemas = [e["attributes"]["qualifiedName"] for e in session.post(endpoint, json=body).json()["entities"]]
    total_pages = total_assets = 0
    per_batch = settings.PLUMBLINE_SYNC_TABLES_PER_BATCH
    active = term("__state", "ACTIVE")
    for qn in schemas:
        tables: list[str] = []
        query = {
            "bool": {
                "filter": [active, terms("__typeName.keyword", ["Schema", *TABLE_TYPES])],
                "should": [term("qualifiedName", qn), prefix("qualifiedName", f"{qn}/")],
                "minimum_should_match": 1,
            }
        }
        n_pages, n_assets = pages(query, tables)
        total_pages, total_assets = total_pages + n_pages, total_assets + n_assets
        tables.sort()
        for start in range(0, len(tables), per_batch):
            query = {
                "bool": {
                    "filter": [active, terms("__typeName.keyword", [COLUMN_TYPE])],
                    "should": [prefix("qualifiedName", f"{t}/") for t in tables[start : start + per_batch]],
                    "minimum_should_match": 1,
                }
            }
            n_pages, n_assets = pages(query)
            total_pages, total_assets = total_pages + n_pages, total_assets + n_assets
    return {
        "wall_s": time.perf_counter() - started,
        "pages": total_pages,
        "assets": total_assets,
        "schemas": len(schemas),
    }


def sync_in_worker(db_path: str, run_id: int, store: Any, timer: WriteTimer) -> dict[str, Any]:
    from django.db import connection

    connection.close()  # the worker opens its own; SQLite must not see two writers from here
    store.reset_counts()
    timer.reset()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", db_path, str(run_id)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sync worker failed:\n{done.stderr[-4000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_wall_s"] = wall
    figures["sandbox_reads"] = store.read_count()
    figures["sandbox_writes"] = store.write_count()
    figures["sandbox_search_pages"] = store.request_count("search")
    figures["sandbox_read_s"] = timer.read_s
    figures["sandbox_write_s"] = timer.write_s
    return figures


def pages_measure() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from catalog.models import Container, Datastore, Tag

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-password")
    client = Client()
    client.force_login(user)
    datastore = Datastore.objects.annotate(n=Count("containers")).order_by("-n").first()
    container = Container.objects.annotate(n=Count("fields")).order_by("-n").first()
    tag = Tag.objects.annotate(n=Count("fields")).order_by("-n").first()
    targets = {
        "datastore": reverse("catalog:datastore_detail", args=[datastore.pk]),
        "container": reverse("catalog:container_detail", args=[container.pk]),
        "tag": reverse("catalog:tag_detail", args=[tag.pk]),
        "tag_list": reverse("catalog:tag_list"),
        "datastore_list": reverse("catalog:datastore_list"),
    }
    out: dict[str, Any] = {}
    for name, url in targets.items():
        client.get(url)  # warm-up
        times = []
        queries = 0
        status = 0
        for _ in range(PAGE_REPEATS):
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            queries, status = counter.count, response.status_code
        out[name] = {
            "url": url,
            "status": status,
            "median_ms": statistics.median(times) * 1000,
            "queries": queries,
        }
    return out


def compare_measure(
    args: argparse.Namespace, sandbox: Any, timer: WriteTimer, plumbline_state: dict[str, Any]
) -> dict[str, Any]:
    """The pyatlan script on the same sandbox, reset to the catalog before Plumbline's first sync;
    then its end state against Plumbline's."""
    from bench.compare import pyatlan_run, sdk_paths_accept, states_compare, store_reset
    from sandbox.atlan.generator import generate

    slash_routed_here = sdk_paths_accept()
    definition = sandbox.store.cm_set_by_name("Plumbline")
    t0 = time.perf_counter()
    store = store_reset(sandbox, generate(tables=args.tables, columns=args.columns)[0], definition)
    reset_s = time.perf_counter() - t0
    before = catalog_state(store)
    timer.reset()
    figures = pyatlan_run(args.compare_python, sandbox, plumbline_state)
    figures.update(
        reset_s=reset_s,
        bulk_trailing_slash_routed_by_bench=slash_routed_here,
        state_before=len(before),
        sandbox_reads=store.read_count(),
        sandbox_writes=store.write_count(),
        sandbox_search_pages=store.request_count("search"),
        sandbox_read_s=timer.read_s,
        sandbox_write_s=timer.write_s,
        end_state=states_compare(plumbline_state, catalog_state(store)),
    )
    print(f"  pyatlan script {figures['wall_s']:.1f}s", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sync-only", action="store_true", help="only the floor and the first sync")
    parser.add_argument(
        "--compare-python", help="also time the pyatlan script with this Python (bench/compare.py)"
    )
    args = parser.parse_args(argv)

    db_path = f"/tmp/plumbline-bench-{os.getpid()}.sqlite3"
    django_setup(db_path)
    result: dict[str, Any] = {"tables": args.tables, "columns": args.columns}
    try:
        result.update(measure(args, db_path))
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(db_path + suffix).unlink(missing_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


def measure(args: argparse.Namespace, db_path: str) -> dict[str, Any]:
    from django.core.management import call_command

    from catalog.loader import catalog_load
    from catalog.models import Container
    from catalog.services import quality_score_record
    from integrations.models import Integration
    from integrations.runs import run_execute, run_start
    from sandbox import serve_side_by_side
    from sandbox.atlan.generator import generate
    from sandbox.atlan.scenario import build_store
    from sandbox.atlan.server import start_sandbox

    out: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    scenario, catalog = generate(tables=args.tables, columns=args.columns)
    out["generate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    catalog_load(catalog)
    out["catalog_load_s"] = time.perf_counter() - t0
    del catalog
    timer = WriteTimer()
    timer.install()
    t0 = time.perf_counter()
    serve_side_by_side()  # this process is the sandbox's (the syncs run in their own)
    sandbox = start_sandbox(build_store(scenario))
    out["store_build_s"] = time.perf_counter() - t0
    del scenario
    out["assets"] = sum(1 for _ in sandbox.store.of_type("Column")) + sum(
        1 for _ in sandbox.store.of_type("Table")
    )
    out["setup_s"] = time.perf_counter() - started
    print(
        f"  {out['assets']:,} assets; bench setup {out['setup_s']:.0f}s (generate {out['generate_s']:.0f}s, "
        f"Plumbline DB {out['catalog_load_s']:.0f}s, sandbox {out['store_build_s']:.0f}s)",
        file=sys.stderr,
        flush=True,
    )
    try:
        sandbox.store.reset_counts()
        out["floor"] = floor_measure(sandbox.url, sandbox.token)
        print(f"  floor {out['floor']['wall_s']:.1f}s", file=sys.stderr, flush=True)

        integration = Integration(name="Atlan bench", url=sandbox.url, event_driven=False)
        integration.token = sandbox.token
        integration.save()

        run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        out["first_sync"] = sync_in_worker(db_path, run.pk, sandbox.store, timer)
        print(f"  first sync {out['first_sync']['wall_s']:.1f}s", file=sys.stderr, flush=True)
        plumbline_state = catalog_state(sandbox.store) if args.compare_python else {}
        if args.sync_only:
            return out

        # Now the "Plumbline" set exists: the floor of the very search the syncs run.
        from integrations.atlan.client import AtlanClient
        from integrations.atlan.records import custom_metadata_by_display_name

        with AtlanClient(sandbox.url, sandbox.token) as client:
            cm_set = custom_metadata_by_display_name(client.custom_metadata_typedefs(), "Plumbline")
        out["floor_sync_attributes"] = floor_measure(sandbox.url, sandbox.token, cm_set.search_attributes())
        print(
            f"  floor with the sync's attributes {out['floor_sync_attributes']['wall_s']:.1f}s",
            file=sys.stderr,
        )

        run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        out["noop_sync"] = sync_in_worker(db_path, run.pk, sandbox.store, timer)
        print(f"  no-op sync {out['noop_sync']['wall_s']:.1f}s", file=sys.stderr, flush=True)

        # An event-driven push of one table: a new quality score, then the push it schedules.
        container = Container.objects.order_by("pk").first()
        quality_score_record(asset=container, scores={"total": 42.0})
        urls_warm()
        sandbox.store.reset_counts()
        counter = QueryCounter()
        from django.db import connection

        t0 = time.perf_counter()
        with connection.execute_wrapper(counter):
            run = run_start(integration=integration, push=True, container_ids=[container.pk], enqueue=False)
            run = run_execute(run.pk)
        out["event_push"] = {
            "wall_s": time.perf_counter() - t0,
            "queries": counter.count,
            "status": run.status,
            "sandbox_reads": sandbox.store.read_count(),
            "sandbox_writes": sandbox.store.write_count(),
        }
        out["pages"] = pages_measure()
        print("  pages measured", file=sys.stderr, flush=True)
        if args.compare_python:
            out["compare"] = compare_measure(args, sandbox, timer, plumbline_state)
    finally:
        sandbox.stop()
    return out


if __name__ == "__main__":
    sys.exit(main())
