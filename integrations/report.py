"""The mapping report of a run: every asset by name, matched or not and why, for the page and the CSV.

Matched pairs are the integration's asset links (what the latest sync left); the rest are the
run's own rows (Plumbline-only, catalog-only, ambiguous, not visible, out of scope).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from integrations.connectors import integration_connector
from integrations.models import AssetLink, SyncIssue, SyncRun
from integrations.sync.connector import Connector
from integrations.sync.values import plumbline_path

LINK_KINDS = ("mapped", "case")
# Most in need of attention first: the report opens on the first of these that has rows.
ISSUE_KINDS = ("error", "not_visible", "ambiguous", "unmatched", "catalog_only", "out_of_scope")
LEVEL_LABELS = {"datastore": "Datastore", "container": "Table", "field": "Column"}


@dataclass(frozen=True)
class ReportRow:
    kind: str
    kind_label: str
    level: str
    datastore: str
    path: str
    plumbline_url: str
    catalog_type: str
    catalog_name: str
    catalog_url: str
    note: str


def report_kinds(run: SyncRun) -> list[tuple[str, str, int]]:
    """(kind, label, count) for the filter, in the order a person reads them."""
    catalog = run.integration.get_integration_type_display()
    links = run.integration.links.aggregate(
        all=Count("id"), case=Count("id", filter=Q(name_case_differs=True))
    )
    issues = dict(run.issues.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    labels = {**dict(SyncIssue.Kind.choices), "catalog_only": f"Only in {catalog}"}
    return [
        ("mapped", "Mapped", links["all"]),
        ("case", "Matched ignoring case", links["case"]),
        *((kind, labels[kind], issues.get(kind, 0)) for kind in ISSUE_KINDS),
    ]


def report_query(
    run: SyncRun, *, kind: str, q: str = "", level: str = ""
) -> QuerySet[AssetLink] | QuerySet[SyncIssue]:
    rows: QuerySet[AssetLink] | QuerySet[SyncIssue]
    if kind in LINK_KINDS:
        rows = run.integration.links.order_by("path")
        if kind == "case":
            rows = rows.filter(name_case_differs=True)
        if q:
            rows = rows.filter(Q(path__icontains=q) | Q(catalog_qualified_name__icontains=q))
    else:
        rows = run.issues.filter(kind=kind) if kind in ISSUE_KINDS else run.issues.all()
        if q:
            rows = rows.filter(
                Q(path__icontains=q) | Q(reason__icontains=q) | Q(catalog_qualified_name__icontains=q)
            )
    return rows.filter(level=level) if level in LEVEL_LABELS else rows


def report_rows(run: SyncRun, items: Iterable[Any]) -> list[ReportRow]:
    connector = integration_connector(run.integration)
    return [_row(run, connector, item) for item in items]


def report_rows_all(run: SyncRun, *, kind: str, q: str = "", level: str = "") -> Iterator[ReportRow]:
    """Every row of the report (every kind when `kind` is empty), streamed for the CSV."""
    connector = integration_connector(run.integration)
    kinds = [kind] if kind else ["mapped", *ISSUE_KINDS]
    for each in kinds:
        for item in report_query(run, kind=each, q=q, level=level).iterator(chunk_size=2000):
            yield _row(run, connector, item)


def _row(run: SyncRun, connector: Connector, item: AssetLink | SyncIssue) -> ReportRow:
    base = run.integration.url
    catalog_url = ""
    if item.catalog_qualified_name:
        catalog_url = connector.asset_url(
            base,
            catalog_type=item.catalog_type,
            qualified_name=item.catalog_qualified_name,
            guid=item.catalog_guid,
        )
    if isinstance(item, AssetLink):
        kind, label = ("case", "Matched ignoring case") if item.name_case_differs else ("mapped", "Mapped")
        note = "Names differ only in case." if item.name_case_differs else ""
        page = plumbline_path(item.level, item.object_id)
        return ReportRow(
            kind,
            label,
            item.level,
            item.path.split(" / ")[0],
            item.path,
            page,
            item.catalog_type,
            item.catalog_qualified_name,
            catalog_url,
            note,
        )
    page = plumbline_path(item.level, item.object_id) if item.object_id else ""
    label = item.get_kind_display()
    if item.kind == "catalog_only":
        label = f"Only in {run.integration.get_integration_type_display()}"
    return ReportRow(
        item.kind,
        label,
        item.level,
        item.datastore,
        item.path,
        page,
        item.catalog_type,
        item.catalog_qualified_name,
        catalog_url,
        item.reason,
    )
