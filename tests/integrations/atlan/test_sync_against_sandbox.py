"""Whole syncs against the Atlan sandbox over real HTTP, with the demo catalog loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from catalog.models import Anomaly, Container, Datastore, Field, Tag
from catalog.services import anomaly_set_status
from integrations.models import (
    AssetLink,
    Integration,
    SyncChange,
    SyncIssue,
    SyncOwnTag,
    SyncRun,
    SyncWantedTag,
)
from integrations.runs import run_start
from sandbox.atlan.store import Token

DEMO = Path(__file__).resolve().parents[3] / "catalog" / "demo" / "demo_catalog.json"
SNOW = "default/snowflake/1700000000/SALES/PUBLIC"
PG = "default/postgres/1700000100/app/public"
SITE = "http://plumbline.test"


pytestmark = pytest.mark.usefixtures("fast_retries")


def integration_make(sandbox, token: str | None = None, **options) -> Integration:
    integration = Integration(name="Atlan", url=sandbox.url, event_driven=False, **options)
    integration.token = token or sandbox.token
    integration.save()
    return integration


def sync(integration, **options) -> SyncRun:
    if "container_ids" not in options:
        options.setdefault("pull", True)
    options.setdefault("push", True)
    run = run_start(integration=integration, **options)
    run.refresh_from_db()
    return run


def log_text(run: SyncRun) -> str:
    return "\n".join(f"{line.level} {line.datastore}: {line.message}" for line in run.log_lines.all())


# The demo plants an Atlan tag "FINANCE" beside the global tag "Finance": with Overwrite Tags off a
# pull skips it, and the run says so by ending "Succeeded with warnings".
DEMO_PULL_WARNINGS = 1


def finished(run: SyncRun, warnings: int = 0) -> bool:
    return (run.status, run.warnings) == ("warnings" if warnings else "succeeded", warnings)


def tag_names(obj) -> set[str]:
    return {t.name for t in obj.tags.all()}


def container(name: str) -> Container:
    return Container.objects.get(name=name)


def field(table: str, name: str) -> Field:
    return Field.objects.get(container__name=table, name=name)


def plumbline_cm(sandbox, qualified_name: str) -> dict:
    return sandbox.store.custom_metadata(qualified_name).get("Plumbline", {})


def test_pull_creates_external_tags_on_all_three_levels_with_display_names(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Gold Layer" in tag_names(Datastore.objects.get(name="Sales Warehouse"))
    assert "Confidential" in tag_names(container("PAYMENTS"))
    # Directly on the column, and propagated from the CUSTOMERS table.
    assert {"Confidential", "PII"} <= tag_names(field("customers", "email"))
    assert "PII" in tag_names(field("PAYMENTS", "CARD_LAST4"))
    pii = Tag.objects.get(name="PII")
    assert (pii.tag_type, pii.integration_id) == ("external", integration.pk)
    assert pii.color == "#DC2626" and pii.description == "Personally identifiable information"
    # Never a hash: every external tag has a display name known to the sandbox.
    names = set(Tag.objects.filter(tag_type="external").values_list("name", flat=True))
    assert names <= {d["displayName"] for d in atlan_sandbox.store.tag_defs()}
    assert run.totals["tags_pulled"] > 0
    assert SyncChange.objects.filter(run=run, kind="tag_added", applied=True).exists()


def test_a_tag_name_longer_than_255_characters_is_kept_whole_and_shown_shortened(
    atlan_sandbox, demo, admin_http
):
    long_name = "Retention policy " + "x" * 300
    atlan_sandbox.store.add_tag(f"{SNOW}/PAYMENTS", long_name)
    integration = integration_make(atlan_sandbox)
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert long_name in tag_names(container("PAYMENTS"))
    html = admin_http.get(container("PAYMENTS").get_absolute_url()).content.decode()
    assert f'title="{long_name} · External tag from integration Atlan"' in html
    assert f'<span class="name">{long_name[:59]}…</span>' in html


def test_a_propagated_tag_is_kept_as_inherited_from_its_source_and_can_be_filtered(
    atlan_sandbox, demo, admin_http
):
    integration = integration_make(atlan_sandbox)
    sync(integration, push=False)
    email = field("customers", "email")
    links = {link.tag.name: link.inherited_from for link in email.tag_links.select_related("tag")}
    # Confidential is on the column itself; PII comes down from the CUSTOMERS table.
    assert links["Confidential"] == "" and links["PII"] == "CUSTOMERS"
    html = admin_http.get(email.get_absolute_url()).content.decode()
    assert "inherited from CUSTOMERS" in html and "chip-inherited" in html
    customers = container("customers")
    pii = Tag.objects.get(name="PII")
    listing = customers.get_absolute_url()
    fragment = {"HX-Request": "true", "HX-Target": "field-results"}
    only_inherited = admin_http.get(listing, {"tag": pii.pk, "inherited": "only"}, headers=fragment)
    direct_only = admin_http.get(listing, {"tag": pii.pk, "inherited": "exclude"}, headers=fragment)
    only_inherited, direct_only = only_inherited.content.decode(), direct_only.content.decode()
    assert f"/fields/{email.pk}/" in only_inherited and f"/fields/{email.pk}/" not in direct_only
    on_tag_page = admin_http.get(pii.get_absolute_url(), {"inherited": "only"}).content.decode()
    assert f"/fields/{email.pk}/" in on_tag_page and "inherited from CUSTOMERS" in on_tag_page
    # Applied directly in Atlan later: the same assignment now says it is the column's own.
    atlan_sandbox.store.add_tag(f"{SNOW}/CUSTOMERS/EMAIL", "PII")
    sync(integration, push=False)
    assert email.tag_links.get(tag=pii).inherited_from == ""


def test_tag_removed_in_the_catalog_is_removed_on_the_next_pull_and_orphans_deleted(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration, push=False)
    atlan_sandbox.store.remove_tag(f"{SNOW}/PAYMENTS", "Confidential")
    atlan_sandbox.store.remove_tag(SNOW, "Gold Layer")
    run = sync(integration, push=False)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Confidential" not in tag_names(container("PAYMENTS"))
    assert "Confidential" in tag_names(field("customers", "email"))
    assert not Tag.objects.filter(name="Gold Layer").exists()
    kinds = set(SyncChange.objects.filter(run=run).values_list("kind", flat=True))
    assert {"tag_removed", "tag_deleted"} <= kinds


def test_global_tags_are_untouched_and_same_name_catalog_tag_skipped_without_overwrite(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration, push=False)
    finance = Tag.objects.get(name__iexact="finance")
    assert finance.tag_type == "global"
    assert "Finance" not in tag_names(container("ORDERS"))
    assert "Catalog tag “FINANCE” skipped" in log_text(run)
    assert "Critical" in tag_names(container("ORDERS"))  # a global tag the catalog lacks stays


def test_overwrite_tags_converts_a_same_name_global_tag_keeping_its_assets(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, overwrite_tags=True)
    run = sync(integration, push=False)
    assert run.status == "succeeded", log_text(run)
    finance = Tag.objects.get(name__iexact="finance")
    assert (finance.tag_type, finance.integration_id) == ("external", integration.pk)
    assert finance.description == "Finance domain (synced from Snowflake)"
    assert "Finance" in tag_names(container("ORDERS"))  # from the catalog
    assert "Finance" in tag_names(field("ORDERS", "ORDER_TOTAL"))  # kept from before
    assert SyncChange.objects.filter(run=run, kind="tag_converted").count() == 1


def test_push_sets_custom_metadata_and_the_announcement_visible_through_the_sandbox(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration, pull=False)
    assert run.status == "succeeded", log_text(run)
    items = container("ORDER_ITEMS")
    cm = plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")
    assert cm["URL"] == f"{SITE}/containers/{items.pk}/"
    assert cm["Anomaly Count"] == 1 and cm["Check Count"] == 1
    assert cm["Quality Score Total"] == round(items.current_score.total, 2)
    schema_cm = plumbline_cm(atlan_sandbox, SNOW)
    open_in_sales = Anomaly.objects.filter(
        container__datastore__name="Sales Warehouse", status__in=Anomaly.OPEN_STATUSES
    ).count()
    assert schema_cm["Anomaly Count"] == open_in_sales
    column_cm = plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS/QUANTITY")
    assert column_cm["Check Count"] == 1 and column_cm["Anomaly Count"] == 1
    announcement = atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS")
    assert announcement["type"] == "warning"
    assert announcement["title"] == "Plumbline: 1 active anomaly"
    assert f"{SITE}/containers/{items.pk}/#anomalies" in announcement["message"]
    link = AssetLink.objects.get(integration=integration, level="container", object_id=items.pk)
    assert link.announcement_title == "Plumbline: 1 active anomaly"
    assert run.totals["assets_pushed"] > 0 and run.totals["announcements_set"] >= 1


def test_resolving_the_anomalies_and_pushing_again_removes_the_announcement(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration, pull=False)
    items = container("ORDER_ITEMS")
    anomaly_set_status(anomalies=items.anomalies.all(), status="resolved")
    run = sync(integration, pull=False)
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS") is None
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")["Anomaly Count"] == 0
    assert run.totals["announcements_cleared"] >= 1
    assert SyncChange.objects.filter(run=run, kind="announcement_cleared").exists()


def test_plumblines_earlier_announcement_is_cleared_when_its_anomalies_are_gone(atlan_sandbox, demo):
    # The demo scenario holds an announcement Plumbline's token set on PRODUCTS before this database.
    integration = integration_make(atlan_sandbox)
    sync(integration, pull=False)
    assert atlan_sandbox.store.announcement(f"{SNOW}/PRODUCTS") is None


def test_a_persons_announcement_is_never_touched(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    orders_before = atlan_sandbox.store.announcement(f"{SNOW}/ORDERS")
    subs_before = atlan_sandbox.store.announcement(f"{PG}/subscriptions")
    run = sync(integration, pull=False)
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDERS") == orders_before  # 2 open anomalies
    assert atlan_sandbox.store.announcement(f"{PG}/subscriptions") == subs_before  # none open
    assert "left the announcement “Migrating to ORDERS_V2 in Q1” alone" in log_text(run)
    # A person replacing ours is left alone too, even when the anomalies go away.
    atlan_sandbox.store.set_announcement(f"{SNOW}/ORDER_ITEMS", "information", "Ask Sam first", by="sam")
    anomaly_set_status(anomalies=container("ORDER_ITEMS").anomalies.all(), status="resolved")
    integration.enable_announcements = False
    integration.save()
    sync(integration, pull=False)
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS")["title"] == "Ask Sam first"
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDERS") == orders_before


def test_on_a_catalog_that_names_no_updater_plumbline_sets_updates_and_clears_its_own(atlan_sandbox, demo):
    """A catalog that stores announcementUpdatedBy only as sent (an ordinary attribute)."""
    store = atlan_sandbox.store
    store.stamps_announcements = False
    # A person's announcement written without an updater, on a table that has open anomalies.
    store.set_announcement(f"{PG}/events", "information", "Backfill running", "ask data-eng", by="sam")
    person_before = store.announcement(f"{PG}/events")
    integration = integration_make(atlan_sandbox)
    sync(integration, pull=False)
    items = container("ORDER_ITEMS")
    assert store.announcement(f"{SNOW}/ORDER_ITEMS")["title"] == "Plumbline: 1 active anomaly"

    # Updated with the count: one more open anomaly on ORDER_ITEMS.
    Anomaly.objects.create(
        container=items, key="extra", status="active", message="one more", created_at=timezone.now()
    )
    run = sync(integration, pull=False)
    assert store.announcement(f"{SNOW}/ORDER_ITEMS")["title"] == "Plumbline: 2 active anomalies", log_text(
        run
    )
    assert "left the announcement “Plumbline" not in log_text(run)

    # Cleared at zero.
    anomaly_set_status(anomalies=items.anomalies.all(), status="resolved")
    run = sync(integration, pull=False)
    assert store.announcement(f"{SNOW}/ORDER_ITEMS") is None, log_text(run)
    assert run.totals["announcements_cleared"] >= 1
    # The person's announcement stays as it was, open anomalies or not.
    assert store.announcement(f"{PG}/events") == person_before
    assert "left the announcement “Backfill running” alone" in log_text(run)


def test_turning_announcements_off_removes_plumblines_own(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration, pull=False)
    integration.enable_announcements = False
    integration.save()
    sync(integration, pull=False)
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS") is None
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDERS") is not None


def test_the_audit_has_one_row_per_changed_attribute_with_before_and_after(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration)
    items = container("ORDER_ITEMS")
    anomaly_set_status(anomalies=items.anomalies.all(), status="resolved")
    run = sync(integration, pull=False)
    rows = SyncChange.objects.filter(run=run, asset="Sales Warehouse / ORDER_ITEMS")
    got = {(r.kind, r.attribute, r.before, r.after) for r in rows}
    assert ("custom_metadata_set", "Plumbline › Anomaly Count", "1", "0") in got
    assert ("announcement_cleared", "announcement", "Plumbline: 1 active anomaly", "") in got
    assert all(r.catalog_ref == f"{SNOW}/ORDER_ITEMS" and r.applied for r in rows)


def test_a_second_push_with_nothing_changed_sends_no_write_request(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration)
    atlan_sandbox.store.reset_counts()
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert atlan_sandbox.store.write_count() == 0
    assert run.requests_write == 0 and run.requests_read > 0
    assert not SyncChange.objects.filter(run=run).exists()


def test_a_preview_writes_nothing_and_audits_what_it_would_do(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration, preview=True)
    assert run.status == "previewed", log_text(run)
    assert atlan_sandbox.store.write_count() == 0
    assert not Tag.objects.filter(tag_type="external").exists()
    assert atlan_sandbox.store.cm_set_by_name("Plumbline") is None
    changes = SyncChange.objects.filter(run=run)
    assert changes.exists() and not changes.filter(applied=True).exists()
    kinds = set(changes.values_list("kind", flat=True))
    assert {"custom_metadata_set_created", "custom_metadata_set", "announcement_set", "tag_added"} <= kinds


def test_rate_limits_and_server_errors_still_end_in_a_complete_correct_sync(atlan_sandbox, demo):
    atlan_sandbox.faults.configure(rate_limit_share=0.2, server_error_share=0.2, seed=11)
    integration = integration_make(atlan_sandbox)
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert re.search(
        r"Atlan answered (429 \(rate limited\)|50\d \([a-z ]+\)); retrying in [\d.]+ s\.", log_text(run)
    )
    assert sum(atlan_sandbox.store.counts.faults.values()) > 0
    atlan_sandbox.faults.reset()
    atlan_sandbox.store.reset_counts()
    again = sync(integration)
    # Everything landed the first time: a clean second sync has nothing left to write.
    assert finished(again, DEMO_PULL_WARNINGS) and atlan_sandbox.store.write_count() == 0
    assert not SyncChange.objects.filter(run=again).exists()
    assert "PII" in tag_names(field("customers", "email"))


def test_a_token_limited_to_one_connection_syncs_it_and_reports_the_rest_not_visible(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, token="plumbline-snowflake-only-token")
    run = sync(integration)
    assert finished(run, 2 + DEMO_PULL_WARNINGS), log_text(run)  # two datastores not visible
    hidden = SyncIssue.objects.filter(run=run, kind="not_visible", level="datastore")
    assert set(hidden.values_list("path", flat=True)) == {"App Database", "Finance Mart"}
    assert "persona" in hidden.first().reason
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")["Anomaly Count"] == 1
    assert set(run.counts) >= {"Sales Warehouse"} and "tables" not in run.counts.get("App Database", {})


def test_unmatched_and_catalog_only_assets_are_reported(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration, push=False)
    issue = SyncIssue.objects.get(run=run, kind="unmatched", level="container")
    assert issue.path == "App Database / sessions" and PG in issue.reason
    log = log_text(run)
    assert "SALES.PUBLIC ↔ default/snowflake/1700000000/SALES/PUBLIC: 7 tables" in log
    assert "1 table(s) only in Atlan" in log
    only = SyncIssue.objects.get(run=run, kind="catalog_only")
    assert (only.level, only.path) == ("container", "Sales Warehouse / ORDERS_ARCHIVE")
    assert only.catalog_qualified_name == f"{SNOW}/ORDERS_ARCHIVE" and only.catalog_guid
    # Matched without regard to case: Plumbline 'customers'/'email' are 'CUSTOMERS'/'EMAIL' in Atlan.
    link = AssetLink.objects.get(
        integration=integration, level="field", object_id=field("customers", "email").pk
    )
    assert link.catalog_qualified_name == f"{SNOW}/CUSTOMERS/EMAIL" and link.name_case_differs
    exact = AssetLink.objects.get(
        integration=integration, level="container", object_id=container("ORDERS").pk
    )
    assert not exact.name_case_differs


def test_progress_counts_the_assets_worked_on_not_datastores(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    run = sync(integration)
    synced = Container.objects.filter(container_type__in=("table", "view"))
    assets = Datastore.objects.count() + synced.count() + Field.objects.filter(container__in=synced).count()
    assert (run.progress_done, run.progress_total) == (assets, assets) and assets > 50
    items = container("ORDER_ITEMS")
    pushed = sync(integration, container_ids=[items.pk])
    assert (pushed.progress_done, pushed.progress_total) == (1 + items.fields.count(),) * 2


def test_an_event_push_writes_only_that_table_reading_little(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration)
    items = container("ORDER_ITEMS")
    anomaly_set_status(anomalies=items.anomalies.all(), status="resolved")
    atlan_sandbox.store.reset_counts()
    run = sync(integration, container_ids=[items.pk], trigger=SyncRun.Trigger.EVENT)
    assert run.status == "succeeded", log_text(run)
    assert atlan_sandbox.store.announcement(f"{SNOW}/ORDER_ITEMS") is None
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")["Anomaly Count"] == 0
    assert plumbline_cm(atlan_sandbox, SNOW)["Anomaly Count"] == 3  # the schema's total follows
    # One search pass: its page and the empty page that tells the client it has seen everything.
    assert atlan_sandbox.store.read_count("search") <= 2
    assert atlan_sandbox.store.write_count() == 2  # one custom-metadata batch, one announcement


def test_an_event_push_matches_a_never_linked_table_on_the_fly(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    items = container("ORDER_ITEMS")
    run = sync(integration, container_ids=[items.pk], trigger=SyncRun.Trigger.EVENT)
    assert run.status == "succeeded", log_text(run)
    assert AssetLink.objects.filter(integration=integration, level="container", object_id=items.pk).exists()
    assert plumbline_cm(atlan_sandbox, f"{SNOW}/ORDER_ITEMS")["Anomaly Count"] == 1
    assert "Anomaly Count" not in plumbline_cm(atlan_sandbox, f"{SNOW}/ORDERS")


def test_a_failing_write_is_logged_and_the_run_goes_on(atlan_sandbox, demo):
    atlan_sandbox.faults.configure(max_batch_size=5)  # our batches of 20 are refused with a 400
    integration = integration_make(atlan_sandbox)
    run = sync(integration)
    assert run.status == "partial", log_text(run)
    assert run.error_samples and run.totals["errors"] >= 3
    assert "PII" in tag_names(field("customers", "email"))  # the pull still happened
    # The audit and the counts say what was written, not what was tried.
    refused = SyncChange.objects.filter(run=run, kind="custom_metadata_set")
    assert refused.exists() and not refused.filter(applied=True).exists()
    assert run.totals.get("assets_pushed", 0) == 0
    assert "Pushed custom metadata to 0 asset(s)" in log_text(run)


def test_a_rejected_token_stops_the_run_and_asks_for_re_authentication(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox, token="not-a-real-token")
    run = sync(integration)
    integration.refresh_from_db()
    assert run.status == "failed"
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert "not-a-real-token" not in log_text(run)


def test_a_token_without_custom_metadata_rights_still_pulls(atlan_sandbox, demo):
    atlan_sandbox.store.add_token(Token(token="no-cm", username="svc-no-cm", can_edit_custom_metadata=False))
    integration = integration_make(atlan_sandbox, token="no-cm")
    run = sync(integration)
    assert run.status == "partial", log_text(run)
    assert "nothing is pushed" in log_text(run)
    assert Tag.objects.filter(tag_type="external").exists()


def test_a_pull_that_would_remove_most_tags_stops_before_writing(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    sync(integration, push=False)
    before = {(t.name, t.fields.count(), t.containers.count()) for t in Tag.objects.all()}
    with atlan_sandbox.store.locked() as store:
        for entity in store.entities.values():
            entity["tags"] = []
        store.touch()
    run = sync(integration, push=False)
    assert run.status == "failed"
    assert "stopped before changing any tag" in run.message
    assert {(t.name, t.fields.count(), t.containers.count()) for t in Tag.objects.all()} == before


def test_a_pull_leaves_no_staging_rows_whether_it_applied_or_stopped(atlan_sandbox, demo):
    integration = integration_make(atlan_sandbox)
    assert sync(integration).status in ("succeeded", "warnings")
    with atlan_sandbox.store.locked() as store:
        for entity in store.entities.values():
            entity["tags"] = []
        store.touch()
    assert sync(integration, push=False).status == "failed"
    assert not SyncWantedTag.objects.exists() and not SyncOwnTag.objects.exists()


def test_file_datastores_are_skipped_with_a_log_line(atlan_sandbox, demo):
    Datastore.objects.create(name="Landing Zone", connector_type="s3", store_type="dfs")
    integration = integration_make(atlan_sandbox)
    run = sync(integration)
    assert finished(run, DEMO_PULL_WARNINGS), log_text(run)
    assert "Landing Zone: skipped (file datastores are not synced with catalogs)." in log_text(run)
    assert not SyncIssue.objects.filter(run=run, datastore="Landing Zone").exists()
