"""Event-driven pushes: catalog changes become one coalesced push per table and integration."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import Integration, PendingPush, SyncRun
from integrations.runs import RunAlreadyActive, run_execute, run_start

logger = logging.getLogger(__name__)


def event_push_request(*, container_ids: list[int]) -> int:
    """Note the tables to push for every event-driven integration and wake a worker for each."""
    integrations = list(
        Integration.objects.filter(event_driven=True).exclude(status=Integration.Status.NEEDS_REAUTH)
    )
    if not integrations or not container_ids:
        return 0
    due = timezone.now() + timedelta(seconds=settings.PLUMBLINE_EVENT_DEBOUNCE_SECONDS)
    PendingPush.objects.bulk_create(
        [PendingPush(integration=i, container_id=c, due_at=due) for i in integrations for c in container_ids],
        update_conflicts=True,
        unique_fields=["integration", "container_id"],
        update_fields=["due_at"],
    )
    from django_q.tasks import async_task

    for integration in integrations:
        async_task("integrations.tasks.event_push", integration.pk, task_name=f"event-push-{integration.pk}")
    return len(integrations)


def event_push_flush(integration_id: int) -> SyncRun | None:
    """Wait out the burst, then push every pending table of the integration in one event run."""
    debounce = settings.PLUMBLINE_EVENT_DEBOUNCE_SECONDS
    if debounce:
        time.sleep(debounce)
    with transaction.atomic():
        rows = list(PendingPush.objects.filter(integration_id=integration_id, due_at__lte=timezone.now()))
        if not rows:
            return None  # another flush took them, or more events keep coming: a later flush will
        integration = Integration.objects.get(pk=integration_id)
        try:
            run = run_start(
                integration=integration,
                trigger=SyncRun.Trigger.EVENT,
                push=True,
                container_ids=sorted({r.container_id for r in rows}),
                enqueue=False,
            )
        except RunAlreadyActive:
            # Leave them pending: the periodic maintenance task pushes them once the run ends.
            logger.info("Event push for integration %s waits for the active run", integration_id)
            return None
        PendingPush.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return run_execute(run.pk)


def event_pushes_due() -> list[int]:
    """Integrations with pending pushes whose burst is over (used by the periodic maintenance)."""
    return list(
        PendingPush.objects.filter(due_at__lte=timezone.now())
        .values_list("integration_id", flat=True)
        .distinct()
    )
