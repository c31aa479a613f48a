"""Sync modal, run pages with the live log, run history, cancel and the audit CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from accounts.roles import admin_required
from config.htmx import HtmxHttpRequest
from integrations import runs
from integrations.connectors import integration_connector
from integrations.models import Integration, SyncIssue, SyncRun
from integrations.runs import RunAlreadyActive, run_start, runs_sweep
from integrations.selectors import run_log_lines, run_summary

LOG_PAGE = 500


class SyncForm(forms.Form):
    pull = forms.BooleanField(required=False, initial=True)
    push = forms.BooleanField(required=False, initial=True)
    preview = forms.BooleanField(required=False, label="Preview only")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("pull") or data.get("push")):
            raise forms.ValidationError("Pick what to sync: pull, push or both.")
        return data


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
    runs_sweep()
    page = Paginator(integration.runs.select_related("started_by"), 25).get_page(request.GET.get("page"))
    return render(request, "integrations/run_list.html", {"integration": integration, "page": page})


def _after(request: HtmxHttpRequest) -> int:
    try:
        return max(0, int(request.GET.get("after", "0")))
    except ValueError:
        return 0


@require_GET
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The run page; htmx polls the same URL with ?after=<last line id> for new lines only."""
    polled = request.htmx and "after" in request.GET
    if not polled:  # not on every one-second poll
        runs_sweep()
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
def run_assets(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mapped assets (Plumbline ↔ catalog) and the ones that could not be mapped, searchable."""
    run = get_object_or_404(SyncRun.objects.select_related("integration"), pk=pk)
    q = request.GET.get("q", "").strip()[:200]
    links = run.integration.links.all()
    issues = run.issues.all()
    if q:
        links = links.filter(Q(path__icontains=q) | Q(catalog_qualified_name__icontains=q))
        issues = issues.filter(Q(path__icontains=q) | Q(reason__icontains=q))
    context = {
        "run": run,
        "q": q,
        "links": Paginator(links, 50).get_page(request.GET.get("page")),
        "issues": Paginator(issues, 50).get_page(request.GET.get("ipage")),
        "issue_kinds": SyncIssue.Kind,
    }
    template = "integrations/partials/_run_assets.html" if request.htmx else "integrations/run_assets.html"
    return render(request, template, context)


@admin_required
@require_POST
def run_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(SyncRun, pk=pk)
    runs.run_cancel(run=run, user=request.user)
    return redirect(run.get_absolute_url())


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
def run_changes_csv(request: HtmxHttpRequest, pk: int) -> StreamingHttpResponse:
    run = get_object_or_404(SyncRun, pk=pk)
    writer = csv.writer(_Echo())
    header = [
        "run",
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
            values = [
                run.pk,
                c.datastore,
                c.asset,
                c.catalog_ref,
                c.kind,
                c.attribute,
                c.before,
                c.after,
                c.applied,
            ]
            # Cells starting with = + - @ would run as formulas in a spreadsheet.
            yield writer.writerow(
                [f"'{v}" if isinstance(v, str) and v and v[0] in "=+-@" else v for v in values]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plumbline-run-{run.pk}-changes.csv"'
    return response
