"""The catalog-agnostic run lifecycle: start, execute, log, heartbeat, cancel, finish, sweep.

Connectors do the catalog work through a RunContext; they never touch SyncRun directly.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.http import CatalogAuthenticationError
from integrations.models import Integration, SyncChange, SyncIssue, SyncLogLine, SyncRun

logger = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 20
_FLUSH_CHANGES_AT = 2000


class RunAlreadyActive(Exception):
    def __init__(self, run: SyncRun):
        self.run = run
        super().__init__(f"A sync of this integration is already {run.get_status_display().lower()}.")


class RunCancelled(Exception):
    """Raised at a safe point when someone asked the run to stop."""


class RunStopped(Exception):
    """Raised by a connector when the run cannot go on (e.g. the catalog refused the token)."""


class RunContext:
    """What a connector gets: the run's options, a log, counters, audit and safe points."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.integration: Integration = run.integration
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors = 0
        self._changes: list[SyncChange] = []
        self._last_flush = timezone.now()

    @property
    def preview(self) -> bool:
        return self.run.preview

    # Log and counters -----------------------------------------------------------------------
    def log(self, message: str, *, level: str = "INFO", datastore: str = "") -> None:
        SyncLogLine.objects.create(
            run=self.run, at=timezone.now(), level=level, datastore=datastore[:255], message=message
        )
        self._beat()

    def count(self, datastore: str, key: str, n: int = 1) -> None:
        self.counts[datastore][key] += n

    def error(self, message: str, *, datastore: str = "", asset: str = "") -> None:
        """A failure on one asset or datastore: logged, sampled, and the run goes on."""
        self.errors += 1
        self.count(datastore, "errors")
        samples = self.run.error_samples
        if len(samples) < MAX_ERROR_SAMPLES:
            samples.append({"datastore": datastore, "asset": asset, "message": message[:500]})
        self.log(f"{asset + ': ' if asset else ''}{message}", level="ERROR", datastore=datastore)

    def change(
        self,
        *,
        datastore: str,
        asset: str,
        kind: str,
        before: str = "",
        after: str = "",
        catalog_ref: str = "",
    ) -> None:
        self._changes.append(
            SyncChange(
                run=self.run,
                datastore=datastore[:255],
                asset=asset[:1000],
                catalog_ref=catalog_ref[:1000],
                kind=kind,
                before=before,
                after=after,
                applied=not self.preview,
            )
        )
        if len(self._changes) >= _FLUSH_CHANGES_AT:
            self._flush_changes()

    def issue(self, *, kind: str, level: str, datastore: str, path: str, reason: str) -> None:
        SyncIssue.objects.create(
            run=self.run, kind=kind, level=level, datastore=datastore, path=path, reason=reason
        )

    def issues_bulk(self, issues: Iterable[SyncIssue]) -> None:
        batch = list(issues)
        for item in batch:
            item.run = self.run
        SyncIssue.objects.bulk_create(batch, batch_size=2000)

    def progress(self, done: int, total: int) -> None:
        self.run.progress_done, self.run.progress_total = done, total

    def set_requests(self, reads: int, writes: int) -> None:
        self.run.requests_read, self.run.requests_write = reads, writes

    # Safe points --------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Save progress and stop here if a cancel was asked for. Call between pages and datastores."""
        self._flush_changes()
        self._save_progress()
        if SyncRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise RunCancelled

    def _beat(self) -> None:
        now = timezone.now()
        if (now - self._last_flush).total_seconds() >= 2:
            self._save_progress()

    def _save_progress(self) -> None:
        self._last_flush = timezone.now()
        self.run.counts = {ds: dict(values) for ds, values in self.counts.items()}
        self.run.heartbeat_at = self._last_flush
        SyncRun.objects.filter(pk=self.run.pk).update(
            counts=self.run.counts,
            heartbeat_at=self.run.heartbeat_at,
            progress_done=self.run.progress_done,
            progress_total=self.run.progress_total,
            error_samples=self.run.error_samples,
            requests_read=self.run.requests_read,
            requests_write=self.run.requests_write,
        )

    def _flush_changes(self) -> None:
        if self._changes:
            SyncChange.objects.bulk_create(self._changes, batch_size=2000)
            self._changes = []


def run_start(
    *,
    integration: Integration,
    user: AbstractBaseUser | None = None,
    trigger: str = SyncRun.Trigger.MANUAL,
    pull: bool = False,
    push: bool = False,
    preview: bool = False,
    container_ids: list[int] | None = None,
    enqueue: bool = True,
) -> SyncRun:
    """Record a queued run and put it on the task queue. Raises RunAlreadyActive if one is active.

    enqueue=False leaves the queued run for the caller to execute in its own process.
    """
    if not (pull or push):
        raise ValueError("A sync pulls, pushes or both.")
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                integration=integration,
                started_by=user if user is not None and user.is_authenticated else None,
                trigger=trigger,
                pull=pull,
                push=push,
                preview=preview,
                container_ids=container_ids,
            )
    except IntegrityError:
        active = SyncRun.objects.filter(integration=integration, status__in=SyncRun.ACTIVE_STATUSES).first()
        if active is None:  # it finished in between: try once more
            return run_start(
                integration=integration,
                user=user,
                trigger=trigger,
                pull=pull,
                push=push,
                preview=preview,
                container_ids=container_ids,
                enqueue=enqueue,
            )
        raise RunAlreadyActive(active) from None
    if not enqueue:
        return run
    from django_q.tasks import async_task

    # Enqueued after the row is committed so a worker always finds it.
    task_id = async_task("integrations.tasks.sync_run_execute", run.pk, task_name=f"sync-run-{run.pk}")
    SyncRun.objects.filter(pk=run.pk).update(task_id=task_id or "")
    run.refresh_from_db()
    return run


