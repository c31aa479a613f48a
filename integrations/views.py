"""Settings › Integrations: cards, the add / edit / delete modal forms and the connection test."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from accounts.roles import admin_required
from catalog.models import Container, Datastore, Field
from config.htmx import HtmxHttpRequest
from integrations.connectors import connector_for
from integrations.forms import IntegrationForm, catalog_url_clean, parameter_labels
from integrations.models import Integration
from integrations.selectors import asset_catalog_panels, integration_cards
from integrations.services import (
    CredentialsRequired,
    integration_create,
    integration_delete,
    integration_test_connection,
    integration_update,
    url_origin,
)
from integrations.sync.connector import ConnectionOK, ConnectionProblem


def _modal_or_page(request: HtmxHttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """htmx gets the modal fragment; a plain request gets the same form inside a page."""
    if request.htmx:
        return render(request, template, context, status=status)
    return render(request, "integrations/form_page.html", context | {"fragment": template}, status=status)


def _done(request: HtmxHttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    url = reverse("integrations:list")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def card_response(request: HtmxHttpRequest, pk: int, **extra: object) -> HttpResponse:
    """One card, as a syncing card polls for itself: polling stops (286) once no run is active."""
    cards = integration_cards(pk=pk)
    if not cards:
        # Deleted meanwhile: the card goes, and its polling with it.
        return HttpResponse("", status=HTMX_STOP_POLLING)
    card: Any = cards[0]  # with its active and latest runs (integration_cards)
    status = 200 if card.active_run or "test_result" in extra else HTMX_STOP_POLLING
    context = {"integration": card, **extra}
    return render(request, "integrations/partials/_card.html", context, status=status)


@require_GET
def integration_list(request: HtmxHttpRequest) -> HttpResponse:
    card = request.GET.get("card", "")
    if request.htmx and card.isdigit():
        return card_response(request, int(card))
    context = {"integrations": integration_cards()}
    if request.htmx and request.GET.get("fragment") == "cards":
        return render(request, "integrations/partials/_cards.html", context)
    return render(request, "integrations/list.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def integration_add(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = IntegrationForm(request.POST)
    else:
        # The type picker re-renders the form for another type, keeping what was typed (no secrets).
        form = IntegrationForm(initial=request.GET.dict() if "integration_type" in request.GET else None)
    if request.method == "POST" and form.is_valid():
        try:
            integration = integration_create(
                user=request.user, credentials=form.credentials(), **form.values()
            )
        except ConnectionProblem as problem:
            form.add_error(form.problem_field(problem), problem.message)
        else:
            return _done(request, f"“{integration.name}” is connected. Press Sync to bring its tags in.")
    context = {"form": form, "title": "Add Integration", "action": reverse("integrations:add")}
    return _modal_or_page(request, "integrations/partials/_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def integration_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    form = IntegrationForm(
        request.POST if request.method == "POST" else None, instance=Integration.objects.get(pk=pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            integration_update(
                integration=integration, user=request.user, credentials=form.credentials(), **form.values()
            )
        except CredentialsRequired as required:
            for name in required.fields:
                form.add_error(name if name in form.fields else None, required.message)
        except ConnectionProblem as problem:
            form.add_error(form.problem_field(problem), problem.message)
        else:
            return _done(request, f"“{integration.name}” was saved.")
    context = {
        "form": form,
        "integration": integration,
        "title": f"Edit {integration.name}",
        "action": reverse("integrations:edit", args=[pk]),
    }
    return _modal_or_page(request, "integrations/partials/_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def integration_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    if request.method == "POST":
        removed = integration_delete(integration=integration, user=request.user)
        return _done(request, f"“{integration.name}” was deleted with its {removed} external tag(s).")
    context = {
        "integration": integration,
        "external_tag_count": integration.external_tags.count(),
        "title": f"Delete {integration.name}",
    }
    return _modal_or_page(request, "integrations/partials/_delete.html", context)


@admin_required
@require_POST
def integration_test(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    result = integration_test_connection(integration=integration, user=request.user)
    if isinstance(result, ConnectionOK):
        answer = {"ok": True, "text": f"Connected as {result.username} · {result.detail}"}
    else:
        answer = {"ok": False, "text": result.message}
    if request.htmx:
        return card_response(request, pk, test_result=answer)
    if answer["ok"]:
        messages.success(request, f"{integration.name}: {answer['text']}")
    else:
        messages.error(request, f"{integration.name}: {answer['text']}")
    return redirect("integrations:list")


@require_GET
def asset_panel(request: HtmxHttpRequest, level: str, pk: int) -> HttpResponse:
    """The catalog panel of an asset page, loaded after the page so the page stays fast."""
    model = {"datastore": Datastore, "container": Container, "field": Field}.get(level)
    if model is None:
        raise Http404("Unknown asset level.")
    asset = get_object_or_404(model, pk=pk)
    container_id = {"container": pk, "field": getattr(asset, "container_id", None)}.get(level)
    panels = asset_catalog_panels(level=level, object_id=pk, container_id=container_id)
    context = {"panels": panels, "level": level, "asset": asset}
    if request.htmx:
        return render(request, "integrations/partials/_asset_panel.html", context)
    return render(request, "integrations/asset_panel.html", context)


@admin_required
@require_POST
def integration_choices(request: HtmxHttpRequest, name: str, pk: int | None = None) -> HttpResponse:
    """The catalog's choices for a parameter field (e.g. Alation domains), read with the URL and
    credentials typed in the form (on edit, an empty secret means the stored one)."""
    integration = get_object_or_404(Integration, pk=pk) if pk is not None else None
    kind = integration.integration_type if integration else request.POST.get("integration_type", "")
    try:
        connector = connector_for(kind)
    except ValueError:
        return HttpResponse(status=400)
    selected = request.POST.getlist(name)
    labels = parameter_labels(request.POST, name)
    choices = [(v, labels.get(v, v)) for v in selected]
    context: dict = {"name": name, "selected": selected, "choices": choices, "problem": ""}
    try:
        url = catalog_url_clean(request.POST.get("url", "") or (integration.url if integration else ""))
        # Stored secrets were typed for the stored address: they never follow the URL elsewhere.
        same_host = integration is not None and url_origin(url) == url_origin(integration.url)
        stored = integration.credentials if integration and same_host else {}
        credentials = {
            f.name: request.POST.get(f.name, "").strip() or stored.get(f.name, "")
            for f in connector.credential_fields
        }
        choices = connector.parameter_choices(name, url=url, credentials=credentials)
    except forms.ValidationError as exc:
        context["problem"] = " ".join(exc.messages)
    except ConnectionProblem as problem:
        context["problem"] = problem.message
    else:
        known = {value for value, _ in choices}
        context["missing"] = [v for v in selected if v not in known]
        context["choices"] = choices + [(v, labels.get(v, v)) for v in context["missing"]]
    return render(request, "integrations/partials/_parameter_choices.html", context)
