"""An integration's Mappings page: each datastore with the catalog schema it syncs with, and an
admin's overrides (pin to a schema picked from the catalog, exclude, back to matching by name)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.roles import admin_required
from catalog.models import Datastore
from config.htmx import HtmxHttpRequest
from integrations import mapping_services as services
from integrations.connectors import integration_connector
from integrations.mapping_selectors import mapping_latest_run, mapping_rows
from integrations.models import Integration
from integrations.sync.connector import Choice, ConnectionProblem, Connector


def _objects(pk: int, datastore_id: int) -> tuple[Integration, Datastore]:
    integration = get_object_or_404(Integration, pk=pk)
    datastore = get_object_or_404(Datastore, pk=datastore_id, store_type=Datastore.StoreType.JDBC)
    return integration, datastore


def _connection_label(connector: Connector) -> str:
    """ "Connection" (Atlan) or "Data source" (Alation): what the connector calls one."""
    labels = {f.name: f.label for f in connector.parameter_fields}
    return labels.get("connections", "Connections").removesuffix("s")


def _back(request: HtmxHttpRequest, integration: Integration, text: str) -> HttpResponse:
    messages.success(request, text)
    url = reverse("integrations:mappings", args=[integration.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def mapping_list(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    integration = get_object_or_404(Integration, pk=pk)
    connector = integration_connector(integration)
    context = {
        "integration": integration,
        "rows": mapping_rows(integration),
        "run": mapping_latest_run(integration),
        "connection_label": _connection_label(connector),
        "catalog": connector.label,
    }
    return render(request, "integrations/mappings.html", context)


def _choices(integration: Integration, connection: str = "") -> tuple[list[Choice], str]:
    """Connections (or a connection's schemas) from the catalog, with the stored credentials."""
    connector = integration_connector(integration)
    try:
        if connection:
            found = connector.schema_choices(
                url=integration.url, credentials=integration.credentials, connection=connection
            )
        else:
            found = connector.parameter_choices(
                "connections", url=integration.url, credentials=integration.credentials
            )
    except ConnectionProblem as problem:
        return [], problem.message
    return found, ""


@admin_required
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HtmxHttpRequest, pk: int, datastore_id: int) -> HttpResponse:
    """Pin a datastore: pick a connection, then one of its schemas, both listed by the catalog."""
    integration, datastore = _objects(pk, datastore_id)
    problem = ""
    if request.method == "POST":
        try:
            services.mapping_pin(
                integration=integration, datastore=datastore, user=request.user, schema=request.POST["schema"]
            )
        except KeyError:
            problem = "Pick a schema."
        except (services.PinRefused, ConnectionProblem) as exc:
            problem = exc.message
        else:
            return _back(request, integration, f"{datastore.name} is pinned; the next sync uses it.")
    connections, listing_problem = _choices(integration)
    context = {
        "integration": integration,
        "datastore": datastore,
        "connections": connections,
        "problem": problem or listing_problem,
        "title": f"Pin {datastore.name}",
        "connection_label": _connection_label(integration_connector(integration)),
    }
    template = "integrations/partials/_mapping_form.html"
    if request.htmx:
        return render(request, template, context)
    return render(request, "integrations/form_page.html", context | {"fragment": template})


@admin_required
@require_GET
def mapping_schemas(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The schema picker's options for the connection chosen (htmx)."""
    integration = get_object_or_404(Integration, pk=pk)
    connection = request.GET.get("connection", "")
    schemas: list[Choice] | None = None  # none picked yet: the picker says to pick one first
    problem = ""
    if connection:
        schemas, problem = _choices(integration, connection)
    context = {"schemas": schemas, "problem": problem, "connection": connection}
    return render(request, "integrations/partials/_mapping_schemas.html", context)


@admin_required
@require_POST
def mapping_exclude(request: HtmxHttpRequest, pk: int, datastore_id: int) -> HttpResponse:
    integration, datastore = _objects(pk, datastore_id)
    services.mapping_exclude(integration=integration, datastore=datastore, user=request.user)
    return _back(request, integration, f"{datastore.name} is excluded from {integration.name}.")


@admin_required
@require_POST
def mapping_clear(request: HtmxHttpRequest, pk: int, datastore_id: int) -> HttpResponse:
    integration, datastore = _objects(pk, datastore_id)
    services.mapping_clear(integration=integration, datastore=datastore, user=request.user)
    return _back(request, integration, f"{datastore.name} is matched by name again.")
