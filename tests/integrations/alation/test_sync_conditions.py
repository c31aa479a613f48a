"""Syncs against the Alation sandbox under hard conditions: faults, access tokens ending
mid-sync, a user limited to one data source, the Domains filter, event pushes, and both answers
to each point of Alation's API that no source confirms."""

from __future__ import annotations

import pytest

from catalog.models import Check
from catalog.services import anomaly_set_status
from integrations.alation.sync import AlationSync
from integrations.models import AssetLink, SyncChange, SyncIssue, SyncRun
from tests.integrations.alation.syncing import (
    APP,
    DEMO_PULL_WARNINGS,
    FINANCE,
    JANE,
    PLUMBLINE,
    SALES,
    container,
    field,
    finished,
    flags,
    health,
    integration_make,
    log_text,
    sync,
    tag_names,
    values,
)


def test_twenty_percent_rate_limits_and_server_errors_still_end_complete_and_correct(alation_sandbox, demo):
    alation_sandbox.faults.configure(
        rate_limit_share=0.2, server_error_share=0.2, retry_after_share=0.5, seed=11
    )
    integration = integration_make(alation_sandbox)
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Alation asked us to wait" in log_text(run)
    faults = alation_sandbox.store.counts.faults
    assert faults["429"] + faults["429-bare"] > 0 and faults["500"] + faults["502"] + faults["503"] > 0
    alation_sandbox.faults.reset()
    alation_sandbox.store.reset_counts()
    again = sync(integration)
    # Everything landed the first time, exactly once: a clean second sync has nothing to write.
    assert finished(again, DEMO_PULL_WARNINGS) and alation_sandbox.store.write_count() == 0
    assert not SyncChange.objects.filter(run=again).exists()
    assert len([f for f in flags(alation_sandbox, f"{SALES}.ORDERS") if f["user_id"] == PLUMBLINE]) == 1
    assert "PII" in tag_names(container("customers"))


@pytest.mark.parametrize("status", [403, 401])
def test_an_access_token_ending_mid_sync_is_re_minted_and_the_run_completes(
    alation_sandbox, demo, monkeypatch, status
):
    alation_sandbox.behaviour.configure(expired_access_token_status=status)
    store = alation_sandbox.store
    read = AlationSync.datastore_read

    def read_after_expiry(self, *args, **kwargs):
        store.auth.expire_all(store.now())  # every access token ends before each datastore is read
        return read(self, *args, **kwargs)

    monkeypatch.setattr(AlationSync, "datastore_read", read_after_expiry)
    integration = integration_make(alation_sandbox)
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert store.counts.rejected >= 3  # each refused once, then re-minted
    assert values(alation_sandbox, f"{FINANCE}.gl_entries")["Check Count"] == "1"
    assert "plumbline-demo-refresh-token" not in log_text(run)


def test_a_user_limited_to_one_data_source_syncs_it_and_reports_the_rest_not_visible(alation_sandbox, demo):
    integration = integration_make(alation_sandbox, user_id=8, refresh_token="plumbline-sales-refresh-token")
    run = sync(integration)
    assert finished(run, 2 + DEMO_PULL_WARNINGS), log_text(run)  # two datastores not visible
    hidden = SyncIssue.objects.filter(run=run, kind="not_visible", level="datastore")
    assert set(hidden.values_list("path", flat=True)) == {"App Database", "Finance Mart"}
    assert "user 8" in hidden.first().reason
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "1"
    [ours] = flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert ours["user_id"] == 8
    assert "PII" in tag_names(container("customers"))
    assert not values(alation_sandbox, f"{APP}.events")


