"""Measure one catalog size against the Alation sandbox and write its figures as JSON.

python -m bench.scale_alation --tables 2000 --columns 50 --out figures.json

The same scale as the Atlan rows (`python -m sandbox.alation.generator`'s scenario and its
matching Plumbline catalog): the floor (bare paging through every listing the sync reads), the
first sync, the no-op resync and an event push of one table, each sync in a worker child.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench._django import QueryCounter, django_setup, urls_warm
from bench.scale import sync_in_worker

PAGE_SIZE = 1000


class AlationWriteTimer:
    """Time the Alation sandbox spends answering, split into reads and writes (by route category)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read_s = 0.0
        self.write_s = 0.0

    def install(self) -> None:
        from sandbox.alation import routes
        from sandbox.alation.server import SandboxHandler

        original = SandboxHandler._dispatch
        timer = self

        def timed(handler: Any, method: str) -> None:
            route, _, _ = routes.match(method, handler.path.split("?", 1)[0])
            # The handler thread's own CPU time: the sandbox's work on the request, not the time
            # it waited for the interpreter while another request (a read beside a write) ran.
            started = time.thread_time()
            try:
                original(handler, method)
            finally:
                spent = time.thread_time() - started
                with timer.lock:
                    if route is not None and route.category == "write":
                        timer.write_s += spent
                    else:
                        timer.read_s += spent

        SandboxHandler._dispatch = timed  # type: ignore[method-assign]

    def reset(self) -> None:
        with self.lock:
            self.read_s = self.write_s = 0.0


def floor_measure(url: str, user_id: int, refresh_token: str) -> dict[str, Any]:
    """Bare `requests` through every listing a full sync reads, following X-Next-Page: data
    sources, each source's schemas, each schema's tables and each batch of tables' columns, tags and their objects,
    custom fields, Data Health fields and values, and the flags on tables."""
    import requests
    from django.conf import settings

    session = requests.Session()
    minted = session.post(
        f"{url}/integration/v1/createAPIAccessToken/",
        json={"refresh_token": refresh_token, "user_id": user_id},
        timeout=30,
    ).json()
    session.headers.update({"TOKEN": minted["api_access_token"], "Accept": "application/json"})
    pages = items = 0

    def listing(path: str, params: dict[str, Any] | None = None) -> list[Any]:
        nonlocal pages, items
        found: list[Any] = []
        answer = session.get(f"{url}{path}", params={"limit": PAGE_SIZE, **(params or {})}, timeout=300)
        while True:
            answer.raise_for_status()
            page = answer.json()
            pages, items = pages + 1, items + len(page)
            found.extend(page)
            link = answer.headers.get("X-Next-Page")
            if not link:
                return found
            answer = session.get(f"{url}{link}", timeout=300)

    per_batch = settings.PLUMBLINE_SYNC_TABLES_PER_BATCH
    started = time.perf_counter()
    sources = listing("/integration/v2/datasource/") + listing("/integration/v1/datasource/")
    for source in sources:
        for schema in listing("/integration/v2/schema/", {"ds_id": source["id"]}):
            ids = sorted(t["id"] for t in listing("/integration/v2/table/", {"schema_id": schema["id"]}))
            # As the sync reads them: a batch of tables' columns by its range of table ids.
            for start in range(0, len(ids), per_batch):
                batch = ids[start : start + per_batch]
                params = {"schema_id": schema["id"], "table_id__gte": batch[0], "table_id__lte": batch[-1]}
                listing("/integration/v2/column/", params)
    for tag in listing("/integration/tag/"):
        listing(f"/integration/tag/{requests.utils.quote(tag['name'], safe='')}/subject/")
    listing("/integration/v2/custom_field/")
    listing("/integration/v1/data_quality/fields/")
    listing("/integration/v1/data_quality/values/", {"hide_related": "true"})
    listing("/integration/flag/", {"otype": "table"})
    return {"wall_s": time.perf_counter() - started, "pages": pages, "items": items}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    db_path = f"/tmp/plumbline-bench-alation-{os.getpid()}.sqlite3"
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
    from integrations.models import Integration
    from integrations.runs import run_start
    from sandbox import serve_side_by_side
    from sandbox.alation.generator import generate
    from sandbox.alation.scenario import build_store
    from sandbox.alation.server import start_sandbox

    out: dict[str, Any] = {}
    call_command("migrate", verbosity=0)
    scenario, catalog = generate(tables=args.tables, columns=args.columns)
    catalog_load(catalog)
    del catalog
    timer = AlationWriteTimer()
    timer.install()
    serve_side_by_side()  # this process is the sandbox's (the syncs run in their own)
    sandbox = start_sandbox(build_store(scenario))
    del scenario
    objects = sandbox.store.catalog.objects
    out["assets"] = len(objects["table"]) + len(objects["attribute"])
    try:
        integration = Integration(
            name="Alation bench", url=sandbox.url, integration_type="alation", event_driven=False
        )
        integration.credentials = {"user_id": str(sandbox.user_id), "refresh_token": sandbox.refresh_token}
        integration.save()
        out["floor"] = floor_measure(sandbox.url, sandbox.user_id, sandbox.refresh_token)
        print(f"  Alation floor {out['floor']['wall_s']:.1f}s", file=sys.stderr, flush=True)
        run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        out["first_sync"] = sync_in_worker(db_path, run.pk, sandbox.store, timer)
        print(f"  Alation first sync {out['first_sync']['wall_s']:.1f}s", file=sys.stderr, flush=True)

        # With Plumbline's values written, the listings carry what the no-op sync reads.
        out["floor_written"] = floor_measure(sandbox.url, sandbox.user_id, sandbox.refresh_token)
        print(
            f"  Alation floor with values {out['floor_written']['wall_s']:.1f}s", file=sys.stderr, flush=True
        )
        run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        out["noop_sync"] = sync_in_worker(db_path, run.pk, sandbox.store, timer)
        print(f"  Alation no-op sync {out['noop_sync']['wall_s']:.1f}s", file=sys.stderr, flush=True)
        out["event_push"] = event_push_measure(integration, sandbox.store)
    finally:
        sandbox.stop()
    return out


def event_push_measure(integration: Any, store: Any) -> dict[str, Any]:
    """A new quality score on one table, then the event push it schedules, in this process."""
    from django.db import connection

    from catalog.models import Container
    from catalog.services import quality_score_record
    from integrations.runs import run_execute, run_start

    container = Container.objects.order_by("pk").first()
    quality_score_record(asset=container, scores={"total": 42.0})
    urls_warm()
    store.reset_counts()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = run_start(integration=integration, push=True, container_ids=[container.pk], enqueue=False)
        run = run_execute(run.pk)
    return {
        "wall_s": time.perf_counter() - started,
        "queries": counter.count,
        "status": run.status,
        "sandbox_reads": store.read_count(),
        "sandbox_writes": store.write_count(),
    }


if __name__ == "__main__":
    sys.exit(main())
