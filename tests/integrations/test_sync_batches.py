"""A sync works a datastore a batch of tables at a time: the batch size changes memory, not outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.models import ContainerTag, FieldTag
from integrations.models import AssetLink, SyncChange, SyncIssue, SyncRun
from tests.integrations.alation import syncing as alation
from tests.integrations.atlan import test_sync_against_sandbox as atlan

pytestmark = pytest.mark.usefixtures("fast_retries")


def changes_of(run: SyncRun) -> list[tuple[str, str, str, str, str, str]]:
    rows = SyncChange.objects.filter(run=run).values_list(
        "datastore", "asset", "kind", "attribute", "before", "after"
    )
    return sorted(rows)


def issues_of(run: SyncRun) -> list[tuple[str, str, str, str]]:
    return sorted(SyncIssue.objects.filter(run=run).values_list("kind", "level", "path", "reason"))


def links_of(run: SyncRun) -> list[tuple[str, int, str, bool]]:
    rows = AssetLink.objects.filter(integration=run.integration).values_list(
        "level", "object_id", "catalog_qualified_name", "name_case_differs"
    )
    return sorted(rows)


def tags_state() -> list[tuple[str, int, int, str]]:
    rows = [
        ("container", *r)
        for r in ContainerTag.objects.values_list("container_id", "tag_id", "inherited_from")
    ]
    rows += [("field", *r) for r in FieldTag.objects.values_list("field_id", "tag_id", "inherited_from")]
    return sorted(rows)


def mapping_line(run: SyncRun) -> list[str]:
    return sorted(line.message for line in run.log_lines.all() if "↔" in line.message)


@pytest.mark.parametrize("catalog", ["atlan", "alation"])
def test_a_sync_in_batches_of_one_table_makes_the_changes_a_single_batch_previews(
    catalog, atlan_sandbox, alation_sandbox, demo, settings
):
    helpers = atlan if catalog == "atlan" else alation
    sandbox = atlan_sandbox if catalog == "atlan" else alation_sandbox
    integration = helpers.integration_make(sandbox)
    preview = helpers.sync(integration, preview=True)
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    tags_before = tags_state()
    run = helpers.sync(integration)
    assert run.status in ("succeeded", "warnings"), helpers.log_text(run)
    assert changes_of(run) == changes_of(preview)
    assert issues_of(run) == issues_of(preview)
    assert mapping_line(run) == mapping_line(preview)
    assert tags_state() != tags_before  # the pull did write, in batches
    assert SyncChange.objects.filter(run=run, applied=True).count() == len(changes_of(run))


@pytest.mark.parametrize("catalog", ["atlan", "alation"])
def test_links_and_tags_are_the_same_whatever_the_batch_size(
    catalog, atlan_sandbox, alation_sandbox, demo, settings
):
    helpers = atlan if catalog == "atlan" else alation
    sandbox = atlan_sandbox if catalog == "atlan" else alation_sandbox
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    first = helpers.sync(helpers.integration_make(sandbox))
    assert first.status in ("succeeded", "warnings"), helpers.log_text(first)
    links, tags = links_of(first), tags_state()
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 100
    again = helpers.sync(first.integration)
    assert links_of(again) == links and tags_state() == tags
    # What the batches of one wrote is exactly what one batch wants: the resync writes nothing.
    assert again.requests_write == 0, helpers.log_text(again)
    assert not SyncChange.objects.filter(run=again).exists()


def test_a_tripped_removal_stop_in_a_pull_and_push_run_writes_nothing_to_the_catalog(atlan_sandbox, demo):
    store = atlan_sandbox.store
    integration = atlan.integration_make(atlan_sandbox)
    assert atlan.finished(atlan.sync(integration), atlan.DEMO_PULL_WARNINGS)
    columns = AssetLink.objects.filter(integration=integration, level="field").order_by("id")[:12]
    for link in columns:
        store.add_tag(link.catalog_qualified_name, "PII")
    assert atlan.finished(atlan.sync(integration), atlan.DEMO_PULL_WARNINGS)
    assignments = tags_state()
    assert len(assignments) >= 12
    # The catalog loses every tag at once (say, a persona change), and Plumbline has a new value to push.
    for link in AssetLink.objects.filter(integration=integration):
        for tag in store.tags_of(link.catalog_qualified_name, propagated=False):
            store.remove_tag(link.catalog_qualified_name, tag)
    cm_before = store.custom_metadata(f"{atlan.SNOW}/ORDER_ITEMS")
    atlan.Anomaly.objects.filter(container__name="ORDER_ITEMS").delete()
    store.reset_counts()
    run = atlan.sync(integration)
    assert run.status == "failed" and "stopped before changing any tag" in run.message
    assert store.write_count() == 0  # not even the push, though it came before the pull's apply
    assert store.custom_metadata(f"{atlan.SNOW}/ORDER_ITEMS") == cm_before
    assert tags_state() == assignments
    assert not SyncChange.objects.filter(run=run, applied=True).exists()
    assert not run.staged_pushes.exists()


def test_a_datastore_no_longer_found_forgets_every_link_of_its_tables_and_fields(atlan_sandbox, demo):
    integration = atlan.integration_make(atlan_sandbox)
    assert atlan.finished(atlan.sync(integration), atlan.DEMO_PULL_WARNINGS)
    sales = atlan.Datastore.objects.get(name="Sales Warehouse")
    ours = AssetLink.objects.filter(integration=integration)
    in_sales = ours.filter(
        level="field", object_id__in=atlan.Field.objects.filter(container__datastore=sales)
    )
    assert in_sales.exists()
    others = ours.count() - ours.filter(level="datastore", object_id=sales.pk).count()
    sales.schema = "NO_SUCH_SCHEMA"
    sales.save()
    run = atlan.sync(integration, pull=False)
    assert "Sales Warehouse" in atlan.log_text(run) and "unmatched" in atlan.log_text(run)
    assert not in_sales.exists() and not ours.filter(level="datastore", object_id=sales.pk).exists()
    assert ours.filter(level="field").exists()  # the other datastores keep theirs
    assert ours.count() < others


def test_progress_moves_batch_by_batch_within_a_datastore(atlan_sandbox, demo, settings, monkeypatch):
    from integrations.sync.runner import CatalogSync

    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    seen: list[tuple[str, int]] = []
    original = CatalogSync.tables_sync

    def recorded(self, ds, *args, **kwargs):
        original(self, ds, *args, **kwargs)
        seen.append((ds.name, self.ctx.run.progress_done))

    monkeypatch.setattr(CatalogSync, "tables_sync", recorded)
    run = atlan.sync(atlan.integration_make(atlan_sandbox))
    sales = [done for name, done in seen if name == "Sales Warehouse"]
    assert len(sales) > 3 and sales == sorted(sales) and len(set(sales)) == len(sales)
    assert run.progress_done == run.progress_total > sales[-1]


def test_a_tripped_removal_stop_in_an_alation_pull_and_push_run_writes_nothing_to_alation(
    alation_sandbox, demo
):
    store = alation_sandbox.store
    integration = alation.integration_make(alation_sandbox)
    assert alation.finished(alation.sync(integration), alation.DEMO_PULL_WARNINGS)
    columns = AssetLink.objects.filter(integration=integration, level="field").order_by("id")[:12]
    for link in columns:
        store.add_tag(link.catalog_qualified_name, "PII")
    assert alation.finished(alation.sync(integration), alation.DEMO_PULL_WARNINGS)
    assignments = tags_state()
    assert len(assignments) >= 12
    for link in AssetLink.objects.filter(integration=integration):
        for tag in store.tags_of(link.catalog_qualified_name):
            store.remove_tag(link.catalog_qualified_name, tag)
    values_before = alation.values(alation_sandbox, f"{alation.SALES}.ORDER_ITEMS")
    atlan.Anomaly.objects.filter(container__name="ORDER_ITEMS").delete()
    store.reset_counts()
    run = alation.sync(integration)
    assert run.status == "failed" and "stopped before changing any tag" in run.message
    assert store.write_count() == 0
    assert alation.values(alation_sandbox, f"{alation.SALES}.ORDER_ITEMS") == values_before
    assert tags_state() == assignments
    assert not SyncChange.objects.filter(run=run, applied=True).exists()


@pytest.mark.parametrize("catalog", ["atlan", "alation"])
def test_the_next_batch_is_read_on_another_thread_while_this_one_is_pushed(
    catalog, atlan_sandbox, alation_sandbox, demo, settings, monkeypatch
):
    import threading
    import time

    from integrations.alation.sync import AlationSync
    from integrations.atlan.sync import AtlanSync

    helpers = atlan if catalog == "atlan" else alation
    sandbox = atlan_sandbox if catalog == "atlan" else alation_sandbox
    cls = AtlanSync if catalog == "atlan" else AlationSync
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    read, push = cls.batch_columns_read, cls.batch_push
    reads: list[str] = []
    beside: list[bool] = []  # per push: had the next batch's read started while it was pushed?

    def reading(self, ds, location, catalog_read, tables):
        reads.append(threading.current_thread().name)
        return read(self, ds, location, catalog_read, tables)

    def pushing(self, ds, matched, labels):
        assert threading.current_thread() is threading.main_thread()
        pushed = len(beside) + 1
        deadline = time.monotonic() + 0.5
        while len(reads) <= pushed and time.monotonic() < deadline:
            time.sleep(0.005)
        beside.append(len(reads) > pushed)
        push(self, ds, matched, labels)

    monkeypatch.setattr(cls, "batch_columns_read", reading)
    monkeypatch.setattr(cls, "batch_push", pushing)
    run = helpers.sync(helpers.integration_make(sandbox))
    assert run.status in ("succeeded", "warnings"), helpers.log_text(run)
    assert reads and all(name.startswith("catalog-batches") for name in reads)
    # Every batch but each datastore's last had the next one's read going beside its push.
    datastores = run.log_lines.filter(message__contains="↔").count()
    assert beside.count(True) >= 3 and beside.count(False) <= datastores
    # The outcome is one a resync finds nothing to change in.
    monkeypatch.undo()
    again = helpers.sync(run.integration)
    assert again.requests_write == 0, helpers.log_text(again)


@pytest.mark.parametrize("catalog", ["atlan", "alation"])
def test_a_batch_is_let_go_before_the_one_after_next_is_read(
    catalog, atlan_sandbox, alation_sandbox, demo, settings, monkeypatch
):
    """Memory holds two batches of columns at most: the one worked on and the next being read."""
    import weakref

    from integrations.alation.sync import AlationSync
    from integrations.atlan.sync import AtlanSync

    class Columns(dict):  # a plain dict cannot be weakly referenced
        pass

    helpers = atlan if catalog == "atlan" else alation
    sandbox = atlan_sandbox if catalog == "atlan" else alation_sandbox
    cls = AtlanSync if catalog == "atlan" else AlationSync
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    read = cls.batch_columns_read
    batches: list[tuple[object, weakref.ref]] = []  # (datastore, batch) in the order read
    alive_at_read: list[int] = []  # per read: earlier batches of its datastore still in memory

    def reading(self, ds, location, catalog_read, tables):
        earlier = [ref for owner, ref in batches if owner == ds.pk]
        alive_at_read.append(sum(ref() is not None for ref in earlier[:-1]))
        columns = Columns(read(self, ds, location, catalog_read, tables))
        batches.append((ds.pk, weakref.ref(columns)))
        return columns

    monkeypatch.setattr(cls, "batch_columns_read", reading)
    run = helpers.sync(helpers.integration_make(sandbox))
    assert run.status in ("succeeded", "warnings"), helpers.log_text(run)
    assert len(alive_at_read) >= 4
    # When a read starts, only the batch just before it (the one being worked on) is still held.
    assert alive_at_read == [0] * len(alive_at_read)


def test_batches_follow_the_catalogs_order_and_span_its_tables_where_columns_are_read_by_range():
    from integrations.sync.runner import batches_cut

    @dataclass(frozen=True)
    class Table:
        name: str

        @property
        def qualified_name(self) -> str:
            return f"db/{self.name}"

    def order(t):
        return t.qualified_name

    catalog = [Table(n) for n in ("a", "b", "b2-only-in-catalog", "c", "d", "e")]
    matched = {10: catalog[4], 11: catalog[0], 12: catalog[3], 13: catalog[1], 14: catalog[5]}
    containers = [10, 11, 12, 13, 14, 20, 21, 22]  # 20-22 have no match

    # Spanning the catalog's tables: the table only in the catalog takes a place in its batch.
    assert batches_cut(containers, matched, catalog, order, 2) == [[11, 13], [12], [10, 14], [20, 21], [22]]
    # Spanning the matched tables only: in the catalog's order, then the unmatched.
    spans = list(matched.values())
    assert batches_cut(containers, matched, spans, order, 2) == [[11, 13], [12, 10], [14, 20], [21, 22]]
    assert batches_cut(containers, matched, catalog, order, 100) == [[11, 13, 12, 10, 14, 20, 21, 22]]
    assert batches_cut([], {}, [], order, 100) == [[]]


def test_alation_reads_the_next_datastore_while_the_last_batch_of_this_one_is_worked_on(
    alation_sandbox, demo, settings, monkeypatch
):
    import threading

    from integrations.alation.client import AlationClient

    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 1
    listings: list[tuple[str, str]] = []  # (what, thread)
    tables, columns = AlationClient.tables, AlationClient.columns

    def listing_tables(self, **options):
        listings.append(("tables", threading.current_thread().name))
        return tables(self, **options)

    def listing_columns(self, **options):
        listings.append(("columns", threading.current_thread().name))
        return columns(self, **options)

    monkeypatch.setattr(AlationClient, "tables", listing_tables)
    monkeypatch.setattr(AlationClient, "columns", listing_columns)
    integration = alation.integration_make(alation_sandbox)
    run = alation.sync(integration)
    assert run.status in ("succeeded", "warnings"), alation.log_text(run)
    ahead = [what for what, thread in listings if thread.startswith("catalog-ahead")]
    matched = run.log_lines.filter(message__contains="↔").count()
    # Each matched datastore after the first: its tables and first batch's columns, read ahead
    # once, and not read again when its turn comes.
    assert ahead.count("tables") == ahead.count("columns") == matched - 1 >= 1, listings
    assert len([w for w, _ in listings if w == "tables"]) == matched, listings
    # What the sync did is what it does in one batch without reading ahead.
    monkeypatch.undo()
    settings.PLUMBLINE_SYNC_TABLES_PER_BATCH = 100
    monkeypatch.setattr("integrations.alation.sync.AlationSync.datastore_upcoming", lambda self, ds: None)
    again = alation.sync(integration)
    assert again.requests_write == 0, alation.log_text(again)
    assert sorted(changes_of(again)) == [], changes_of(again)[:5]
