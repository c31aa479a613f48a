"""Whether a run's worker is alive: a heartbeat for the life of every run, and a watchdog in the web
process that fails the runs of dead workers even when no worker is left to run maintenance.

A run beats from its own thread whatever the run is doing (a long push, a slow catalog), so a
live run is never taken for dead; only the maintenance task and this watchdog ever sweep.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integrations.models import SyncLogLine, SyncRun, SyncStagedPush

logger = logging.getLogger(__name__)
_watchdog_lock = threading.Lock()
_watchdog: Watchdog | None = None


def heartbeat_interval() -> float:
    return settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS / 4


class Heartbeat:
    """`with Heartbeat(run_id): ...` beats every interval until the block ends."""

    def __init__(self, run_id: int, interval: float | None = None):
        self.run_id = run_id
        self.interval = max(0.05, interval if interval is not None else heartbeat_interval())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-run-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                # Only a running run beats: one marked failed stays failed.
                SyncRun.objects.filter(pk=self.run_id, status=SyncRun.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a beat that cannot be written must never take the run down
            logger.exception("Heartbeat of run %s stopped", self.run_id)
        finally:
            connection.close()


def runs_sweep(*, run_id: int | None = None) -> int:
    """Mark runs whose worker stopped sending heartbeats as failed (or only the given one);
    returns how many."""
    limit = timezone.now() - timedelta(seconds=settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS)
    rows = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=limit)
    dead = list(rows.filter(pk=run_id) if run_id is not None else rows)
    failed = 0
    for run in dead:
        message = (
            f"The worker stopped responding (last heartbeat {run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); "
            "the sync was marked failed. Start it again."
        )
        # Conditional: a beat that lands between the read and this write keeps the run alive.
        still_dead = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, heartbeat_at__lt=limit)
        if still_dead.update(status=SyncRun.Status.FAILED, finished_at=timezone.now(), message=message):
            SyncLogLine.objects.create(run=run, at=timezone.now(), level="ERROR", message=message)
            SyncStagedPush.objects.filter(run=run).delete()  # held-back pushes of a dead run never go
            failed += 1
    return failed


class Watchdog:
    """A thread that sweeps dead runs every `seconds` until stopped."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="plumbline-watchdog", daemon=True)

    def start(self) -> Watchdog:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=self.seconds + 5)

    def _watch(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                runs_sweep()
            except Exception:  # the database may be away for a moment: try again next time
                logger.exception("The run watchdog could not sweep")
            finally:
                connection.close()


def watchdog_start() -> Watchdog | None:
    """The web process's watchdog (config/wsgi.py), once per process; off when the setting is 0."""
    global _watchdog
    seconds = settings.PLUMBLINE_WATCHDOG_SECONDS
    if seconds <= 0:
        return None
    with _watchdog_lock:
        if _watchdog is None:
            _watchdog = Watchdog(seconds).start()
    return _watchdog
