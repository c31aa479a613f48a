"""Whole syncs against the Alation sandbox over real HTTP, with the demo catalog loaded: the pull,
the custom fields, Data Health, trust flags, matching, the no-op resync and the preview."""

from __future__ import annotations

from catalog.models import Anomaly, Check, Datastore, Tag
from catalog.services import anomaly_set_status
from integrations.models import AssetLink, Integration, SyncChange, SyncIssue
from tests.integrations.alation.syncing import (
    APP,
    DEMO_PULL_WARNINGS,
    FINANCE,
    JANE,
    PLUMBLINE,
    SALES,
    SITE,
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


def test_pull_brings_alation_tags_in_as_external_tags_on_schema_table_and_column(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Gold Layer" in tag_names(Datastore.objects.get(name="Sales Warehouse"))
    assert {"PII"} <= tag_names(container("customers"))
    email = tag_names(field("customers", "email"))
    assert "Confidential" in email and "PII" not in email  # table tags are not inherited
    assert {"PII", "Confidential"} <= tag_names(field("PAYMENTS", "CARD_LAST4"))
    assert "Deprecated <b>legacy</b>" in tag_names(container("events"))
    pii = Tag.objects.get(name="PII")
    assert (pii.tag_type, pii.integration_id) == ("external", integration.pk)
    assert pii.description == "Personally identifiable information"
    assert SyncChange.objects.filter(run=run, kind="tag_added", applied=True).exists()


def test_a_tag_removed_in_alation_is_removed_on_the_next_pull_and_orphans_deleted(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    sync(integration, push=False)
    alation_sandbox.store.remove_tag(f"{SALES}.PAYMENTS", "Confidential")
    alation_sandbox.store.remove_tag(SALES, "Gold Layer")
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Confidential" not in tag_names(container("PAYMENTS"))
    assert "Confidential" in tag_names(field("customers", "email"))
    assert not Tag.objects.filter(name="Gold Layer").exists()
    assert {"tag_removed", "tag_deleted"} <= set(
        SyncChange.objects.filter(run=run).values_list("kind", flat=True)
    )


def test_a_same_name_global_tag_is_skipped_without_overwrite_and_converted_with_it(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    run = sync(integration, push=False)
    assert "Catalog tag “FINANCE” skipped" in log_text(run)
    assert Tag.objects.get(name__iexact="finance").tag_type == "global"
    integration.overwrite_tags = True
    integration.save()
    run = sync(integration, push=False)
    assert run.status == "succeeded", log_text(run)
    finance = Tag.objects.get(name__iexact="finance")
    assert (finance.tag_type, finance.integration_id) == ("external", integration.pk)
    assert "Finance" in tag_names(container("ORDERS"))


def test_push_writes_plumblines_custom_fields_on_schema_table_and_column(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    items = container("ORDER_ITEMS")
    table = values(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert table["URL"] == f"{SITE}/containers/{items.pk}/"
    assert (table["Anomaly Count"], table["Check Count"]) == ("1", "1")
    assert float(table["Quality Score Total"]) == round(items.current_score.total, 2)
    open_in_sales = Anomaly.objects.filter(
        container__datastore__name="Sales Warehouse", status__in=Anomaly.OPEN_STATUSES
    ).count()
    assert values(alation_sandbox, SALES)["Anomaly Count"] == str(open_in_sales)
    column = values(alation_sandbox, f"{SALES}.ORDER_ITEMS.QUANTITY")
    assert (column["Check Count"], column["Anomaly Count"]) == ("1", "1")
    # Matched without regard to case: Plumbline's finance.dbo is Alation's FINANCE.dbo.
    assert values(alation_sandbox, f"{FINANCE}.gl_entries")["Check Count"] == "1"
    assert run.totals["assets_pushed"] > 0
    change = SyncChange.objects.filter(
        run=run, kind="custom_field_set", attribute="Plumbline Anomaly Count"
    ).first()
    assert change.before == "" and change.after.isdigit()


def test_the_first_sync_creates_the_custom_fields_once_and_names_the_templates(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    run = sync(integration, pull=False)
    log = log_text(run)
    assert "Created 12 custom field(s) in Alation" in log
    assert "Schema, Table, Column templates" in log
    names = {f["name_singular"] for f in alation_sandbox.store.fields.fields.values()}
    assert {"Plumbline URL", "Plumbline Quality Score Accuracy", "Plumbline Check Count"} <= names
    assert SyncChange.objects.filter(run=run, kind="custom_field_created").count() == 12
    again = sync(integration, pull=False)
    assert "Created" not in log_text(again)
    assert len(alation_sandbox.store.fields.fields) == len(names)


def test_data_health_has_one_row_per_check_alert_with_its_open_anomalies_and_good_otherwise(
    alation_sandbox, demo
):
    integration = integration_make(alation_sandbox)
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    not_null = Check.objects.get(key="orders-id-not-null")
    status_values = Check.objects.get(key="orders-status-values")
    on_id = health(alation_sandbox, f"{SALES}.ORDERS.ORDER_ID")[f"plumbline.check.{not_null.pk}"]
    assert (on_id["value_quality"], on_id["value_value"]) == ("ALERT", 1)
    assert on_id["value_external_url"] == f"{SITE}/containers/{not_null.container_id}/#check-{not_null.pk}"
    assert on_id["field_name"] == f"notNull (Plumbline #{not_null.pk})"
    assert on_id["field_description"] == not_null.description
    on_status = health(alation_sandbox, f"{SALES}.ORDERS.STATUS")[f"plumbline.check.{status_values.pk}"]
    assert (on_status["value_quality"], on_status["value_value"]) == ("GOOD", 0)  # its anomaly is resolved
    # A draft check has no row; a check on two fields sits on its table.
    assert not health(alation_sandbox, f"{SALES}.ORDERS.CURRENCY")
    gl = Check.objects.get(key="gl-balanced")
    assert f"plumbline.check.{gl.pk}" in health(alation_sandbox, f"{FINANCE}.gl_entries")
    # The table's Data Health tab shows its columns' rows too.
    rows = alation_sandbox.store.dq_rows(f"{SALES}.ORDERS")
    assert {r["field_key"] for r in rows} >= {
        f"plumbline.check.{not_null.pk}",
        f"plumbline.check.{status_values.pk}",
    }


def test_a_check_archived_in_plumbline_loses_its_data_health_value_and_field(alation_sandbox, demo):
    alation_sandbox.behaviour.configure(dq_field_delete_cascades=False)
    integration = integration_make(alation_sandbox)
    sync(integration, pull=False)
    check = Check.objects.get(key="orders-total-positive")
    key = f"plumbline.check.{check.pk}"
    assert key in health(alation_sandbox, f"{SALES}.ORDERS.ORDER_TOTAL")
    Check.objects.filter(pk=check.pk).update(status=Check.Status.ARCHIVED)
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    assert key not in health(alation_sandbox, f"{SALES}.ORDERS.ORDER_TOTAL")
    assert alation_sandbox.store.dq.field(key) is None
    assert "Removed the Data Health fields of 1 check(s)" in log_text(run)
    kinds = set(SyncChange.objects.filter(run=run).values_list("kind", flat=True))
    assert {"data_health_removed", "data_health_field_removed"} <= kinds


def test_a_warning_flag_marks_tables_with_open_anomalies_with_the_count_and_a_link(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    run = sync(integration, pull=False)
    items = container("ORDER_ITEMS")
    [flag] = flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert flag["user_id"] == PLUMBLINE
    assert "Plumbline: 1 active anomaly on ORDER_ITEMS." in flag["flag_reason"]
    assert f'href="{SITE}/containers/{items.pk}/#anomalies"' in flag["flag_reason"]
    assert not flags(alation_sandbox, f"{SALES}.PAYMENTS")  # no open anomaly
    link = AssetLink.objects.get(integration=integration, level="container", object_id=items.pk)
    assert link.announcement_title.startswith("Plumbline: 1 active anomaly")
    assert run.totals["announcements_set"] >= 3


def test_the_flag_reason_follows_the_count_and_the_flag_goes_at_zero(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    sync(integration, pull=False)
    orders = container("ORDERS")
    [ours] = [f for f in flags(alation_sandbox, f"{SALES}.ORDERS") if f["user_id"] == PLUMBLINE]
    assert "2 active anomalies" in ours["flag_reason"]
    anomaly_set_status(anomalies=orders.anomalies.filter(key="orders-a1"), status="resolved")
    run = sync(integration, pull=False)
    [updated] = [f for f in flags(alation_sandbox, f"{SALES}.ORDERS") if f["user_id"] == PLUMBLINE]
    assert updated["id"] == ours["id"] and "1 active anomaly on ORDERS" in updated["flag_reason"]
    assert SyncChange.objects.filter(run=run, kind="trust_flag_updated").count() == 1
    anomaly_set_status(anomalies=orders.anomalies.all(), status="resolved")
    run = sync(integration, pull=False)
    assert not [f for f in flags(alation_sandbox, f"{SALES}.ORDERS") if f["user_id"] == PLUMBLINE]
    assert run.totals["announcements_cleared"] == 1


def test_a_persons_flag_is_never_touched(alation_sandbox, demo):
    store = alation_sandbox.store
    before = {
        key: store.flags_on(key) for key in (f"{SALES}.ORDERS", f"{SALES}.CUSTOMERS", f"{APP}.subscriptions")
    }
    integration = integration_make(alation_sandbox)
    sync(integration, pull=False)
    anomaly_set_status(anomalies=container("ORDERS").anomalies.all(), status="resolved")
    integration.enable_announcements = False
    integration.save()
    sync(integration, pull=False)
    for key, held in before.items():
        assert [f for f in store.flags_on(key) if f["user_id"] != PLUMBLINE] == held
    jane = before[f"{SALES}.ORDERS"][0]
    assert jane["user_id"] == JANE
    # Not even asked about: no request ever named another user's flag.
    assert not [r for r in store.requests if r.path.rstrip("/").endswith(f"/flag/{jane['id']}")]
    assert not [e for e in store.flags.log if e["owner"] != PLUMBLINE and e["by"] == PLUMBLINE]


def test_plumblines_stale_flag_from_before_is_removed_and_turning_flags_off_removes_ours(
    alation_sandbox, demo
):
    integration = integration_make(alation_sandbox)
    assert flags(alation_sandbox, f"{SALES}.PRODUCTS")  # set by our user, anomalies since resolved
    sync(integration, pull=False)
    assert not flags(alation_sandbox, f"{SALES}.PRODUCTS")
    integration.enable_announcements = False
    integration.save()
    sync(integration, pull=False)
    assert not flags(alation_sandbox, f"{SALES}.ORDER_ITEMS")
    assert [f["user_id"] for f in flags(alation_sandbox, f"{SALES}.ORDERS")] == [JANE]


def test_a_second_sync_with_nothing_changed_sends_no_write(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    sync(integration)
    alation_sandbox.store.reset_counts()
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert alation_sandbox.store.write_count() == 0
    assert run.requests_write == 0 and run.requests_read > 0
    assert not SyncChange.objects.filter(run=run).exists()


def test_a_preview_writes_nothing_and_audits_every_change_it_would_make(alation_sandbox, demo):
    integration = integration_make(alation_sandbox)
    fields_before = len(alation_sandbox.store.fields.fields)
    run = sync(integration, preview=True)
    assert run.status == "previewed", log_text(run)
    assert alation_sandbox.store.write_count() == 0
    assert len(alation_sandbox.store.fields.fields) == fields_before
    assert not Tag.objects.filter(tag_type="external").exists()
    assert flags(alation_sandbox, f"{SALES}.PRODUCTS")
    changes = SyncChange.objects.filter(run=run)
    assert changes.exists() and not changes.filter(applied=True).exists()
    kinds = set(changes.values_list("kind", flat=True))
    assert {
        "custom_field_created",
        "custom_field_set",
        "data_health_field_set",
        "data_health_set",
        "trust_flag_set",
        "trust_flag_removed",
        "tag_added",
    } <= kinds
    assert "Would create the custom fields" in log_text(run)


def test_unmatched_and_alation_only_assets_are_reported_and_names_match_without_regard_to_case(
    alation_sandbox, demo
):
    integration = integration_make(alation_sandbox)
    run = sync(integration, push=False)
    issue = SyncIssue.objects.get(run=run, kind="unmatched", level="container")
    assert issue.path == "App Database / sessions" and APP in issue.reason
    log = log_text(run)
    assert "SALES.PUBLIC ↔ 1.SALES.PUBLIC: 7 tables and 41 columns matched; 1 table(s) only in Alation" in log
    link = AssetLink.objects.get(
        integration=integration, level="field", object_id=field("customers", "email").pk
    )
    assert (link.catalog_qualified_name, link.catalog_type) == (f"{SALES}.CUSTOMERS.EMAIL", "attribute")
    finance = AssetLink.objects.get(integration=integration, level="datastore", path="Finance Mart")
    assert finance.catalog_qualified_name == FINANCE


def test_a_rejected_refresh_token_stops_the_run_and_asks_for_re_authentication(alation_sandbox, demo):
    integration = integration_make(alation_sandbox, refresh_token="plumbline-revoked-refresh-token")
    run = sync(integration)
    integration.refresh_from_db()
    assert run.status == "failed"
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert "revoked" in integration.status_message
    assert "plumbline-revoked-refresh-token" not in log_text(run) + run.message + integration.status_message


def test_a_tables_catalog_panel_links_to_its_alation_page(alation_sandbox, demo, viewer_http):
    import requests
    from django.urls import reverse

    from integrations.models import AssetLink

    sync(integration_make(alation_sandbox))
    items = container("ORDER_ITEMS")
    link = AssetLink.objects.get(level="container", object_id=items.pk)
    html = viewer_http.get(reverse("integrations:asset_panel", args=["container", items.pk])).content.decode()
    url = f"{alation_sandbox.url}/table/{link.catalog_guid}/"
    assert f'href="{url}"' in html and "Alation" in html
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and 'id="object-name">ORDER_ITEMS' in page.text
    assert requests.get(f"{alation_sandbox.url}/table/999999/", timeout=5).status_code == 404


def test_a_push_leaves_its_jobs_running_while_the_next_batches_are_worked_on(
    alation_sandbox, demo, monkeypatch, settings
):
    from integrations.alation.client import AlationClient
    from integrations.http.retries import Retrying

    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1  # a push per table
    started, waited, pauses, pushes = [], [], [], []
    job_started, job_wait = AlationClient.job_started, AlationClient.job_wait

    def starting(self, job_id):
        started.append(job_id)
        job_started(self, job_id)

    def waiting(self, job_id, **options):
        waited.append(job_id)
        return job_wait(self, job_id, **options)

    monkeypatch.setattr(AlationClient, "job_started", starting)
    monkeypatch.setattr(AlationClient, "job_wait", waiting)
    monkeypatch.setattr(Retrying, "pause", lambda self, seconds: pauses.append(seconds))

    run = sync(integration_make(alation_sandbox))

    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert started and set(started) <= set(waited)  # every value job sent is followed
    lines = [e.message for e in run.log_lines.order_by("id")]
    pushes = [m for m in lines if m.startswith("Wrote custom field values")]
    assert len(pushes) >= 6, lines
    # The sandbox answers "running" once per job. Waits that pause: the custom fields' creation,
    # each datastore's Data Health fields, and the end of the pushes, where the last pushes' jobs
    # are followed; the other pushes' jobs end while later tables are worked on.
    datastores = len({e.datastore for e in run.log_lines.exclude(datastore="")})
    assert len(pauses) <= 1 + datastores + 1 < len(pushes), (pauses, datastores, pushes)
    items = container("ORDER_ITEMS")  # the values were written all the same
    assert values(alation_sandbox, f"{SALES}.ORDER_ITEMS")["URL"] == f"{SITE}/containers/{items.pk}/"
    check = Check.objects.get(key="order-items-qty-positive")
    row = health(alation_sandbox, f"{SALES}.ORDER_ITEMS.QUANTITY")[f"plumbline.check.{check.pk}"]
    assert row["value_quality"] == "ALERT"
    applied = SyncChange.objects.filter(run=run, kind__in=["data_health_set", "custom_field_set"])
    assert applied.exists() and not applied.filter(applied=False).exists()
