"""Sync modal, run pages with the live log, run history, cancel and the audit CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from accounts.roles import admin_required
from config.htmx import HtmxHttpRequest
from integrations import runs
from integrations.connectors import integration_connector
from integrations.forms import SyncForm
from integrations.models import Integration, SyncRun
from integrations.report import LEVEL_LABELS, report_kinds, report_query, report_rows, report_rows_all
from integrations.runs import RunAlreadyActive, run_start
from integrations.selectors import run_count_labels, run_history_counts, run_log_lines, run_summary
from integrations.views import card_response

LOG_PAGE = 500


@admin_required
@require_http_methods(["GET", "POST"])
def sync_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    connector = integration_connector(integration)
    form = SyncForm(request.POST if request.method == "POST" else None)
    active = None
    if request.method == "POST" and form.is_valid():
        try:
            run = run_start(integration=integration, user=request.user, **form.cleaned_data)
        except RunAlreadyActive as exc:
            active = exc.run
            form.add_error(None, "A sync of this integration is already running.")
        else:
            url = run.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"form": form, "integration": integration, "connector": connector, "active": active}
    if request.htmx:
        return render(request, "integrations/partials/_sync_form.html", context)
    return render(
        request,
        "integrations/form_page.html",
        context | {"fragment": "integrations/partials/_sync_form.html", "title": f"Sync {integration.name}"},
    )


@require_GET
def run_list(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    page = Paginator(integration.runs.select_related("started_by"), 25).get_page(request.GET.get("page"))
    labels = run_count_labels(integration)
    rows = [(run, run_history_counts(run, labels)) for run in page.object_list]
    context = {"integration": integration, "page": page, "rows": rows}
    return render(request, "integrations/run_list.html", context)


def _after(request: HtmxHttpRequest) -> int:
    try:
        return max(0, int(request.GET.get("after", "0")))
    except ValueError:
        return 0


@require_GET
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The run page; htmx polls the same URL with ?after=<last line id> for new lines only."""
    polled = request.htmx and "after" in request.GET
    run = get_object_or_404(SyncRun.objects.select_related("integration", "started_by"), pk=pk)
    lines = run_log_lines(run, after=_after(request), limit=LOG_PAGE)
    last_id = lines[-1].pk if lines else _after(request)
    context = {"run": run, "lines": lines, "last_id": last_id, **run_summary(run)}
    if polled:
        # More lines waiting means the client should come back at once, even after the end.
        more = len(lines) == LOG_PAGE
        context["polling"] = run.is_active or more
        status = 200 if context["polling"] else HTMX_STOP_POLLING
        return render(request, "integrations/partials/_run_poll.html", context, status=status)
    context["polling"] = run.is_active or len(lines) == LOG_PAGE
    return render(request, "integrations/run_detail.html", context)


@require_GET
def run_assets(request: HtmxHttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The mapping report: every asset by name, matched (with links on both sides) or not and why."""
    run = get_object_or_404(SyncRun.objects.select_related("integration"), pk=pk)
    q = request.GET.get("q", "").strip()[:200]
    kinds = report_kinds(run)
    known = {k for k, _, _ in kinds}
    kind = request.GET.get("kind", "")
    level = request.GET.get("level", "")
    if request.GET.get("format") == "csv":
        return _report_csv(run, kind=kind if kind in known else "", q=q, level=level)
    if kind not in known:
        # First visit: what needs attention, else what was mapped.
        kind = next((k for k, _, n in kinds[2:] if n), "mapped")
    page = Paginator(report_query(run, kind=kind, q=q, level=level), 50).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "q": q,
        "kind": kind,
        "level": level,
        "kinds": kinds,
        "levels": LEVEL_LABELS,
        "page": page,
        "rows": report_rows(run, page.object_list),
    }
    template = "integrations/partials/_run_assets.html" if request.htmx else "integrations/run_assets.html"
    return render(request, template, context)


def _report_csv(run: SyncRun, *, kind: str, q: str, level: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = [
        "kind",
        "level",
        "datastore",
        "plumbline asset",
        "plumbline page",
        "catalog type",
        "catalog asset",
    ]
    header += ["catalog page", "note"]
    site = settings.SITE_URL

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for r in report_rows_all(run, kind=kind, q=q, level=level):
            page = f"{site}{r.plumbline_url}" if r.plumbline_url else ""
            values = [r.kind_label, LEVEL_LABELS.get(r.level, r.level), r.datastore, r.path, page]
            values += [r.catalog_type, r.catalog_name, r.catalog_url, r.note]
            yield writer.writerow([csv_cell_neutralise(v) for v in values])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plumbline-run-{run.pk}-assets.csv"'
    return response


@admin_required
@require_POST
def run_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cancel from the card (the card comes back) or from the run page (its summary comes back)."""
    run = get_object_or_404(SyncRun.objects.select_related("integration", "started_by"), pk=pk)
    runs.run_cancel(run=run, user=request.user)
    if not request.htmx:
        return redirect(run.get_absolute_url())
    if request.htmx.target == f"integration-{run.integration_id}":
        return card_response(request, run.integration_id)
    context = {"run": run, **run_summary(run)}
    return render(request, "integrations/partials/_run_summary.html", context)


# A cell starting with one of these runs as a formula in a spreadsheet (tab, CR and LF too: some
# spreadsheets strip them and read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell_neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ' so it reads as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
def run_changes_csv(request: HtmxHttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_object_or_404(SyncRun, pk=pk)
    writer = csv.writer(_Echo())
    header = [
        "run",
        "time",
        "datastore",
        "asset",
        "catalog asset",
        "change",
        "attribute",
        "before",
        "after",
        "applied",
    ]

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for c in run.changes.order_by("id").iterator(chunk_size=2000):
            at = c.at.isoformat(timespec="seconds")
            values = [run.pk, at, c.datastore, c.asset, c.catalog_ref, c.kind, c.attribute, c.before, c.after]
            yield writer.writerow(
                [*(csv_cell_neutralise(v) for v in values), "yes" if c.applied else "no (preview)"]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plumbline-run-{run.pk}-changes.csv"'
    return response
