"""Scheduled reconciliation, kept as django-q2 schedules that follow the integration's settings."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from integrations.models import Integration

MAINTENANCE = "plumbline-maintenance"


def _name(integration: Integration) -> str:
    return f"integration-{integration.pk}-sync"


def integration_schedule_sync(integration: Integration) -> Schedule | None:
    """Create, change or remove the integration's schedule to match its settings."""
    if not integration.schedule_minutes or not (integration.schedule_pull or integration.schedule_push):
        integration_schedule_remove(integration)
        return None
    schedule, created = Schedule.objects.get_or_create(
        name=_name(integration),
        defaults={
            "func": "integrations.tasks.scheduled_sync",
            "args": repr((integration.pk,)),
            "schedule_type": Schedule.MINUTES,
            "minutes": integration.schedule_minutes,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=integration.schedule_minutes),
        },
    )
    if not created and schedule.minutes != integration.schedule_minutes:
        schedule.minutes = integration.schedule_minutes
        schedule.next_run = timezone.now() + timedelta(minutes=integration.schedule_minutes)
        schedule.save(update_fields=["minutes", "next_run"])
    return schedule


def integration_schedule_remove(integration: Integration) -> None:
    Schedule.objects.filter(name=_name(integration)).delete()


def maintenance_schedule_ensure() -> Schedule:
    """Every minute: mark dead runs failed and push tables whose event push had to wait."""
    schedule, _ = Schedule.objects.update_or_create(
        name=MAINTENANCE,
        defaults={
            "func": "integrations.tasks.maintenance",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    return schedule
