"""An Alation integration limited to data sources, and the choices of its scope, against the sandbox."""

from __future__ import annotations

from integrations.alation.connector import AlationConnector
from integrations.models import SyncIssue, SyncRun
from tests.integrations.alation.syncing import (
    APP,
    FINANCE,
    SALES,
    container,
    integration_make,
    log_text,
    sync,
    values,
)


def test_a_data_source_scope_matches_datastores_only_in_those_sources(alation_sandbox, demo):
    sources = [{"id": "2", "name": "App Database (postgresql, db.acme.internal)"}]
    integration = integration_make(alation_sandbox, parameters={"connections": sources})
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert "Data sources: only datastores in App Database (postgresql, db.acme.internal) are matched." in (
        log_text(run)
    )
    assert values(alation_sandbox, f"{APP}.events")
    assert not values(alation_sandbox, f"{SALES}.ORDERS") and not values(alation_sandbox, FINANCE)
    outside = SyncIssue.objects.filter(run=run, kind="out_of_scope", level="datastore")
    assert dict(outside.values_list("path", "reason")) == {
        "Sales Warehouse": "Not in this integration's Alation data sources "
        "(Alation has it in data source Sales Warehouse).",
        "Finance Mart": "Not in this integration's Alation data sources (Alation has it in data source Finance Mart).",
    }


def test_data_sources_and_domains_together(alation_sandbox, demo):
    parameters = {
        "connections": [{"id": "1", "name": "Sales Warehouse"}],
        "domains": [{"id": "4", "name": "Orders"}],
    }
    integration = integration_make(alation_sandbox, parameters=parameters)
    run = sync(integration, pull=False)
    assert values(alation_sandbox, f"{SALES}.ORDERS") and not values(alation_sandbox, f"{SALES}.CUSTOMERS")
    assert not values(alation_sandbox, f"{APP}.events")
    items = container("PRODUCTS")
    event = sync(integration, container_ids=[items.pk], trigger=SyncRun.Trigger.EVENT)
    assert event.status == "succeeded", log_text(event)
    assert not values(alation_sandbox, f"{SALES}.PRODUCTS")  # outside the domain: an event push leaves it
    assert run.status == "succeeded", log_text(run)


def test_the_scope_choices_come_from_alation(alation_sandbox):
    connector = AlationConnector()
    credentials = {"user_id": "7", "refresh_token": alation_sandbox.refresh_token}
    sources = connector.parameter_choices("connections", url=alation_sandbox.url, credentials=credentials)
    assert sources[:3] == [
        ("2", "App Database (postgresql, db.acme.internal)"),
        ("3", "Finance Mart (sqlserver, sql01.acme.internal)"),
        ("4", "Lakehouse (databricks, adb-1234567890.azuredatabricks.net)"),
    ]
    domains = connector.parameter_choices("domains", url=alation_sandbox.url, credentials=credentials)
    assert ("4", "Sales › Orders") in domains
