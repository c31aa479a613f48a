"""django-q2 entry points: thin, they take ids and call the run machinery."""

from __future__ import annotations

from integrations.events import event_push_flush, event_pushes_due
from integrations.models import Integration, SyncRun
from integrations.runs import RunAlreadyActive, run_execute, run_note, run_start, runs_sweep


def sync_run_execute(run_id: int) -> str:
    return run_execute(run_id).status


def event_push(integration_id: int) -> str:
    run = event_push_flush(integration_id)
    return run.status if run else "nothing to push"


def scheduled_sync(integration_id: int) -> str:
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return "integration deleted"
    try:
        run = run_start(
            integration=integration,
            trigger=SyncRun.Trigger.SCHEDULE,
            pull=integration.schedule_pull,
            push=integration.schedule_push,
            enqueue=False,
        )
    except RunAlreadyActive as exc:
        run_note(exc.run, "A scheduled sync was skipped: this one was still active.", level="WARNING")
        return "skipped"
    return run_execute(run.pk).status


def maintenance() -> str:
    dead = runs_sweep()
    for integration_id in event_pushes_due():
        event_push_flush(integration_id)
    return f"{dead} dead run(s) marked failed"
