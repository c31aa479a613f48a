"""Reads for the integration pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from integrations.connectors import integration_connector
from integrations.models import (
    AssetLink,
    Integration,
    MappingPin,
    SyncChange,
    SyncIssue,
    SyncLogLine,
    SyncRun,
)
from integrations.scope import scope_labels, scope_text


def integration_cards(*, pk: int | None = None) -> list[Integration]:
    """Integrations with their external-tag count and their active and latest finished run.

    A fixed number of queries, however many integrations there are.
    """
    # Ordered here: Meta.ordering does not apply to a query that counts (GROUP BY).
    rows = Integration.objects.annotate(external_tag_count=Count("external_tags")).order_by("name")
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
    pins: dict[tuple[int, bool], int] = {
        (row["integration_id"], row["excluded"]): row["n"]
        for row in MappingPin.objects.filter(integration_id__in=ids)
        .values("integration_id", "excluded")
        .annotate(n=Count("id"))
    }
    for card in cards:
        card.active_run = active.get(card.pk)
        card.last_run = latest.get(card.pk)
        card.pinned, card.excluded = pins.get((card.pk, False), 0), pins.get((card.pk, True), 0)
        card.scope_text = scope_text(
            card.parameters, scope_labels(integration_connector(card).parameter_fields)
        )
    return cards


def run_log_lines(run: SyncRun, *, after: int = 0, limit: int = 500) -> list[SyncLogLine]:
    return list(run.log_lines.filter(id__gt=after).order_by("id")[:limit])


def run_count_labels(integration: Integration) -> dict[str, str]:
    """The run counts in the order pages show them, named as the integration's catalog names them."""
    alert = integration_connector(integration).alert_name
    return {
        "tables": "tables",
        "fields": "fields",
        "tags_pulled": "tags pulled",
        "tags_removed": "tags removed",
        "assets_pushed": "assets pushed",
        "announcements_set": f"{alert} set",
        "announcements_cleared": f"{alert} cleared",
        "errors": "errors",
    }


# What a history row says a run did (tables and fields matched are on the run page).
HISTORY_COUNTS = (
    "tags_pulled",
    "tags_removed",
    "assets_pushed",
    "announcements_set",
    "announcements_cleared",
)


def run_history_counts(run: SyncRun, labels: dict[str, str]) -> list[tuple[int, str]]:
    """The run's non-zero totals a history row shows, e.g. [(12, "tags pulled"), (2, "trust flags set")]."""
    totals = run.totals
    # One of them reads singular: each label is "<plural noun> <verb>" ("tags pulled" → "tag pulled").
    return [
        (n, labels[key] if n != 1 else labels[key].replace("s ", " ", 1))
        for key in HISTORY_COUNTS
        if (n := totals.get(key, 0))
    ]


def run_summary(run: SyncRun) -> dict:
    """Per-datastore counts as rows, the totals and issue counts for the run page."""
    labels = run_count_labels(run.integration)
    keys = list(labels)
    rows = [
        (name or "(all)", [values.get(k, 0) for k in keys]) for name, values in sorted(run.counts.items())
    ]
    issue_counts = dict(run.issues.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    kinds = {
        **dict(SyncIssue.Kind.choices),
        "catalog_only": f"Only in {run.integration.get_integration_type_display()}",
    }
    # "2 not visible, 1 only in Atlan": the report's kinds, in a sentence.
    words = {kind: label[:1].lower() + label[1:] for kind, label in kinds.items()}
    issue_summary = ", ".join(f"{n} {words.get(kind, kind)}" for kind, n in sorted(issue_counts.items()))
    return {
        "count_keys": list(labels.values()),
        "count_rows": rows,
        "count_totals": [sum(r[1][i] for r in rows) for i in range(len(keys))],
        "issue_counts": issue_counts,
        "issue_summary": issue_summary,
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


@dataclass
class CatalogPanel:
    """One integration's view of one Plumbline asset, for the catalog panel on asset pages."""

    integration: Integration
    link: AssetLink | None
    catalog_url: str
    issue: SyncIssue | None
    last_pull: SyncRun | None
    last_push: SyncRun | None
    # (attribute, value, run) Plumbline last wrote on the catalog asset, newest first per attribute.
    written: list[tuple[str, str, SyncRun]]


def asset_catalog_panels(*, level: str, object_id: int, container_id: int | None) -> list[CatalogPanel]:
    """Per integration: the matched catalog asset or why there is none, the last pull and push, and
    what Plumbline last wrote there. A few queries per integration, none per attribute."""
    links = {link.integration_id: link for link in AssetLink.objects.filter(level=level, object_id=object_id)}
    panels = []
    for integration in Integration.objects.order_by("name"):
        link = links.get(integration.pk)
        finished = integration.runs.filter(status__in=SyncRun.FINISHED_OK)
        issue = None
        if link is None:
            issue = (
                SyncIssue.objects.filter(run__integration=integration, level=level, object_id=object_id)
                .select_related("run")
                .order_by("-id")
                .first()
            )
        panels.append(
            CatalogPanel(
                integration=integration,
                link=link,
                catalog_url=_catalog_url(integration, link),
                issue=issue,
                last_pull=finished.filter(pull=True).first(),
                last_push=_last_push(finished, container_id),
                written=_written(integration, link),
            )
        )
    return panels


def _catalog_url(integration: Integration, link: AssetLink | None) -> str:
    if link is None:
        return ""
    return integration_connector(integration).asset_url(
        integration.url,
        catalog_type=link.catalog_type,
        qualified_name=link.catalog_qualified_name,
        guid=link.catalog_guid,
    )


def _last_push(finished: QuerySet[SyncRun], container_id: int | None) -> SyncRun | None:
    """The latest push that covered the asset: a full one, or an event push of its table."""
    for run in finished.filter(push=True)[:50]:
        if run.container_ids is None or (container_id is not None and container_id in run.container_ids):
            return run
    return None


def _written(integration: Integration, link: AssetLink | None) -> list[tuple[str, str, SyncRun]]:
    if link is None:
        return []
    changes = (
        SyncChange.objects.filter(
            run__integration=integration, catalog_ref=link.catalog_qualified_name[:1000], applied=True
        )
        .exclude(attribute="")
        .select_related("run")
        .order_by("-id")[:200]
    )
    latest: dict[str, tuple[str, str, SyncRun]] = {}
    for change in changes:
        latest.setdefault(change.attribute, (change.attribute, change.after, change.run))
    return sorted(latest.values())
