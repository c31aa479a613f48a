"""A real django-q2 worker process (qcluster) against the test database and the Atlan sandbox."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from catalog.loader import catalog_load
from integrations.models import Integration, SyncRun
from integrations.runs import run_start, runs_sweep
from tests.integrations.workers import run_wait, worker_start, worker_stop

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "catalog" / "demo" / "demo_catalog.json"


def test_a_run_started_from_the_page_is_completed_by_a_real_worker(
    queued_mode, demo_integration, admin_http, tmp_path
):
    worker = worker_start(tmp_path / "worker.log")
    try:
        response = admin_http.post(
            reverse("integrations:sync", args=[demo_integration.pk]), {"pull": "on", "push": "on"}
        )
        run = SyncRun.objects.get()
        assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
        assert run.status == "queued" and run.task_id
        run = run_wait(run.pk, ("succeeded", "warnings", "partial", "failed"))
        # The demo's planted tag clash is skipped, so the run says it finished with a warning.
        assert run.status == "warnings", (run.message, (tmp_path / "worker.log").read_text()[-3000:])
        assert run.log_lines.count() > 3
    finally:
        worker_stop(worker)


def test_a_killed_worker_leaves_a_failed_run_and_the_next_run_succeeds(
    queued_mode, demo_integration, atlan_sandbox, tmp_path, settings
):
    atlan_sandbox.faults.latency_ms = 1500  # every catalog answer takes 1.5 s: the run is mid-way for long
    worker = worker_start(tmp_path / "worker1.log")
    try:
        run = run_start(integration=demo_integration, pull=True, push=True)
        run_wait(run.pk, ("running",), timeout=60)
    finally:
        worker_stop(worker, signal.SIGKILL)
    assert SyncRun.objects.get(pk=run.pk).status == "running"
    settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS = 0
    time.sleep(0.1)
    assert runs_sweep() == 1
    dead = SyncRun.objects.get(pk=run.pk)
    assert dead.status == "failed" and "stopped responding" in dead.message

    atlan_sandbox.faults.latency_ms = 0
    worker = worker_start(tmp_path / "worker2.log")
    try:
        settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS = 120
        again = run_start(integration=demo_integration, pull=True, push=True)
        assert run_wait(again.pk, ("succeeded", "warnings", "partial", "failed")).status == "warnings"
    finally:
        worker_stop(worker)


def _services_running() -> bool:
    from django.conf import settings

    return connection.vendor == "postgresql" and bool(settings.REDIS_URL)


@pytest.mark.services
def test_two_workers_on_redis_and_postgresql_run_each_sync_exactly_once(
    queued_mode, atlan_sandbox, transactional_db, tmp_path
):
    if not _services_running():
        pytest.skip("Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) running: skipped here.")
    from catalog.models import Container
    from integrations.events import event_push_request
    from integrations.runs import RunAlreadyActive

    catalog_load(json.loads(DEMO.read_text()))
    manual, evented = [], []
    for i in range(3):
        integration = Integration(name=f"manual-{i}", url=atlan_sandbox.url, event_driven=False)
        integration.token = atlan_sandbox.token
        integration.save()
        manual.append(integration)
    for i in range(2):
        integration = Integration(name=f"evented-{i}", url=atlan_sandbox.url, event_driven=True)
        integration.token = atlan_sandbox.token
        integration.save()
        evented.append(integration)

    # Every catalog answer takes a little while, so each first run is surely still active when
    # its duplicate is started.
    atlan_sandbox.faults.latency_ms = 100
    workers = [worker_start(tmp_path / f"worker{i}.log", Q_WORKERS="2") for i in range(2)]
    try:
        started, refused = [], 0
        for integration in manual:
            started.append(run_start(integration=integration, pull=True, push=True))
            try:
                run_start(integration=integration, push=True)
            except RunAlreadyActive:
                refused += 1
        # A second start for the same integration is refused while the first is active: every one.
        assert refused == len(manual)
        tables = list(Container.objects.order_by("pk").values_list("pk", flat=True)[:4])
        assert event_push_request(container_ids=tables) == 2
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            runs = list(SyncRun.objects.all())
            if len(runs) >= len(started) + len(evented) and not any(r.is_active for r in runs):
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker_stop(worker)

    runs = list(SyncRun.objects.order_by("pk"))
    logs = "\n".join((tmp_path / f"worker{i}.log").read_text()[-2000:] for i in range(2))
    event_runs = [r for r in runs if r.trigger == "event"]
    assert sorted(r.integration_id for r in event_runs) == sorted(i.pk for i in evented), logs
    assert all(r.container_ids == tables for r in event_runs)
    assert all(r.status in ("succeeded", "warnings") for r in runs), [
        (r.pk, r.status, r.message, r.error_samples) for r in runs
    ]
    for run in runs:
        # Exactly once: one "started" line per run, whichever worker took it.
        assert run.log_lines.filter(message__contains=" started (").count() == 1
    assert SyncRun.objects.filter(integration__in=manual).count() == len(manual)
