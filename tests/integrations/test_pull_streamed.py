"""The streamed pull: staged in the database, decided in SQL, applied in chunks (issue 17)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import Container, ContainerTag, Datastore, Field, FieldTag, Tag
from integrations.models import Integration, SyncChange, SyncLogLine, SyncOwnTag, SyncRun, SyncWantedTag
from integrations.sync import tags_apply
from integrations.sync.assets import LEVEL_MODELS, datastore_keys
from integrations.sync.context import RunContext, RunStopped
from integrations.sync.mapping import datastore_assets_load
from integrations.sync.tags import Assignment, CatalogTag, PullInput, pull_plan
from integrations.sync.tags_apply import (
    PullCollector,
    pull_apply_decided,
    pull_decide,
    pull_finish,
    tags_load,
)

CATALOG = [
    CatalogTag("PII", "#DC2626", "Personal data"),
    CatalogTag("Gold", "#CA8A04"),
    CatalogTag("New", "#16A34A"),
]


class World:
    """One datastore of `tables` tables × 5 columns read in full, one never read, and tags: this
    integration's "PII" (kept where still wanted), "Old" (lost in the catalog) and two orphans, a
    global "Gold" that Overwrite Tags converts, and "New" to create (inherited on some columns)."""

    def __init__(self, tables: int):
        self.integration = Integration(name="Atlan", url="https://acme.atlan.com", overwrite_tags=True)
        self.integration.token = "t"
        self.integration.save()
        self.ds = Datastore.objects.create(name="Sales", connector_type="snowflake")
        elsewhere = Datastore.objects.create(name="Ops", connector_type="snowflake")
        Container.objects.bulk_create([Container(datastore=self.ds, name=f"T{i:03}") for i in range(tables)])
        tables_ = list(Container.objects.filter(datastore=self.ds).order_by("name"))
        Field.objects.bulk_create([Field(container=t, name=f"C{j}") for t in tables_ for j in range(5)])
        far = Field.objects.create(
            container=Container.objects.create(datastore=elsewhere, name="X"), name="Y"
        )
        pii = Tag.objects.create(
            name="PII", tag_type="external", integration=self.integration, color="#DC2626"
        )
        pii.description = "Personal data"
        pii.save()
        old = Tag.objects.create(name="Old", tag_type="external", integration=self.integration)
        gold = Tag.objects.create(name="gold")  # global
        self.fields = list(
            Field.objects.filter(container__datastore=self.ds).order_by("container__name", "name")
        )
        FieldTag.objects.bulk_create([FieldTag(field=f, tag=pii) for f in self.fields[::2]])
        FieldTag.objects.bulk_create([FieldTag(field=f, tag=old) for f in self.fields[::10]])
        FieldTag.objects.create(field=self.fields[1], tag=gold)
        FieldTag.objects.create(field=far, tag=old)  # a datastore not read: stays
        ContainerTag.objects.create(container=tables_[0], tag=old)
        FieldTag.objects.create(field=self.fields[-1], tag=old)
        # Orphans once the pull is done: one whose only assignment goes, one used nowhere already.
        stale = Tag.objects.create(name="Stale", tag_type="external", integration=self.integration)
        FieldTag.objects.create(field=self.fields[5], tag=stale)
        Tag.objects.create(name="Unused", tag_type="external", integration=self.integration)
        # The last table lies outside the integration's scope: its tags stay.
        self.kept = {("container", tables_[-1].pk)} | {
            ("field", f.pk) for f in self.fields if f.container_id == tables_[-1].pk
        }
        self.before = {
            f.pk: {t.casefold() for t in f.tags.values_list("name", flat=True)} for f in self.fields
        }
        self.tags: dict[tuple[str, int], list[str]] = {("container", tables_[0].pk): ["Gold"]}
        self.sources: dict[tuple[str, int], dict[str, str]] = {}
        for i, f in enumerate(self.fields):
            key = ("field", f.pk)
            if key in self.kept:
                continue
            names = ["PII"] if i % 2 == 0 else []
            if i % 3 == 0:
                names.append("New")
                self.sources[key] = {"New": f"default/snowflake/SALES/{f.container.name}"}
            if i % 7 == 0:
                names.append("GOLD")
            self.tags[key] = names

    def pull(self, *, batches: int = 1, preview: bool = False, fail_after: int | None = None) -> SyncRun:
        run = SyncRun.objects.create(
            integration=self.integration, pull=True, preview=preview, status="running"
        )
        ctx = RunContext(run)
        collector = PullCollector(catalog="Atlan", run_id=run.pk)
        keys = sorted(self.tags) + sorted(self.kept)
        size = -(-len(keys) // batches)
        for n, start in enumerate(range(0, len(keys), size)):
            part = keys[start : start + size]
            collector.datastore_add(
                self.ds.pk,
                scope=part,
                labels={},
                tags={k: self.tags[k] for k in part if k in self.tags},
                sources={k: self.sources[k] for k in part if k in self.sources},
                kept=[k for k in part if k in self.kept],
            )
            if fail_after is not None and n + 1 == fail_after:
                collector.datastore_failed(self.ds.pk)
                break
        try:
            pull_finish(ctx, collector, CATALOG, integration=self.integration)
        finally:
            ctx.changes_flush()
            ctx.progress_save()
            SyncRun.objects.filter(pk=run.pk).update(status="succeeded")
        return run


def state() -> tuple[list, list]:
    tags = sorted(Tag.objects.values_list("name", "tag_type", "integration_id", "color", "description"))
    assigned = sorted(
        [("field", *row) for row in FieldTag.objects.values_list("field_id", "tag__name", "inherited_from")]
        + [
            ("container", *row)
            for row in ContainerTag.objects.values_list("container_id", "tag__name", "inherited_from")
        ]
    )
    return tags, assigned


def record(run: SyncRun) -> tuple[list, list, dict]:
    changes = list(
        SyncChange.objects.filter(run=run)
        .order_by("id")
        .values_list("datastore", "asset", "kind", "attribute", "before", "after", "applied")
    )
    lines = list(SyncLogLine.objects.filter(run=run).order_by("id").values_list("level", "message"))
    run.refresh_from_db()
    return changes, lines, run.counts


def pull_in(world: World, **options) -> tuple:
    """A pull's whole effect, then rolled back so another can start from the same state."""
    with transaction.atomic():
        run = world.pull(**options)
        out = (state(), record(run))
        transaction.set_rollback(True)
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(tags_apply, "_CHUNK", 7)


