"""Catalog pages. Each list view renders the full page, or only its results region for htmx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.roles import admin_required
from catalog import selectors, services
from catalog.forms import (
    AnomalyFilterForm,
    ContainerFilterForm,
    DatastoreFilterForm,
    FieldFilterForm,
    TagApplyForm,
    TagAssetsFilterForm,
    TagForm,
    TagListFilterForm,
)
from catalog.models import Anomaly, Container, Datastore, Field, Tag
from config.htmx import HtmxHttpRequest

DATASTORES_PER_PAGE = 25
ROWS_PER_PAGE = 50
ANOMALY_ACTIONS = (Anomaly.Status.ACKNOWLEDGED, Anomaly.Status.RESOLVED)
_ASSET_LEVELS: dict[str, type[Datastore | Container | Field]] = {
    "datastore": Datastore,
    "container": Container,
    "field": Field,
}


# Helpers


def _fragment_target(request: HtmxHttpRequest) -> str | None:
    """The htmx target id when a fragment is wanted, None when the full page is.

    History restores and boosted requests swap the whole page, so they get it.
    """
    htmx = request.htmx
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return None
    return htmx.target or ""


def _paginate(request: HttpRequest, rows: QuerySet, per_page: int, param: str = "page") -> Page:
    # get_page() turns junk and out-of-range numbers into a valid page instead of a 404.
    return Paginator(rows, per_page).get_page(request.GET.get(param))


def _get_or_404(getter: Callable[..., Any], pk: int) -> Any:
    try:
        return getter(pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404("Not found.") from exc


def _asset_or_404(level: str, pk: int) -> Datastore | Container | Field:
    model = _ASSET_LEVELS.get(level)
    if model is None:
        raise Http404("Unknown asset level.")
    return cast(
        "Datastore | Container | Field",
        get_object_or_404(model.objects.prefetch_related(selectors.tags_prefetch(model)), pk=pk),
    )


def _asset_tags_context(asset: Datastore | Container | Field, level: str) -> dict[str, Any]:
    links = list(asset.tag_links.all())
    applied = {link.tag_id for link in links}
    return {
        "asset": asset,
        "level": level,
        "asset_tags": links,
        "available_tags": [tag for tag in selectors.tag_global_list() if tag.pk not in applied],
    }


def _bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _tags_changed(response: HttpResponse) -> HttpResponse:
    """Close the modal and let the tag list refresh itself."""
    trigger_client_event(response, "modal:close", {})
    return trigger_client_event(response, "tags:changed", {})


# Datastores


@require_GET
def datastore_list(request: HtmxHttpRequest) -> HttpResponse:
    form = DatastoreFilterForm(request.GET)
    rows = selectors.datastore_list(
        q=form.value("q") or "",
        connector_type=form.value("connector") or "",
        tag_id=form.value("tag"),
        inherited=form.value("inherited") or "",
    )
    context = {"form": form, "page_obj": _paginate(request, rows, DATASTORES_PER_PAGE)}
    if _fragment_target(request) is not None:
        return render(request, "catalog/partials/_datastore_results.html", context)
    return render(request, "catalog/datastore_list.html", context)


@require_GET
def datastore_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    datastore = _get_or_404(selectors.datastore_get, pk)
    form = ContainerFilterForm(request.GET)
    rows = selectors.datastore_containers(
        datastore=datastore,
        q=form.value("q") or "",
        container_type=form.value("type") or "",
        tag_id=form.value("tag"),
        inherited=form.value("inherited") or "",
    )
    context = {"datastore": datastore, "form": form, "page_obj": _paginate(request, rows, ROWS_PER_PAGE)}
    if _fragment_target(request) is not None:
        return render(request, "catalog/partials/_container_results.html", context)
    context |= {
        "totals": selectors.datastore_totals(datastore=datastore),
        "history": selectors.asset_score_history(asset=datastore),
        **_asset_tags_context(datastore, "datastore"),
    }
    return render(request, "catalog/datastore_detail.html", context)


# Containers


def _anomaly_context(
    request: HttpRequest, container: Container, open_anomalies: int | None = None
) -> dict[str, Any]:
    form = AnomalyFilterForm(request.GET)
    rows = selectors.container_anomalies(container=container, state=form.state_value())
    if open_anomalies is None:
        open_anomalies = selectors.container_open_anomaly_count(container=container)
    return {
        "container": container,
        "anomaly_form": form,
        "anomaly_page": _paginate(request, rows, ROWS_PER_PAGE, param="a_page"),
        "open_anomalies": open_anomalies,
    }


def _field_context(request: HttpRequest, container: Container) -> dict[str, Any]:
    form = FieldFilterForm(request.GET)
    rows = selectors.container_fields(
        container=container,
        q=form.value("q") or "",
        tag_id=form.value("tag"),
        inherited=form.value("inherited") or "",
    )
    return {"container": container, "form": form, "page_obj": _paginate(request, rows, ROWS_PER_PAGE)}


@require_GET
def container_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    container = _get_or_404(selectors.container_get, pk)
    target = _fragment_target(request)
    if target == "anomaly-results":
        return render(request, "catalog/partials/_anomaly_results.html", _anomaly_context(request, container))
    if target is not None:
        return render(request, "catalog/partials/_field_results.html", _field_context(request, container))
    totals = selectors.container_totals(container=container)
    context = {
        **_field_context(request, container),
        **_anomaly_context(request, container, totals["open_anomalies"]),
        **_asset_tags_context(container, "container"),
        "totals": totals,
        "history": selectors.asset_score_history(asset=container),
        "checks": selectors.container_checks(container=container),
    }
    return render(request, "catalog/container_detail.html", context)


@require_POST
@admin_required
def anomaly_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    anomaly = get_object_or_404(Anomaly.objects.select_related("check_rule"), pk=pk)
    status = request.POST.get("status", "")
    if status not in ANOMALY_ACTIONS:
        return _bad_request("Choose “acknowledged” or “resolved” as the new status.")
    if not anomaly.is_open:
        return _bad_request("Only open anomalies can be acknowledged or resolved.")
    services.anomaly_set_status(anomalies=[anomaly], status=status)
    anomaly.refresh_from_db()
    if not request.htmx:
        return redirect(anomaly.container)
    # The row, and the open counts around it (tile and section bar), so the page stays true.
    open_anomalies = selectors.container_open_anomaly_count(container=anomaly.container)
    context = {"anomaly": anomaly, "open_anomalies": open_anomalies}
    return render(request, "catalog/partials/_anomaly_changed.html", context)


@require_POST
@admin_required
def container_anomalies_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    container = get_object_or_404(Container, pk=pk)
    open_rows = Anomaly.objects.filter(container=container, status__in=Anomaly.OPEN_STATUSES)
    # One service call, so listeners get one event for the table rather than one per anomaly.
    services.anomaly_set_status(anomalies=list(open_rows), status=Anomaly.Status.RESOLVED)
    if not request.htmx:
        return redirect(container)
    context = _anomaly_context(request, container)
    return render(request, "catalog/partials/_anomaly_results_changed.html", context)


# Fields


@require_GET
def field_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    field = _get_or_404(selectors.field_get, pk)
    context = {
        "field": field,
        "history": selectors.asset_score_history(asset=field),
        "checks": selectors.field_checks(field=field),
        **_asset_tags_context(field, "field"),
    }
    return render(request, "catalog/field_detail.html", context)


# Tags on assets


@require_POST
@admin_required
def asset_tag_add(request: HtmxHttpRequest, level: str, pk: int) -> HttpResponse:
    asset = _asset_or_404(level, pk)
    form = TagApplyForm(request.POST)
    if not form.is_valid():
        return _bad_request(" ".join(str(e) for e in form.errors["tag"]))
    services.tag_apply(tag=form.cleaned_data["tag"], asset=asset)
    return _asset_tags_response(request, level, pk)


@require_POST
@admin_required
def asset_tag_remove(request: HtmxHttpRequest, level: str, pk: int, tag_pk: int) -> HttpResponse:
    asset = _asset_or_404(level, pk)
    tag = get_object_or_404(Tag, pk=tag_pk)
    try:
        services.tag_remove(tag=tag, asset=asset)
    except ValidationError as exc:
        return _bad_request(" ".join(exc.messages))
    return _asset_tags_response(request, level, pk)


def _asset_tags_response(request: HtmxHttpRequest, level: str, pk: int) -> HttpResponse:
    asset = _asset_or_404(level, pk)  # fresh, so the chips show the change
    if not request.htmx:
        return redirect(asset)
    return render(request, "catalog/partials/_asset_tags.html", _asset_tags_context(asset, level))


# Tags


@require_GET
def tag_list(request: HtmxHttpRequest) -> HttpResponse:
    form = TagListFilterForm(request.GET)
    rows = selectors.tag_list(q=form.value("q") or "", tag_type=form.value("type") or "")
    context = {"form": form, "page_obj": _paginate(request, rows, ROWS_PER_PAGE)}
    if _fragment_target(request) is not None:
        return render(request, "catalog/partials/_tag_results.html", context)
    return render(request, "catalog/tag_list.html", context)


def _tag_form_response(request: HtmxHttpRequest, form: TagForm, tag: Tag | None) -> HttpResponse:
    context = {"form": form, "tag": tag}
    if request.htmx:
        return render(request, "catalog/partials/_tag_form.html", context)
    return render(request, "catalog/tag_form.html", context)


def _global_tag_or_error(pk: int) -> Tag | HttpResponse:
    tag = get_object_or_404(Tag.objects.select_related("integration"), pk=pk)
    if tag.is_external:
        return _bad_request(services.EXTERNAL_READ_ONLY)
    return tag


def _tags_saved(request: HtmxHttpRequest) -> HttpResponse:
    if request.htmx:
        return _tags_changed(HttpResponse(status=204))
    return redirect("catalog:tag_list")


@require_http_methods(["GET", "POST"])
@admin_required
def tag_create(request: HtmxHttpRequest) -> HttpResponse:
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_create(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _tags_saved(request)
    return _tag_form_response(request, form, None)


@require_http_methods(["GET", "POST"])
@admin_required
def tag_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    tag = _global_tag_or_error(pk)
    if isinstance(tag, HttpResponse):
        return tag
    form = TagForm(request.POST or None, instance=tag)
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_update(tag=tag, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _tags_saved(request)
    return _tag_form_response(request, form, tag)


@require_http_methods(["GET", "POST"])
@admin_required
def tag_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    tag = _global_tag_or_error(pk)
    if isinstance(tag, HttpResponse):
        return tag
    if request.method == "POST":
        services.tag_delete(tag=tag)
        return _tags_saved(request)
    template = "catalog/partials/_tag_delete.html" if request.htmx else "catalog/tag_delete.html"
    return render(request, template, {"tag": tag})


@require_GET
def tag_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    tag = _get_or_404(selectors.tag_get, pk)
    form = TagAssetsFilterForm(request.GET)
    levels = (
        ("datastore_page", Datastore, "ds_page"),
        ("container_page", Container, "c_page"),
        ("field_page", Field, "f_page"),
    )
    pages = {
        name: selectors.tag_asset_page(
            tag=tag,
            model=model,
            number=request.GET.get(param),
            per_page=ROWS_PER_PAGE,
            inherited=form.inherited_value(),
        )
        for name, model, param in levels
    }
    context = {"tag": tag, "form": form, **pages}
    if _fragment_target(request) is not None:
        return render(request, "catalog/partials/_tag_assets.html", context)
    return render(request, "catalog/tag_detail.html", context)
