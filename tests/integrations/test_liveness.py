"""A live run is never declared dead; a dead one is failed even with no worker left; a run marked
failed stays failed; a catalog that stops answering, a cancel and the deadline stop a run."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from django.db import connection

from integrations.atlan.client import AtlanClient
from integrations.liveness import Watchdog
from integrations.models import Integration, SyncRun
from integrations.runs import RunAlreadyActive, run_start, runs_sweep
from integrations.sync import context
from tests.integrations.fakes import make_integration
from tests.integrations.workers import run_wait, worker_start, worker_stop

pytestmark = pytest.mark.usefixtures("fast_retries")


def test_a_run_slowed_well_past_the_timeout_keeps_its_slot_and_ends_succeeded(
    transactional_db, fake_connector, settings
):
    settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS = 1.5  # it beats every 0.375 s
    integration = make_integration()
    refused, errors, stop = [], [], threading.Event()

    def sweeper():
        # What any other process may do meanwhile: sweep, and try to start a second sync.
        try:
            while not stop.is_set():
                runs_sweep()
                try:
                    run_start(
                        integration=Integration.objects.get(pk=integration.pk), push=True, enqueue=False
                    )
                except RunAlreadyActive:
                    refused.append(1)
                time.sleep(0.1)
        finally:
            connection.close()

    thread = threading.Thread(target=sweeper)
    # Three timeouts without a single log line: only the heartbeat says it is alive.
    fake_connector.work = lambda ctx: (thread.start(), time.sleep(4.5))
    try:
        run = run_start(integration=integration, pull=True)
    finally:
        stop.set()
        thread.join()
    assert not errors and run.status == "succeeded", (errors, run.message)
    # No second sync started while this one worked (the sweeper may start one once it ended).
    overlapping = SyncRun.objects.exclude(pk=run.pk).filter(created_at__lt=run.finished_at)
    assert len(refused) >= 10 and not overlapping.exists()
    assert not run.log_lines.filter(message__contains="stopped responding").exists()


def test_a_run_marked_failed_elsewhere_stops_at_its_next_safe_point_and_stays_failed(db, fake_connector):
    def work(ctx):
        SyncRun.objects.filter(pk=ctx.run.pk).update(status="failed", message="The worker stopped responding")
        ctx.checkpoint()
        ctx.log("never reached")

    fake_connector.work = work
    run = run_start(integration=make_integration(), pull=True)
    assert (run.status, run.message) == ("failed", "The worker stopped responding")
    assert not run.log_lines.filter(message="never reached").exists()
    assert run.log_lines.filter(message__contains="stays that way").exists()


def test_a_run_that_ends_after_it_was_marked_failed_is_never_recorded_as_succeeded(db, fake_connector):
    fake_connector.work = lambda ctx: SyncRun.objects.filter(pk=ctx.run.pk).update(status="failed")
    run = run_start(integration=make_integration(), pull=True)
    assert run.status == "failed" and run.finished_at is None
    assert run.log_lines.filter(message__contains="stays that way").exists()


def test_a_killed_worker_is_failed_by_the_web_watchdog_with_no_worker_left(
    queued_mode, demo_integration, atlan_sandbox, tmp_path, settings
):
    atlan_sandbox.faults.latency_ms = 1500
    worker = worker_start(tmp_path / "worker.log", PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS="2")
    try:
        run = run_start(integration=demo_integration, pull=True, push=True)
        run_wait(run.pk, ("running",), timeout=60)
    finally:
        worker_stop(worker, signal.SIGKILL)  # the only worker: nothing is left to run maintenance
    settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS = 2
    watchdog = Watchdog(0.3).start()  # as config/wsgi.py starts one in each web process
    try:
        dead = run_wait(run.pk, ("failed",), timeout=10)
    finally:
        watchdog.stop()
    assert "stopped responding" in dead.message
    again = run_start(integration=demo_integration, push=True, enqueue=False)
    assert again.status == "queued"  # the slot is free again


def test_a_catalog_that_stops_answering_mid_push_stops_the_run_with_one_message(
    atlan_sandbox,
    demo,
    monkeypatch,
    settings,
):
    settings.PLUMBLINE_CIRCUIT_BREAKER_FAILURES = 2
    calls = []
    merge = AtlanClient.custom_metadata_merge

    def merge_then_vanish(self, entities, **kwargs):
        calls.append(len(entities))
        if len(calls) == 2:
            atlan_sandbox.stop()  # gone from the second batch on
        return merge(self, entities, **kwargs)

    monkeypatch.setattr(AtlanClient, "custom_metadata_merge", merge_then_vanish)
    integration = Integration(name="Atlan", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    run = run_start(integration=integration, push=True)
    assert run.status == "failed"
    assert run.message.startswith("Atlan stopped answering at ")
    assert " of " in run.message and "nothing after that was written" in run.message
    # One batch written; then a refused batch and the next datastore's read, and no more tries.
    assert len(calls) == 2 and run.totals["errors"] == 2
    assert run.changes.filter(applied=True).exists() and run.changes.filter(applied=False).exists()


def test_cancel_is_honoured_between_batches_of_a_push(atlan_sandbox, demo, monkeypatch):
    monkeypatch.setattr(context, "SAFE_POINT_SECONDS", 0)
    calls = []
    merge = AtlanClient.custom_metadata_merge

    def merge_and_cancel(self, entities, **kwargs):
        calls.append(1)
        SyncRun.objects.update(cancel_requested=True)
        return merge(self, entities, **kwargs)

    monkeypatch.setattr(AtlanClient, "custom_metadata_merge", merge_and_cancel)
    integration = Integration(name="Atlan", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    run = run_start(integration=integration, push=True)
    assert run.status == "cancelled" and len(calls) == 1


def test_a_run_past_its_deadline_stops_at_the_next_safe_point(db, fake_connector, settings):
    settings.PLUMBLINE_RUN_DEADLINE_SECONDS = 0
    fake_connector.work = lambda ctx: (time.sleep(0.01), ctx.checkpoint(), ctx.log("never reached"))
    run = run_start(integration=make_integration(), pull=True)
    assert run.status == "failed" and "ran past its deadline of 0 minutes" in run.message
    assert not run.log_lines.filter(message="never reached").exists()
