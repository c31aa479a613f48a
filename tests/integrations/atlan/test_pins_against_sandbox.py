"""Mapping overrides in an Atlan integration, over real HTTP against the sandbox: a pinned datastore
syncs against the pinned schema whatever the names say, through renames on either side; an
excluded one is left alone."""

from __future__ import annotations

import pytest

from catalog.models import Anomaly, Datastore
from integrations.atlan.connector import AtlanConnector
from integrations.atlan.sync import AtlanSync
from integrations.mapping_services import PinRefused, mapping_clear, mapping_exclude, mapping_pin
from integrations.models import AssetLink, IntegrationChange, MappingPin, SyncChange, SyncIssue, SyncRun
from sandbox.atlan.renames import asset_recreate, asset_rename
from tests.integrations.atlan.test_sync_against_sandbox import (
    DEMO_PULL_WARNINGS,
    SNOW,
    container,
    finished,
    integration_make,
    log_text,
    plumbline_cm,
    sync,
    tag_names,
)

pytestmark = pytest.mark.usefixtures("fast_retries")
FINANCE = "default/mssql/1700000200/FINANCE/dbo"


def finance_mart_renamed() -> Datastore:
    """Plumbline's Finance Mart under names Atlan does not have: matching by name finds nothing."""
    ds = Datastore.objects.get(name="Finance Mart")
    ds.name, ds.database, ds.schema = "Ledger", "accounting", "reporting"
    ds.save()
    return ds


def test_a_pinned_datastore_syncs_against_the_pinned_schema_even_when_names_differ(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    ledger = finance_mart_renamed()
    unpinned = sync(integration, pull=False)
    assert SyncIssue.objects.filter(run=unpinned, kind="unmatched", path="Ledger").exists()
    atlan_sandbox.store.add_tag(f"{FINANCE}/gl_entries", "Confidential")
    pin = mapping_pin(integration=integration, datastore=ledger, user=None, schema=FINANCE)
    assert (pin.schema_name, pin.connection_name) == ("FINANCE.dbo", "finance-sqlserver")
    assert pin.schema_guid == atlan_sandbox.store.find_qn(FINANCE)["guid"]
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert f"accounting.reporting (pinned) ↔ {FINANCE}: 2 tables and 11 columns matched" in log_text(run)
    assert plumbline_cm(atlan_sandbox, f"{FINANCE}/gl_entries")["Check Count"] == 1
    assert plumbline_cm(atlan_sandbox, FINANCE)
    assert "Confidential" in tag_names(container("gl_entries"))  # pulled through the pin
    link = AssetLink.objects.get(integration=integration, level="datastore", object_id=ledger.pk)
    assert link.catalog_qualified_name == FINANCE


def test_an_event_push_follows_the_pin(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    ledger = finance_mart_renamed()
    mapping_pin(integration=integration, datastore=ledger, user=None, schema=FINANCE)
    gl = container("gl_entries")
    Anomaly.objects.filter(container=gl).delete()
    run = sync(integration, container_ids=[gl.pk], trigger=SyncRun.Trigger.EVENT)  # never linked before
    assert run.status == "succeeded", log_text(run)
    assert plumbline_cm(atlan_sandbox, f"{FINANCE}/gl_entries")["Anomaly Count"] == 0


def test_a_pin_survives_renames_on_either_side(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    ledger = Datastore.objects.get(name="Finance Mart")
    mapping_pin(integration=integration, datastore=ledger, user=None, schema=FINANCE)
    finance_mart_renamed()  # Plumbline's side
    renamed = asset_rename(atlan_sandbox.store, FINANCE, "dbo_2024")  # Atlan's side, GUIDs kept
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert plumbline_cm(atlan_sandbox, f"{renamed}/gl_entries")["Check Count"] == 1
    pin = MappingPin.objects.get()
    assert (pin.schema_ref, pin.schema_name) == (renamed, "FINANCE.dbo_2024")  # the page follows
    # Deleted and crawled again: a new GUID, found by its qualified name.
    asset_recreate(atlan_sandbox.store, renamed)
    Anomaly.objects.filter(container__name="gl_entries").delete()
    again = sync(integration, pull=False)
    assert again.status == "succeeded", log_text(again)
    assert plumbline_cm(atlan_sandbox, f"{renamed}/gl_entries")["Anomaly Count"] == 0


def test_a_pin_whose_schema_is_gone_is_reported_with_what_to_do(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    finance = Datastore.objects.get(name="Finance Mart")
    mapping_pin(integration=integration, datastore=finance, user=None, schema=FINANCE)
    MappingPin.objects.update(schema_guid="gone", schema_ref=f"{FINANCE}_gone")
    run = sync(integration, pull=False)
    issue = SyncIssue.objects.get(run=run, path="Finance Mart")
    assert issue.kind == "unmatched" and "pin it again on the Mappings page" in issue.reason
    with pytest.raises(PinRefused, match="no schema"):
        mapping_pin(integration=integration, datastore=finance, user=None, schema=f"{SNOW}_NOPE")


def test_an_excluded_datastore_is_left_alone(atlan_sandbox, demo, monkeypatch):
    integration = integration_make(atlan_sandbox)
    assert finished(sync(integration), DEMO_PULL_WARNINGS)
    sales = Datastore.objects.get(name="Sales Warehouse")
    tags = {obj: tag_names(obj) for obj in (sales, container("ORDERS"), container("customers"))}
    cm_before = plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")
    mapping_exclude(integration=integration, datastore=sales, user=None)
    # Changes that a sync of the datastore would carry over, in both directions.
    atlan_sandbox.store.remove_tag(f"{SNOW}/ORDERS", "FINANCE")
    atlan_sandbox.store.remove_tag(f"{SNOW}/CUSTOMERS", "PII")
    Anomaly.objects.filter(container__name="ORDER_ITEMS").delete()
    read: list[str] = []
    original = AtlanSync.assets_read
    monkeypatch.setattr(
        AtlanSync, "assets_read", lambda self, qn, tables: read.append(qn) or original(self, qn, tables)
    )
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert SNOW not in read and read  # the others were read
    assert {obj: tag_names(obj) for obj in tags} == tags  # not removed
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS") == cm_before  # not written
    assert not SyncChange.objects.filter(run=run, datastore="Sales Warehouse").exists()
    issue = SyncIssue.objects.get(run=run, path="Sales Warehouse")
    assert issue.kind == "excluded" and "Mappings page" in issue.reason
    assert "Sales Warehouse (Sales Warehouse): excluded." in log_text(run)
    event = sync(integration, container_ids=[container("ORDER_ITEMS").pk], trigger=SyncRun.Trigger.EVENT)
    assert event.status == "succeeded" and plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS") == cm_before
    mapping_clear(integration=integration, datastore=sales, user=None)
    back = sync(integration)
    assert "PII" not in tag_names(container("customers"))  # matched by name again: the pull carries over
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")["Anomaly Count"] == 0, log_text(back)
    history = list(IntegrationChange.objects.filter(action="mapping").values_list("changes", flat=True))
    assert [c["mapping"] for c in history] == [
        ["excluded", "matched by name"],
        ["matched by name", "excluded"],
    ]


def test_schemas_to_pin_to_come_from_atlan(atlan_sandbox):
    choices = AtlanConnector().schema_choices(
        url=atlan_sandbox.url,
        credentials={"token": atlan_sandbox.token},
        connection="default/snowflake/1700000000",
    )
    assert choices == [
        (SNOW, "SALES.PUBLIC"),
        ("default/snowflake/1700000000/SALES/STAGING", "SALES.STAGING"),
    ]
