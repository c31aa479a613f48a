"""The catalog-agnostic run lifecycle: start, execute, log, heartbeat, cancel, finish, sweep.

Connectors do the catalog work through a RunContext; they never touch SyncRun directly.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.connectors import integration_connector
from integrations.http import CatalogAuthenticationError
from integrations.liveness import Heartbeat, runs_sweep
from integrations.models import Integration, SyncLogLine, SyncRun
from integrations.scope import UNLIMITED, scope_labels, scope_snapshot
from integrations.sync.context import RunCancelled, RunContext, RunStopped
from integrations.sync.tags_apply import pull_staging_delete

logger = logging.getLogger(__name__)
__all__ = [
    "RunAlreadyActive",
    "run_cancel",
    "run_execute",
    "run_finish",
    "run_note",
    "run_start",
    "runs_sweep",
]


class RunAlreadyActive(Exception):
    def __init__(self, run: SyncRun):
        self.run = run
        super().__init__(f"A sync of this integration is already {run.get_status_display().lower()}.")


def run_start(
    *,
    integration: Integration,
    user: User | None = None,
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
                scope=integration_scope_snapshot(integration),
            )
    except IntegrityError:
        active = SyncRun.objects.filter(integration=integration, status__in=SyncRun.ACTIVE_STATUSES).first()
        if active is not None and active.status == SyncRun.Status.RUNNING and runs_sweep(run_id=active.pk):
            active = None  # its worker had died: it is failed now, and this sync may start
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


def integration_scope_snapshot(integration: Integration) -> dict:
    labels = scope_labels(integration_connector(integration).parameter_fields)
    return scope_snapshot(integration.parameters, labels)


def run_execute(run_id: int) -> SyncRun:
    """The body of the queued task: claim the run, let the connector work, record how it ended."""
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
    who = run.started_by.get_username() if run.started_by else run.get_trigger_display().lower()
    ctx.log(f"{run.what} of {run.integration.name} started ({who}).")
    ctx.log(f"Scope: {run.scope.get('text') or UNLIMITED}.")
    with Heartbeat(run.pk):
        try:
            connector = integration_connector(run.integration)
            if run.container_ids is not None:
                connector.push_containers(ctx, run.container_ids)
            else:
                connector.sync(ctx)
            ctx.checkpoint()
        except Exception as exc:  # the run must end recorded, whatever went wrong
            status, message = _outcome_of(ctx, exc)
        else:
            status, message = _outcome(ctx)
        return run_finish(ctx, status=status, message=message)


def _outcome(ctx: RunContext) -> tuple[str, str]:
    if ctx.preview:
        return SyncRun.Status.PREVIEWED, "Preview finished: nothing was written."
    if ctx.errors:
        return SyncRun.Status.PARTIAL, f"Finished with {ctx.errors} error(s)."
    if ctx.warnings:
        return (
            SyncRun.Status.WARNINGS,
            f"Finished with {ctx.warnings} warning(s): the log says what was skipped.",
        )
    return SyncRun.Status.SUCCEEDED, "Finished."


def _outcome_of(ctx: RunContext, exc: Exception) -> tuple[str, str]:
    """How a run that stopped early ended, logged; tracebacks go to the server log only."""
    if isinstance(exc, RunCancelled):
        message = "Cancelled at a safe point; changes made before it are kept."
        ctx.log(message, level="WARNING")
        return SyncRun.Status.CANCELLED, message
    if isinstance(exc, CatalogAuthenticationError):
        message = f"The catalog rejected the token: {exc}"
        ctx.log(message + " The integration needs re-authentication.", level="ERROR")
        Integration.objects.filter(pk=ctx.run.integration_id).update(
            status=Integration.Status.NEEDS_REAUTH, status_message=str(exc)[:500]
        )
        return SyncRun.Status.FAILED, message
    if isinstance(exc, RunStopped):
        ctx.log(str(exc), level="ERROR")
        return SyncRun.Status.FAILED, str(exc)
    logger.exception("Run %s failed", ctx.run.pk, exc_info=exc)
    message = f"The sync failed with an unexpected {type(exc).__name__}; the server log has the details."
    ctx.log(message, level="ERROR")
    return SyncRun.Status.FAILED, message


def run_finish(ctx: RunContext, *, status: str, message: str) -> SyncRun:
    """Record how the run ended, only if it is still running: a run marked failed stays failed."""
    ctx.changes_flush()
    # However the run ended, a pull's staging rows are no use any more.
    pull_staging_delete(ctx.run.pk)
    ctx.progress_save()
    run = ctx.run
    now = timezone.now()
    if status in (*SyncRun.FINISHED_OK, SyncRun.Status.PREVIEWED):
        run.progress_done = run.progress_total
    finished = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        status=status, message=message, finished_at=now, progress_done=run.progress_done
    )
    if not finished:
        run.refresh_from_db()
        ctx.log(
            f"The worker went on after this run was marked {run.get_status_display().lower()}; "
            "it stays that way. What it wrote is in its log and changes.",
            level="WARNING",
        )
        return run
    if status in SyncRun.FINISHED_OK:
        Integration.objects.filter(pk=run.integration_id).update(last_synced_at=now)
    took = (now - run.started_at).total_seconds() if run.started_at else 0
    ctx.log(f"{SyncRun.Status(status).label} in {took:.1f} s. {message}".strip(), level="INFO")
    run.refresh_from_db()
    return run


def run_note(run: SyncRun, message: str, *, level: str = "INFO") -> None:
    """A line in a run's log from outside the run (a skipped schedule, a cancel request)."""
    SyncLogLine.objects.create(run=run, at=timezone.now(), level=level, message=message)


def run_cancel(*, run: SyncRun, user: User | None) -> SyncRun:
    """A queued run is cancelled at once; a running one stops at its next safe point."""
    who = user.get_username() if user is not None else "someone"
    if SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.CANCELLED,
        cancel_requested=True,
        finished_at=timezone.now(),
        message=f"Cancelled by {who} before it started.",
    ):
        run_note(run, f"Cancelled by {who} before it started.")
    elif SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(cancel_requested=True):
        run_note(run, f"Cancel requested by {who}; the sync stops at the next safe point.", level="WARNING")
    run.refresh_from_db()
    return run
