"""Mapping overrides in an Alation integration, over real HTTP against the sandbox: a datastore
pinned to a schema by id syncs there whatever the names say; an excluded one is left alone."""

from __future__ import annotations

from catalog.models import Anomaly, Datastore
from integrations.alation.connector import AlationConnector
from integrations.alation.sync import AlationSync
from integrations.mapping_services import mapping_exclude, mapping_pin
from integrations.models import MappingPin, SyncChange, SyncIssue, SyncRun
from tests.integrations.alation.syncing import (
    DEMO_PULL_WARNINGS,
    FINANCE,
    SALES,
    container,
    finished,
    integration_make,
    log_text,
    sync,
    tag_names,
    values,
)


def schema_id(sandbox, key: str) -> str:
    return str(sandbox.store.ref(key, "schema")[1])


def test_a_datastore_pinned_by_schema_id_syncs_there_even_when_names_differ(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    ledger = Datastore.objects.get(name="Finance Mart")
    ledger.name, ledger.database, ledger.schema = "Ledger", "accounting", "reporting"
    ledger.save()
    pin = mapping_pin(
        integration=integration, datastore=ledger, user=None, schema=schema_id(alation_sandbox, FINANCE)
    )
    assert (pin.schema_name, pin.connection_name, pin.connection_ref) == ("FINANCE.dbo", "Finance Mart", "3")
    # Renamed in Alation too: the id stays.
    alation_sandbox.store.catalog.get("schema", int(pin.schema_ref))["name"] = "FINANCE.reporting"
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "accounting.reporting (pinned) ↔ 3.FINANCE.dbo: 2 tables" in log_text(run)
    assert values(alation_sandbox, f"{FINANCE}.gl_entries")["Check Count"] == "1"
    assert MappingPin.objects.get().schema_name == "FINANCE.reporting"


def test_an_excluded_datastore_is_left_alone(alation_sandbox, demo, monkeypatch):
    integration = integration_make(alation_sandbox)
    assert finished(sync(integration), DEMO_PULL_WARNINGS)
    sales = Datastore.objects.get(name="Sales Warehouse")
    before = tag_names(container("customers"))
    held = values(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    mapping_exclude(integration=integration, datastore=sales, user=None)
    alation_sandbox.store.remove_tag(f"{SALES}.CUSTOMERS", "PII")
    Anomaly.objects.filter(container__name="ORDER_ITEMS").delete()
    located: list[str] = []
    locate = AlationSync.datastore_locate
    monkeypatch.setattr(
        AlationSync,
        "datastore_locate",
        lambda self, ds, only: located.append(ds.name) or locate(self, ds, only),
    )
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert tag_names(container("customers")) == before and "PII" in before
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS") == held
    assert not SyncChange.objects.filter(run=run, datastore="Sales Warehouse").exists()
    assert SyncIssue.objects.get(run=run, path="Sales Warehouse").kind == "excluded"
    assert located == ["App Database", "Finance Mart"]  # never looked for, never read
    event = sync(integration, container_ids=[container("ORDER_ITEMS").pk], trigger=SyncRun.Trigger.EVENT)
    assert event.status == "succeeded" and values(alation_sandbox, f"{SALES}.ORDER_ITEMS") == held


def test_schemas_to_pin_to_come_from_alation(alation_sandbox):
    credentials = {"user_id": "7", "refresh_token": alation_sandbox.refresh_token}
    connector = AlationConnector()
    choices = connector.schema_choices(url=alation_sandbox.url, credentials=credentials, connection="1")
    assert [label for _, label in choices] == ["SALES.PUBLIC", "SALES.STAGING"]
    assert connector.schema_find(url=alation_sandbox.url, credentials=credentials, ref="999999") is None