def run_execute(run_id: int) -> SyncRun:
    """The body of the queued task: claim the run, let the connector work, record how it ended."""
    from integrations.connectors import integration_connector

    now = timezone.now()
    claimed = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    run = SyncRun.objects.select_related("integration").get(pk=run_id)
    if not claimed:
        # Cancelled before it started, or a duplicate delivery: never run twice.
        logger.info("Run %s was not queued (status %s); not running it", run_id, run.status)
        return run
    ctx = RunContext(run)
    who = run.started_by.get_username() if run.started_by_id else run.get_trigger_display().lower()
    ctx.log(f"{run.what} of {run.integration.name} started ({who}).")
    status, message = SyncRun.Status.SUCCEEDED, ""
    try:
        connector = integration_connector(run.integration)
        if run.container_ids is not None:
            connector.push_containers(ctx, run.container_ids)
        else:
            connector.sync(ctx)
        ctx.checkpoint()
    except RunCancelled:
        status, message = (
            SyncRun.Status.CANCELLED,
            "Cancelled at a safe point; changes made before it are kept.",
        )
        ctx.log(message, level="WARNING")
    except CatalogAuthenticationError as exc:
        status, message = SyncRun.Status.FAILED, f"The catalog rejected the token: {exc}"
        ctx.log(message + " The integration needs re-authentication.", level="ERROR")
        Integration.objects.filter(pk=run.integration_id).update(
            status=Integration.Status.NEEDS_REAUTH, status_message=str(exc)[:500]
        )
    except RunStopped as exc:
        status, message = SyncRun.Status.FAILED, str(exc)
        ctx.log(message, level="ERROR")
    except Exception as exc:  # the run must end recorded, whatever went wrong
        status, message = SyncRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        logger.exception("Run %s failed", run_id)
        ctx.log(f"The sync failed: {message}", level="ERROR")
        ctx.log("".join(traceback.format_exception(exc)[-3:]), level="ERROR")
    else:
        if run.preview:
            status, message = SyncRun.Status.PREVIEWED, "Preview finished: nothing was written."
        elif ctx.errors:
            status, message = SyncRun.Status.PARTIAL, f"Finished with {ctx.errors} error(s)."
        else:
            message = "Finished."
    return run_finish(ctx, status=status, message=message)


def run_finish(ctx: RunContext, *, status: str, message: str) -> SyncRun:
    ctx._flush_changes()
    ctx._save_progress()
    run = ctx.run
    now = timezone.now()
    if status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.PREVIEWED):
        run.progress_done = run.progress_total
    SyncRun.objects.filter(pk=run.pk).update(
        status=status, message=message, finished_at=now, progress_done=run.progress_done
    )
    if status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL):
        Integration.objects.filter(pk=run.integration_id).update(last_synced_at=now)
    took = (now - run.started_at).total_seconds() if run.started_at else 0
    ctx.log(f"{SyncRun.Status(status).label} in {took:.1f} s. {message}".strip(), level="INFO")
    run.refresh_from_db()
    return run


def run_cancel(*, run: SyncRun, user: AbstractBaseUser | None) -> SyncRun:
    """A queued run is cancelled at once; a running one stops at its next safe point."""
    who = user.get_username() if user is not None else "someone"
    if SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        message=f"Cancelled by {who} before it started.",
    ):
        SyncLogLine.objects.create(
            run=run, at=timezone.now(), message=f"Cancelled by {who} before it started."
        )
    elif SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(cancel_requested=True):
        SyncLogLine.objects.create(
            run=run,
            at=timezone.now(),
            level="WARNING",
            message=f"Cancel requested by {who}; the sync stops at the next safe point.",
        )
    run.refresh_from_db()
    return run


def runs_sweep() -> int:
    """Mark runs whose worker stopped sending heartbeats as failed; returns how many."""
    limit = timezone.now() - timedelta(seconds=settings.PLUMBLINE_HEARTBEAT_TIMEOUT_SECONDS)
    dead = list(SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=limit))
    for run in dead:
        message = (
            f"The worker stopped responding (last heartbeat {run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC); "
            "the sync was marked failed. Start it again."
        )
        if SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.FAILED, finished_at=timezone.now(), message=message
        ):
            SyncLogLine.objects.create(run=run, at=timezone.now(), level="ERROR", message=message)
    return len(dead)
