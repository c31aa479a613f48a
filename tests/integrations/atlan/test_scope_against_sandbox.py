"""An Atlan integration limited to data domains or connections, over real HTTP against the sandbox:
only what is inside syncs, the rest is reported out of scope, and nothing pulled earlier is removed."""

from __future__ import annotations

import pytest

from catalog.models import Anomaly, Datastore
from integrations.atlan.connector import AtlanConnector
from integrations.models import SyncChange, SyncIssue, SyncRun
from sandbox.atlan.domains import domain_assign
from tests.integrations.atlan.test_sync_against_sandbox import (
    DEMO_PULL_WARNINGS,
    PG,
    SNOW,
    container,
    field,
    finished,
    integration_make,
    log_text,
    plumbline_cm,
    sync,
    tag_names,
)

pytestmark = pytest.mark.usefixtures("fast_retries")
FINANCE_SCHEMA = "default/mssql/1700000200/FINANCE/dbo"
SALES = {"id": "d0000000-0000-4000-8000-000000000001", "name": "Sales"}
FINANCE = {"id": "d0000000-0000-4000-8000-000000000002", "name": "Finance"}
PRODUCT = {"id": "d0000000-0000-4000-8000-000000000003", "name": "Product"}
MARKETING = {"id": "d0000000-0000-4000-8000-000000000005", "name": "Marketing"}


def out_of_scope(run: SyncRun) -> set[tuple[str, str]]:
    return set(SyncIssue.objects.filter(run=run, kind="out_of_scope").values_list("level", "path"))


def test_a_domain_scope_syncs_only_its_assets_and_reports_the_rest_out_of_scope(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, parameters={"domains": [FINANCE]})
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    log = log_text(run)
    assert "Domains: only assets in Finance (1 domain(s) with their subdomains)" in log
    assert "App Database (app.public): out of scope." in log
    # The FINANCE database is in the domain: everything under it syncs.
    assert plumbline_cm(atlan_sandbox, f"{FINANCE_SCHEMA}/gl_entries")["Check Count"] == 1
    assert plumbline_cm(atlan_sandbox, FINANCE_SCHEMA)
    # Of SALES.PUBLIC only PAYMENTS is in the domain; the schema itself is not written.
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/PAYMENTS")
    assert not plumbline_cm(atlan_sandbox, f"{SNOW}/ORDERS") and not plumbline_cm(atlan_sandbox, SNOW)
    assert not plumbline_cm(atlan_sandbox, f"{PG}/users")
    assert "PII" in tag_names(field("PAYMENTS", "CARD_LAST4"))
    assert "PII" not in tag_names(container("customers"))
    outside = out_of_scope(run)
    assert {("datastore", "App Database"), ("datastore", "Sales Warehouse")} <= outside
    assert ("container", "Sales Warehouse / ORDERS") in outside
    assert ("container", "Sales Warehouse / PAYMENTS") not in outside
    assert not any(path.startswith("Finance Mart") for _, path in outside)
    # Out of scope is left out on purpose: never a warning, never an unmatched row.
    assert not SyncIssue.objects.filter(run=run, path="Sales Warehouse / ORDERS").exclude(kind="out_of_scope")


def test_tags_pulled_before_the_scope_was_set_stay_where_it_no_longer_looks(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    assert finished(sync(integration, push=False), DEMO_PULL_WARNINGS)
    assets = [
        Datastore.objects.get(name="Sales Warehouse"),
        container("customers"),
        field("customers", "email"),
        container("users"),
    ]
    before = {obj: tag_names(obj) for obj in assets}
    assert "Gold Layer" in before[assets[0]] and "PII" in before[assets[1]] and "PII" in before[assets[3]]
    integration.parameters = {"domains": [FINANCE]}
    integration.save()
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert {obj: tag_names(obj) for obj in assets} == before
    assert run.totals.get("tags_removed", 0) == 0
    assert not SyncChange.objects.filter(run=run, kind="tag_removed").exists()


def test_a_domain_brings_its_subdomains(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, parameters={"domains": [PRODUCT]})
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert plumbline_cm(atlan_sandbox, f"{PG}/events") and plumbline_cm(atlan_sandbox, f"{PG}/active_users")
    assert not plumbline_cm(atlan_sandbox, f"{PG}/users") and not plumbline_cm(atlan_sandbox, PG)
    assert "Domains: only assets in Product (2 domain(s)" in log_text(run)


def test_an_empty_domain_syncs_nothing_and_says_why(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, parameters={"domains": [MARKETING]})
    run = sync(integration)
    assert run.status == "warnings", log_text(run)
    assert "The chosen domains hold no asset this token can see, so nothing syncs" in log_text(run)
    assert out_of_scope(run) == {
        ("datastore", "Sales Warehouse"),
        ("datastore", "App Database"),
        ("datastore", "Finance Mart"),
    }
    assert not SyncChange.objects.filter(run=run).exclude(kind__startswith="custom_metadata").exists()
    assert atlan_sandbox.store.write_count("entity.bulk") == 0


def test_a_connection_scope_matches_datastores_only_in_those_connections(atlan_sandbox, demo):
    connections = [{"id": "default/postgres/1700000100", "name": "app-postgres (postgres)"}]
    integration = integration_make(atlan_sandbox, parameters={"connections": connections})
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert plumbline_cm(atlan_sandbox, f"{PG}/users") and not plumbline_cm(atlan_sandbox, f"{SNOW}/ORDERS")
    assert "Connections: only datastores in app-postgres (postgres) are matched." in log_text(run)
    reason = SyncIssue.objects.get(run=run, kind="out_of_scope", path="Sales Warehouse").reason
    assert (
        reason == f"Not in this integration's Atlan connections (Atlan has it in another connection: {SNOW})."
    )


def test_an_event_push_respects_the_scope(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, parameters={"domains": [FINANCE]})
    sync(integration, pull=False)
    domain_assign(atlan_sandbox.store, f"{SNOW}/ORDER_ITEMS", "Sales")  # not the integration's domain
    items, payments = container("ORDER_ITEMS"), container("PAYMENTS")
    run = sync(integration, container_ids=[items.pk, payments.pk], trigger=SyncRun.Trigger.EVENT)
    assert run.status == "succeeded", log_text(run)
    assert not plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")
    Anomaly.objects.filter(container=payments).delete()
    sync(integration, container_ids=[payments.pk], trigger=SyncRun.Trigger.EVENT)
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/PAYMENTS")["Anomaly Count"] == 0


def test_the_scope_choices_come_from_atlan(atlan_sandbox):
    connector = AtlanConnector()
    credentials = {"token": atlan_sandbox.token}
    domains = connector.parameter_choices("domains", url=atlan_sandbox.url, credentials=credentials)
    assert [label for _, label in domains] == [
        "Finance",
        "Marketing",
        "Product",
        "Product › Product Analytics",
        "Sales",
    ]
    assert dict(domains)[FINANCE["id"]] == "Finance"
    connections = connector.parameter_choices("connections", url=atlan_sandbox.url, credentials=credentials)
    assert ("default/postgres/1700000100", "app-postgres (postgres)") in connections
    limited = connector.parameter_choices(
        "connections", url=atlan_sandbox.url, credentials={"token": "plumbline-snowflake-only-token"}
    )
    assert [c for c, _ in limited] == ["default/snowflake/1700000000"]