@pytest.mark.parametrize("preview", [False, True])
def test_a_pull_streamed_in_batches_and_chunks_makes_the_same_changes_as_one_batch(db, monkeypatch, preview):
    world = World(tables=12)
    whole = pull_in(world, preview=preview)
    monkeypatch.setattr(tags_apply, "_CHUNK", 7)  # many chunks of staged rows and of removals
    assert pull_in(world, batches=5, preview=preview) == whole
    (tags, assigned), (changes, lines, counts) = whole
    kinds = {c[2] for c in changes}
    assert {"tag_created", "tag_converted", "tag_added", "tag_removed"} <= kinds
    assert ("Sales", "Sales / T000 / C0", "tag_removed", "tag", "Old", "", not preview) in changes
    assert ("Sales", "Sales / T000", "tag_removed", "tag", "Old", "", not preview) in changes
    inherited = [c for c in changes if c[2] == "tag_added" and "inherited from" in c[5]]
    assert inherited and inherited[0][5] == "New (inherited from default/snowflake/SALES/T000)"
    assert any(m.startswith("Tags: ") for _, m in lines)
    if not preview:
        assert counts["Sales"]["tags_pulled"] == sum(1 for c in changes if c[2] == "tag_added")
        assert ("gold", "external", world.integration.pk, "#CA8A04", "") in tags  # converted, same name