# Saved by the form before names were kept, and as the form and the API save it now.
@pytest.mark.parametrize("domains", [[4], [{"id": "4", "name": "Orders"}]])
def test_domains_limit_what_syncs_to_the_assets_in_them(alation_sandbox, demo, domains):
    # Domain 4 "Orders" holds ORDERS, ORDER_ITEMS and PAYMENTS, not their schema.
    integration = integration_make(alation_sandbox, parameters={"domains": domains})
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    log = log_text(run)
    assert "Domains filter: only assets in Orders" in log
    assert (
        "App Database (app.public): out of scope" in log and "Finance Mart (finance.dbo): out of scope" in log
    )
    assert "Sales Warehouse: 4 table(s) lie outside this integration's scope" in log
    assert values(alation_sandbox, f"{SALES}.ORDERS")["Check Count"] == "3"
    assert values(alation_sandbox, f"{SALES}.ORDERS.ORDER_ID")
    assert not values(alation_sandbox, f"{SALES}.CUSTOMERS") and not values(alation_sandbox, SALES)
    assert not values(alation_sandbox, f"{APP}.events")
    assert not [f for f in flags(alation_sandbox, f"{SALES}.CUSTOMERS") if f["user_id"] == PLUMBLINE]
    assert "PII" not in tag_names(container("customers"))  # outside the domains: not pulled
    assert "PII" in tag_names(field("ORDERS", "SHIPPING_ADDRESS"))
    linked = set(
        AssetLink.objects.filter(integration=integration, level="container").values_list("path", flat=True)
    )
    assert linked == {
        "Sales Warehouse / ORDERS",
        "Sales Warehouse / ORDER_ITEMS",
        "Sales Warehouse / PAYMENTS",
    }
    assert not SyncIssue.objects.filter(run=run).exclude(kind__in=["unmatched", "out_of_scope"]).exists()
    outside = SyncIssue.objects.filter(run=run, kind="out_of_scope")
    assert set(outside.values_list("level", "path")) == {
        ("datastore", "App Database"),
        ("datastore", "Finance Mart"),
        ("datastore", "Sales Warehouse"),  # its schema is outside; three of its tables are in
        *(
            ("container", f"Sales Warehouse / {name}")
            for name in ("customers", "PRODUCTS", "REVENUE_DAILY", "CUSTOMER_LTV")
        ),
    }


