"""Reads for the integration pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from integrations.models import Integration, SyncLogLine, SyncRun


def integration_cards(*, pk: int | None = None) -> list[Integration]:
    """Integrations with their external-tag count and their active and latest finished run.

    A fixed number of queries, however many integrations there are.
    """
    rows = Integration.objects.annotate(external_tag_count=Count("external_tags"))
    if pk is not None:
        rows = rows.filter(pk=pk)
    # Cards carry their runs as extra attributes for the templates.
    cards: list[Any] = list(rows)
    ids = [i.pk for i in cards]
    active = {
        r.integration_id: r
        for r in SyncRun.objects.filter(integration_id__in=ids, status__in=SyncRun.ACTIVE_STATUSES)
    }
    latest: dict[int, SyncRun] = {}
    for run in (
        SyncRun.objects.filter(integration_id__in=ids)
        .exclude(status__in=SyncRun.ACTIVE_STATUSES)
        .order_by("integration_id", "-created_at", "-id")
    ):
        latest.setdefault(run.integration_id, run)
    for card in cards:
        card.active_run = active.get(card.pk)
        card.last_run = latest.get(card.pk)
    return cards


def run_log_lines(run: SyncRun, *, after: int = 0, limit: int = 500) -> list[SyncLogLine]:
    return list(run.log_lines.filter(id__gt=after).order_by("id")[:limit])


def run_summary(run: SyncRun) -> dict:
    """Per-datastore counts as rows, the totals and issue counts for the run page."""
    keys = [
        "tables",
        "fields",
        "tags_pulled",
        "tags_removed",
        "assets_pushed",
        "announcements_set",
        "announcements_cleared",
        "errors",
    ]
    rows = [
        (name or "(all)", [values.get(k, 0) for k in keys]) for name, values in sorted(run.counts.items())
    ]
    issue_counts = dict(run.issues.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {
        "count_keys": [k.replace("_", " ") for k in keys],
        "count_rows": rows,
        "count_totals": [sum(r[1][i] for r in rows) for i in range(len(keys))],
        "issue_counts": issue_counts,
        "change_count": run.changes.count(),
    }


# A run's closing line is written just after its status changes; past this, stop waiting for it.
CLOSING_LINE_WAIT = timedelta(seconds=5)


def run_log_complete(run: SyncRun) -> bool:
    """The run has ended and its log has its closing line: a reader following the log may stop."""
    if run.is_active:
        return False
    if run.finished_at is None or timezone.now() - run.finished_at > CLOSING_LINE_WAIT:
        return True
    return run.log_lines.filter(at__gte=run.finished_at).exists()