def test_the_pull_changes_what_the_catalog_says_and_nothing_else(db, small_chunks):
    world = World(tables=4)
    world.pull(batches=3)
    far = Field.objects.get(name="Y")
    assert far.tags.filter(name="Old").exists()  # a datastore not read
    for i, f in enumerate(world.fields):
        names = {n.casefold() for n in f.tags.values_list("name", flat=True)}
        if ("field", f.pk) in world.kept:
            assert names == world.before[f.pk], f  # out of scope: left as it was
            continue
        # A converted tag keeps the assets it had (gold, global on the second column).
        wanted = {n.casefold() for n in world.tags[("field", f.pk)]} | ({"gold"} if i == 1 else set())
        assert names == wanted, f
    assert FieldTag.objects.get(field=world.fields[3], tag__name="New").inherited_from.endswith("/T000")


def test_a_datastore_that_fails_after_some_batches_removes_nothing_but_adds_what_was_staged(db):
    world = World(tables=4)
    before = set(FieldTag.objects.filter(tag__name="Old").values_list("field_id", flat=True))
    run = world.pull(batches=4, fail_after=1)
    assert set(FieldTag.objects.filter(tag__name="Old").values_list("field_id", flat=True)) == before
    assert not SyncChange.objects.filter(run=run, kind="tag_removed").exists()
    assert SyncChange.objects.filter(run=run, kind="tag_added").exists()


def removal_world() -> World:
    """The catalog lost every tag: 20 of this integration's assignments would go."""
    world = World(tables=4)
    world.tags = {key: [] for key in world.tags}
    world.sources = {}
    return world


def test_the_mass_removal_stop_trips_in_sql_and_writes_nothing(db, small_chunks):
    world = removal_world()
    before = state()
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(RunStopped, match="stopped before changing any tag"),
    ):
        world.pull(batches=3)
    assert state() == before
    run = SyncRun.objects.get()
    assert not SyncChange.objects.filter(run=run).exists()
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert not [sql for sql in writes if "catalog_" in sql.split("(")[0] or "syncchange" in sql]
    assert not SyncWantedTag.objects.exists() and not SyncOwnTag.objects.exists()


def test_deciding_writes_nothing_and_applying_the_decision_later_does_the_pull(db):
    """The runner decides before the push and applies after it."""
    world = World(tables=3)
    run = SyncRun.objects.create(integration=world.integration, pull=True, status="running")
    ctx = RunContext(run)
    collector = PullCollector(catalog="Atlan", run_id=run.pk)
    collector.datastore_add(world.ds.pk, tags=world.tags, sources=world.sources, kept=world.kept)
    before = state()
    decision = pull_decide(ctx, collector, CATALOG, integration=world.integration)
    ctx.changes_flush()
    assert state() == before and not SyncChange.objects.exists()
    assert decision.removals > 0 and decision.current_assignments > decision.removals
    outcome = pull_apply_decided(ctx, decision)
    ctx.changes_flush()
    assert outcome.removed == decision.removals and outcome.added > 0
    assert SyncChange.objects.filter(kind="tag_removed").count() == decision.removals


def test_the_staging_rows_are_gone_after_the_pull_and_with_the_run(db):
    world = World(tables=2)
    run = world.pull(batches=2)
    assert not SyncWantedTag.objects.filter(run=run).exists() and not SyncOwnTag.objects.exists()
    # A run that died mid-pull: its rows go with the run, or when the integration pulls again.
    dead = SyncRun.objects.create(integration=world.integration, pull=True, status="running")
    PullCollector(catalog="Atlan", run_id=dead.pk).datastore_add(world.ds.pk, tags=world.tags)
    assert SyncWantedTag.objects.filter(run=dead).exists()
    SyncRun.objects.filter(pk=dead.pk).update(status="failed")
    world.pull()
    assert not SyncWantedTag.objects.exists()
    dead2 = SyncRun.objects.create(integration=world.integration, pull=True, status="running")
    PullCollector(catalog="Atlan", run_id=dead2.pk).datastore_add(world.ds.pk, tags=world.tags)
    dead2.delete()
    assert not SyncWantedTag.objects.exists()