def test_tags_pulled_before_a_scope_was_set_stay_on_the_assets_it_leaves_out(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    assert finished(sync(integration, push=False), DEMO_PULL_WARNINGS)
    before = {obj: tag_names(obj) for obj in (container("customers"), field("customers", "email"))}
    assert "PII" in before[container("customers")]
    integration.parameters = {"domains": [{"id": "4", "name": "Orders"}]}
    integration.save()
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert {obj: tag_names(obj) for obj in before} == before
    assert run.totals.get("tags_removed", 0) == 0
    assert not SyncChange.objects.filter(run=run, kind="tag_removed").exists()


def test_a_parent_domain_brings_its_subdomains_and_its_exclusions_hold(alation_sandbox, demo):
    integration = integration_make(alation_sandbox, parameters={"domains": [1, 2]})
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert values(alation_sandbox, SALES) and values(alation_sandbox, f"{SALES}.CUSTOMERS")
    assert values(alation_sandbox, f"{APP}.events")
    assert not values(alation_sandbox, FINANCE)
    assert "Finance Mart (finance.dbo): out of scope" in log_text(run)


def test_an_event_push_writes_only_that_table_reading_little(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    sync(integration)
    items = container("ORDER_ITEMS")
    anomaly_set_status(anomalies=items.anomalies.all(), status="resolved")
    alation_sandbox.store.reset_counts()
    run = sync(integration, container_ids=[items.pk], trigger=SyncRun.Trigger.EVENT)
    assert run.status == "succeeded", log_text(run)
    assert not flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "0"
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS.QUANTITY")["Anomaly Count"] == "0"
    check = Check.objects.get(key="order-items-qty-positive")
    row = health(alation_sandbox, f"{SALES}.ORDER_ITEMS.QUANTITY")[f"plumbline.check.{check.pk}"]
    assert (row["value_quality"], row["value_value"]) == ("GOOD", 0)
    assert values(alation_sandbox, SALES)["Anomaly Count"] == "3"  # the schema's total follows
    store = alation_sandbox.store
    assert store.read_count("table.list") == 1 and store.read_count("column.list") == 1
    assert store.read_count("datasource.v2.list") == 0  # located through its link
    # One custom field value write, one Data Health write, one flag deleted (plus their job polls).
    assert store.write_count() == 3, [(r.method, r.path) for r in store.requests if r.category == "write"]


def test_an_event_push_matches_a_never_linked_table_on_the_fly(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    items = container("ORDER_ITEMS")
    run = sync(integration, container_ids=[items.pk], trigger=SyncRun.Trigger.EVENT)
    assert run.status == "succeeded", log_text(run)
    assert AssetLink.objects.filter(integration=integration, level="container", object_id=items.pk).exists()
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "1"
    assert not values(alation_sandbox, f"{SALES}.ORDERS")
    assert alation_sandbox.store.read_count("column.list") == 1  # its own columns, not the schema's


def test_a_failing_job_is_reported_per_datastore_and_the_run_goes_on(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    sync(integration, pull=False)  # the custom fields exist
    anomaly_set_status(anomalies=container("ORDERS").anomalies.all(), status="resolved")
    alation_sandbox.faults.configure(job_failure_share=1.0)
    run = sync(integration)
    assert run.status == "partial", log_text(run)
    assert "Could not write custom field values" in log_text(run)
    assert "Could not write the Data Health values" in log_text(run)
    assert not [
        f for f in flags(alation_sandbox, f"{SALES}.ORDERS") if f["user_id"] == PLUMBLINE
    ]  # flags are not jobs
    assert "PII" in tag_names(container("customers"))  # the pull still happened


# --- Both answers to what no source confirms --------------------------------------------------------


@pytest.mark.parametrize(
    "switches",
    [
        {"tag_subject_key": "subject"},
        {"legacy_value_job": True},
        {"flag_list_requires_subject": True},
        {"flag_subject_id_as_string": True},
        {"foreign_flag_status": 404, "one_flag_per_user_and_type": True},
        {"dq_mixed_body": False, "dq_propagate_to_table": False, "dq_entry_base": 0},
        {"expired_refresh_token_status": 401, "revoked_refresh_token": "status"},
        {"max_page_size": 7},
    ],
    ids=lambda s: ",".join(s),
)
def test_a_sync_is_complete_and_its_resync_writes_nothing_whichever_way_alation_answers(
    alation_sandbox, demo, switches
):
    alation_sandbox.behaviour.configure(**switches)
    integration = integration_make(alation_sandbox)
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "PII" in tag_names(field("PAYMENTS", "CARD_LAST4"))
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "1"
    assert [f["user_id"] for f in flags(alation_sandbox, f"{SALES}.ORDERS")] == [JANE, PLUMBLINE]
    assert not flags(alation_sandbox, f"{SALES}.PRODUCTS")
    alation_sandbox.store.reset_counts()
    again = sync(integration)
    assert finished(again, DEMO_PULL_WARNINGS) and alation_sandbox.store.write_count() == 0, log_text(again)


def test_resolving_a_tables_anomalies_removes_its_flag_without_a_sync_click(
    alation_sandbox, demo, django_capture_on_commit_callbacks
):
    integration = integration_make(alation_sandbox, event_driven=True)
    sync(integration)
    assert flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    with django_capture_on_commit_callbacks(execute=True):
        anomaly_set_status(anomalies=container("ORDER_ITEMS").anomalies.all(), status="resolved")
    run = SyncRun.objects.filter(trigger=SyncRun.Trigger.EVENT).get()
    assert run.status == "succeeded" and run.container_ids == [container("ORDER_ITEMS").pk], log_text(run)
    assert not flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "0"


def test_archiving_a_check_removes_its_data_health_row_in_the_event_push(
    alation_sandbox, demo, django_capture_on_commit_callbacks
):
    from catalog.services import check_set_status

    integration = integration_make(alation_sandbox, event_driven=True)
    sync(integration)
    check = Check.objects.get(key="orders-total-positive")
    key = f"plumbline.check.{check.pk}"
    assert key in health(alation_sandbox, f"{SALES}.ORDERS.ORDER_TOTAL")
    with django_capture_on_commit_callbacks(execute=True):
        check_set_status(checks=[check], status="archived")
    run = SyncRun.objects.filter(trigger=SyncRun.Trigger.EVENT).get()
    assert run.status == "succeeded", log_text(run)
    assert key not in health(alation_sandbox, f"{SALES}.ORDERS.ORDER_TOTAL")
    assert values(alation_sandbox, f"{SALES}.ORDERS")["Check Count"] == "2"


def test_the_run_page_and_its_csv_show_every_alation_change_by_attribute(alation_sandbox, demo, admin_http):
    from django.urls import reverse

    run = sync(integration_make(alation_sandbox), pull=False)
    page = admin_http.get(reverse("integrations:run_detail", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "SALES.PUBLIC ↔ 1.SALES.PUBLIC" in html
    assert "Schema, Table, Column templates" in html and alation_sandbox.refresh_token not in html
    response = admin_http.get(reverse("integrations:run_changes_csv", args=[run.pk]))
    text = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert ",custom_field_set,Plumbline Anomaly Count,,1," in text
    assert ",trust_flag_set,WARNING,,Plumbline: 1 active anomaly on ORDER_ITEMS. Open in Plumbline," in text
    assert SyncChange.objects.filter(
        run=run, kind="trust_flag_removed", asset="Sales Warehouse / PRODUCTS"
    ).exists()


def test_a_cancel_stops_an_alation_sync_at_the_next_safe_point(alation_sandbox, demo, monkeypatch):
    read = AlationSync.datastore_read

    def read_then_cancel(self, *args, **kwargs):
        SyncRun.objects.filter(pk=self.ctx.run.pk).update(cancel_requested=True)
        return read(self, *args, **kwargs)

    monkeypatch.setattr(AlationSync, "datastore_read", read_then_cancel)
    run = sync(integration_make(alation_sandbox))
    assert run.status == "cancelled", log_text(run)
    assert AssetLink.objects.filter(integration=run.integration).count() > 0  # kept what it did


def test_a_scheduled_sync_of_alation_pulls_and_pushes_as_configured(alation_sandbox, demo):
    from integrations.tasks import scheduled_sync

    integration = integration_make(alation_sandbox, schedule_minutes=60, schedule_pull=False)
    assert scheduled_sync(integration.pk) == "succeeded"
    run = SyncRun.objects.get(trigger=SyncRun.Trigger.SCHEDULE)
    assert (run.pull, run.push) == (False, True)
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "1"


def test_a_same_named_field_of_another_type_stops_only_the_custom_fields(alation_sandbox, demo):
    alation_sandbox.store.fields.add(
        {"name_singular": "Plumbline URL", "field_type": "PICKER", "options": ["a"]}
    )
    run = sync(integration_make(alation_sandbox), pull=False)
    assert run.status == "partial", log_text(run)
    assert "already has a custom field named 'Plumbline URL' of type PICKER" in log_text(run)
    assert not SyncChange.objects.filter(run=run, kind="custom_field_set").exists()
    assert not values(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")  # the flags and Data Health still go
    assert health(alation_sandbox, f"{SALES}.ORDER_ITEMS.QUANTITY")


def test_a_cancel_between_pushes_still_follows_and_audits_what_was_sent(
    alation_sandbox, demo, monkeypatch, settings
):
    from integrations.alation.client import AlationClient

    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    started, waited = [], []
    job_started, job_wait = AlationClient.job_started, AlationClient.job_wait
    monkeypatch.setattr(
        AlationClient, "job_started", lambda self, j: started.append(j) or job_started(self, j)
    )
    monkeypatch.setattr(
        AlationClient, "job_wait", lambda self, j, **o: waited.append(j) or job_wait(self, j, **o)
    )
    push_send, sent = AlationSync.push_send, []

    def send_then_cancel(self, ds, prepared):
        push_send(self, ds, prepared)
        sent.append(ds.name)
        if len(sent) == 2:  # the jobs of both pushes are still running in Alation
            SyncRun.objects.filter(pk=self.ctx.run.pk).update(cancel_requested=True)

    monkeypatch.setattr(AlationSync, "push_send", send_then_cancel)
    run = sync(integration_make(alation_sandbox))

    assert run.status == "cancelled", log_text(run)
    assert started and set(started) <= set(waited)  # followed before the run ended
    lines = run.log_lines.filter(message__startswith="Wrote custom field values")
    assert lines.count() == 2, log_text(run)
    changes = SyncChange.objects.filter(run=run, kind__in=["custom_field_set", "data_health_set"])
    assert changes.exists() and not changes.filter(applied=False).exists()
    for change in changes.filter(kind="custom_field_set"):
        key = change.catalog_ref
        assert values(alation_sandbox, key)[change.attribute.removeprefix("Plumbline ")] == change.after


def test_a_datastores_data_health_fields_go_in_one_write_and_failed_ones_hold_back_their_values(
    alation_sandbox, demo, monkeypatch, settings
):
    from integrations.alation.client import AlationClient
    from integrations.http import CatalogServerError

    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1  # a push per table
    writes, put_fields = [], AlationClient.dq_put_fields

    def recorded(self, fields):
        writes.append([f.key for f in fields])
        return put_fields(self, fields)

    monkeypatch.setattr(AlationClient, "dq_put_fields", recorded)
    run = sync(integration_make(alation_sandbox), pull=False)
    assert run.status == "succeeded", log_text(run)
    checks = set(Check.objects.filter(status=Check.Status.ACTIVE).values_list("id", flat=True))
    keys = [k for keys in writes for k in keys]
    assert len(keys) == len(set(keys)) and {f"plumbline.check.{c}" for c in checks} >= set(keys)
    assert 1 <= len(writes) < Check.objects.values("container").distinct().count(), writes

    def refused(self, fields):
        raise CatalogServerError("Alation answered HTTP 500.", status=500)

    monkeypatch.setattr(AlationClient, "dq_put_fields", refused)
    Check.objects.filter(pk__in=checks).update(description="Described again")  # every field changes
    anomaly_set_status(anomalies=container("ORDER_ITEMS").anomalies.all(), status="resolved")
    alation_sandbox.store.reset_counts()
    again = sync(run.integration, pull=False)
    assert again.status == "partial", log_text(again)
    assert "Could not write the Data Health fields" in log_text(again)
    dq_writes = [
        r for r in alation_sandbox.store.requests if "data_quality" in r.path and r.category == "write"
    ]
    assert not dq_writes, dq_writes  # no value goes without its field
    health_set = SyncChange.objects.filter(run=again, kind="data_health_set")
    assert health_set.exists() and not health_set.filter(applied=True).exists()
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["Anomaly Count"] == "0"  # the rest went
