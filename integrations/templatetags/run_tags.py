"""How run pages say when and how long: "just now", "4.2 s", "3 min 5 s"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from integrations.models import SyncRun

register = template.Library()

# Closer than this to now reads "just now" rather than a count of seconds.
JUST_NOW = timedelta(seconds=45)


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def run_duration(run: SyncRun) -> str:
    """How long the run worked: from its start to its end, or until now; "–" if it never started."""
    if run.started_at is None:
        return "–"
    end = run.finished_at or timezone.now()
    return duration_text(max(0.0, (end - run.started_at).total_seconds()))


@register.filter
def ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