def queries_of_a_pull(tables: int) -> int:
    with transaction.atomic():
        world = World(tables=tables)
        with CaptureQueriesContext(connection) as queries:
            world.pull()
        transaction.set_rollback(True)
    return len(queries)


def test_the_queries_of_a_pull_do_not_grow_with_the_assets(db):
    small, large = queries_of_a_pull(10), queries_of_a_pull(100)  # 50 and 500 columns, one chunk
    assert large == small, (small, large)


def test_the_streamed_pull_audits_what_the_in_memory_plan_plans(db, small_chunks):
    """The reference: `pull_plan` over the same records held in memory, labelled the way the
    runner labelled assets before issue 17 (datastore_assets_load)."""
    world = World(tables=6)
    ds = world.ds
    assignments = [
        Assignment((level, obj), tag, ds_id, source)
        for level, model in LEVEL_MODELS.items()
        for obj, tag, ds_id, source in model.tags.through.objects.values_list(
            f"{level}_id",
            "tag_id",
            {"datastore": "datastore_id", "container": "container__datastore_id"}.get(
                level, "field__container__datastore_id"
            ),
            "inherited_from",
        )
    ]
    names = {n for names in world.tags.values() for n in names}
    plan = pull_plan(
        PullInput(
            integration_id=world.integration.pk,
            overwrite_tags=True,
            wanted={key: set(names) for key, names in world.tags.items() if names},
            scope_datastores={ds.pk},
            catalog_tags={t.name.casefold(): t for t in CATALOG},
            existing_tags=tags_load(world.integration.pk, names),
            assignments=assignments,
            asset_datastore=dict.fromkeys(datastore_keys(ds.pk), ds.pk),
            sources={
                key: {n.casefold(): s for n, s in by_name.items()} for key, by_name in world.sources.items()
            },
            kept=world.kept,
        )
    )
    labels = datastore_assets_load(ds.pk, ds.name).labels
    expected = (
        [("", f"tag {t.name}", "tag_created", "") for t in plan.create]
        + [("", f"tag {old.name}", "tag_converted", "global") for old, _ in plan.convert]
        + [("Sales", labels[key], "tag_added", "") for key, name in plan.add]
        + [("Sales", labels[key], "tag_removed", gone.name) for key, gone in plan.remove]
        + [("", f"tag {t.name}", "tag_deleted", t.name) for t in plan.delete]
    )
    added = [
        (f"{name} (inherited from {plan.source_of(key, name)})" if plan.source_of(key, name) else name)
        for key, name in plan.add
    ]
    run = world.pull(batches=4)
    changes = list(
        SyncChange.objects.filter(run=run)
        .order_by("id")
        .values_list("datastore", "asset", "kind", "before", "after")
    )
    assert [c[:4] for c in changes] == expected
    assert [c[4] for c in changes if c[2] == "tag_added"] == added
    assert plan.remove and plan.add and plan.create and plan.convert and len(plan.delete) == 2


def test_the_staging_rows_go_a_slice_at_a_time_and_only_the_runs_own(db, monkeypatch):
    # One DELETE of a million-asset run's rows made SQLite gather them all in memory first.
    monkeypatch.setattr(tags_apply, "_DELETE_SLICE", 4)
    world = World(tables=2)
    own = SyncRun.objects.create(integration=world.integration, pull=True, status="running")
    other = SyncRun.objects.create(integration=world.integration, pull=True, status="failed")
    for run in (own, other):
        PullCollector(catalog="Atlan", run_id=run.pk).datastore_add(world.ds.pk, tags=world.tags)
    staged = SyncWantedTag.objects.filter(run=own).count()
    assert staged > 4

    with CaptureQueriesContext(connection) as queries:
        tags_apply.pull_staging_delete(own.pk)

    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "integrations_syncwantedtag"')]
    assert len(deletes) == staged // 4 + 1
    assert not SyncWantedTag.objects.filter(run=own).exists()
    assert SyncWantedTag.objects.filter(run=other).count() == staged
