"""The order of a sync for any catalog: datastore by datastore, then the pull planned once.

A connector subclasses `CatalogSync` and fills in the catalog's steps (prepare, locate a
datastore, read its assets, name an asset's tags, push); the engine does the rest: progress
and safe points, matching and the unmapped report, links, tag collection and the pull.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.db.models import Count

from catalog.models import Container, Datastore, Field
from integrations.http import CatalogAuthenticationError, CatalogError, RequestCounts
from integrations.models import SyncIssue
from integrations.paging import read_ahead, turns_taken_finely
from integrations.sync.assets import (
    SYNCED_CONTAINER_TYPES,
    AssetKey,
    CatalogAsset,
    datastore_other_keys,
)
from integrations.sync.context import RunContext
from integrations.sync.links import (
    Links,
    links_forget,
    links_load,
    links_load_keys,
    links_load_tables,
    links_save,
)
from integrations.sync.mapping import (
    DatastoreAssets,
    DatastoreMapping,
    assets_fields_load,
    columns_map,
    datastore_assets_drop,
    datastore_tables_load,
    tables_map,
)
from integrations.sync.pins import Pin, pins_load
from integrations.sync.staging import (
    PreparedPush,
    asset_labels,
    assignments_count,
    push_stage,
    staged_batches,
    staged_clear,
)
from integrations.sync.tags import MIN_REMOVALS_TO_STOP, CatalogTag
from integrations.sync.tags_apply import PullCollector, pull_finish
from integrations.sync.values import AssetPush, values_for_matched

# out_of_scope: the integration's own options leave the datastore out (e.g. a Domains filter);
# excluded: an admin left it out of this integration (Mappings page).
LocationKind = Literal["matched", "unmatched", "ambiguous", "not_visible", "out_of_scope", "excluded"]
LEFT_OUT: tuple[LocationKind, ...] = ("out_of_scope", "excluded")


@dataclass(frozen=True)
class Location:
    """Where a datastore lives in the catalog (its schema), or why it was not found."""

    kind: LocationKind
    ref: str = ""  # the catalog's identifier of the schema, when matched
    reason: str = ""
    label: str = ""  # how the log names the datastore's side, e.g. "SALES.PUBLIC"


@dataclass
class CatalogRead:
    """One datastore's catalog side, as read: its schema asset, tables and columns by table."""

    container_asset: CatalogAsset | None
    tables: Sequence[CatalogAsset]
    columns_by_table: Mapping[str, Sequence[CatalogAsset]]
    # Tables the catalog has outside the integration's scope: Plumbline's tables of the same
    # name are left out of this sync rather than reported unmatched.
    out_of_scope: Sequence[CatalogAsset] = ()
    # The schema itself is outside the scope (only some of its tables are in): the datastore's
    # own tags and values are left as they are.
    container_out_of_scope: bool = False


def datastore_sizes(datastore_ids: Sequence[int]) -> dict[int, int]:
    """Plumbline assets a sync works on per datastore: itself, its tables and views, their columns."""
    sizes = dict.fromkeys(datastore_ids, 1)
    synced = Container.objects.filter(
        datastore_id__in=datastore_ids, container_type__in=SYNCED_CONTAINER_TYPES
    )
    for ds_id, n in synced.values("datastore_id").annotate(n=Count("id")).values_list("datastore_id", "n"):
        sizes[ds_id] += n
    fields = (
        Field.objects.filter(container__in=synced).values("container__datastore_id").annotate(n=Count("id"))
    )
    for ds_id, n in fields.values_list("container__datastore_id", "n"):
        sizes[ds_id] += n
    return sizes


def tables_sizes(container_ids: Sequence[int]) -> dict[int, int]:
    """Assets an event push works on per table: the table and its columns."""
    sizes = dict.fromkeys(container_ids, 1)
    rows = Field.objects.filter(container_id__in=container_ids).values("container_id").annotate(n=Count("id"))
    for cid, n in rows.values_list("container_id", "n"):
        sizes[cid] += n
    return sizes


def batches_cut(
    container_ids: Iterable[int],
    matched: Mapping[int, CatalogAsset],
    catalog_tables: Sequence[CatalogAsset],
    order: Callable[[CatalogAsset], Any],
    per_batch: int,
) -> list[list[int]]:
    """A datastore's tables in batches that follow the catalog's order, each spanning `per_batch`
    of the catalog's tables: a catalog that lists a batch's columns by a range of its table ids
    then reads that many tables' columns, those only in the catalog included. Tables without a
    match come last, `per_batch` at a time."""
    by_table = {id(table): cid for cid, table in matched.items()}
    batches: list[list[int]] = []
    batch: list[int] = []
    spanned = 0
    for table in sorted(catalog_tables, key=order):
        cid = by_table.pop(id(table), None)
        if cid is not None:
            batch.append(cid)
        spanned += 1
        if spanned == per_batch:
            batches.append(batch)
            batch, spanned = [], 0
    # The last span's tables, any matched to a table the catalog did not list with the rest
    # (none expected), then the unmatched.
    rest = batch + sorted(by_table.values(), key=lambda cid: order(matched[cid]))
    rest += sorted(cid for cid in container_ids if cid not in matched)
    batches += [rest[start : start + per_batch] for start in range(0, len(rest), per_batch)]
    return [b for b in batches if b] or [[]]


class CatalogSync(ABC):
    catalog: ClassVar[str]
    # A batch spans this many of the catalog's tables, those only in the catalog included (for
    # catalogs that list a batch's columns by a range of table ids), not of the matched ones.
    batches_span_catalog: ClassVar[bool] = False

    def __init__(self, ctx: RunContext, *, pull: bool | None = None, push: bool | None = None):
        self.ctx = ctx
        self.integration = ctx.integration
        self.pull = ctx.run.pull if pull is None else pull
        self.push = ctx.run.push if push is None else push
        self.links: Links = {}
        self.collector = PullCollector(catalog=self.catalog, run_id=ctx.run.pk)
        # An admin's overrides by datastore: connectors locate a pinned datastore by its pin.
        self.pins: dict[int, Pin] = pins_load(self.integration.pk)
        # Pull + push runs whose mass-removal stop could trip push only once the pull is checked.
        self.defer_push = False
        self.batches = 0
        # The datastore a full sync goes on to after this one (see `datastore_upcoming`).
        self.upcoming: Datastore | None = None

    # The catalog's steps ------------------------------------------------------------------------
    @abstractmethod
    def start(self) -> None:
        """Check who we are and prepare what the pull and the push need; may turn the push off."""

    @abstractmethod
    def datastore_locate(self, ds: Datastore, only: set[int] | None) -> Location: ...

    @abstractmethod
    def datastore_read(
        self, ds: Datastore, location: Location, assets: DatastoreAssets, only: set[int] | None
    ) -> CatalogRead: ...

    @abstractmethod
    def asset_tags(self, asset: CatalogAsset) -> Iterable[str]:
        """The names of the catalog tags on an asset (directly applied or propagated)."""

    def asset_tag_sources(self, asset: CatalogAsset) -> Mapping[str, str]:
        """Inherited tags of an asset: tag name → the catalog asset it was propagated from.

        Catalogs that do not propagate tags leave this empty: every tag is the asset's own."""
        return {}

    @abstractmethod
    def catalog_tags(self) -> Iterable[CatalogTag]: ...

    @abstractmethod
    def datastore_push(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> None: ...

    def push_prepare(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> PreparedPush | None:
        """Plan a batch's push without sending it, for runs that hold pushes back until the pull
        is checked; None (the default): hold the matched assets and push from them later."""
        return None

    def push_send(self, ds: Datastore, prepared: PreparedPush) -> None:
        """Send what `push_prepare` planned (connectors that prepare pushes send them here)."""
        raise NotImplementedError

    @abstractmethod
    def requests(self) -> RequestCounts: ...

    def datastore_tables_matched(self, ds: Datastore, container_ids: Collection[int]) -> None:
        """The datastore's tables that matched, before its batches are read (a catalog may write
        what concerns them all at once, e.g. one definition per check)."""
        return None

    def datastore_upcoming(self, ds: Datastore) -> None:
        """The datastore a full sync goes on to, told while the last batch of this one is worked
        on: a catalog may start reading it meanwhile (catalog reads only, on a thread of its own,
        joined before it is located)."""
        return None

    def reads_drop(self) -> None:
        """Let go of reads started ahead that the run will not use (it ended early)."""
        return None

    def writes_settle(self) -> None:
        """Follow the writes the catalog is still working on to their end and record them.

        Connectors whose writes run as catalog jobs may leave a batch's jobs running while the
        next batches (and datastores) are worked on; the engine settles them when the pushes
        are done and when a run ends, however it ends."""
        return None

    def finish(self) -> None:
        """After every datastore of a full sync, before the pull is applied (e.g. a catalog-wide
        clean-up of what Plumbline no longer has)."""
        return None

    # The engine -------------------------------------------------------------------------------------
    def run(self) -> None:
        """A full sync of every datastore."""
        with turns_taken_finely():
            self.run_all()

    def run_all(self) -> None:
        self.start()
        self.defer_push = (
            self.pull
            and self.push
            and not self.ctx.preview
            and assignments_count(self.integration.pk) >= MIN_REMOVALS_TO_STOP
        )
        try:
            self.datastores_sync()
            self.writes_settle()
            if self.defer_push:
                # Nothing has been written to the catalog yet: a tripped stop leaves it as it was.
                if self.pull:
                    pull_finish(self.ctx, self.collector, self.catalog_tags(), integration=self.integration)
                self.pushes_release()
                self.finish()
            else:
                self.finish()
                if self.pull:
                    pull_finish(self.ctx, self.collector, self.catalog_tags(), integration=self.integration)
        finally:
            try:
                self.writes_settle()  # a stopped run still records what the catalog was sent
            finally:
                self.reads_drop()
                staged_clear(self.ctx.run.pk)
        self.requests_summary()

    def datastores_sync(self) -> None:
        datastores = list(Datastore.objects.order_by("name"))
        jdbc = [d for d in datastores if d.store_type == Datastore.StoreType.JDBC]
        for ds in datastores:
            if ds.store_type != Datastore.StoreType.JDBC:
                self.ctx.log(
                    f"{ds.name}: skipped (file datastores are not synced with catalogs).", datastore=ds.name
                )
        sizes = datastore_sizes([ds.id for ds in jdbc])
        total, done = sum(sizes.values()), 0
        for n, ds in enumerate(jdbc):
            self.ctx.progress(done, total)
            self.requests_report()
            self.ctx.checkpoint()
            self.upcoming = jdbc[n + 1] if n + 1 < len(jdbc) else None
            self.datastore_guarded(ds)
            done += sizes.get(ds.id, 0)
        self.ctx.progress(done, total)
        self.ctx.checkpoint()

    def pushes_release(self) -> None:
        """Push what was held back, batch by batch as it was read (each table with its columns)."""
        failed: set[int] = set()
        for n, (ds, staged) in enumerate(staged_batches(self.ctx.run.pk)):
            if not n:
                self.ctx.log("The pull passed its safety check: pushing the values held back until now.")
            if ds.pk in failed:
                continue
            self.ctx.checkpoint()
            keys = staged.keys if isinstance(staged, PreparedPush) else list(staged)
            self.links = links_load_keys(self.integration.pk, keys)
            try:
                if isinstance(staged, PreparedPush):
                    self.push_send(ds, staged)
                else:
                    matched: dict[AssetKey, CatalogAsset] = staged
                    wanted = values_for_matched(ds.name, keys, asset_labels(ds, keys))
                    self.datastore_push(ds, matched, wanted)
            except CatalogAuthenticationError:
                raise
            except CatalogError as exc:
                failed.add(ds.pk)
                self.ctx.error(
                    f"{self.catalog} failed for this datastore, skipped it: {exc}", datastore=ds.name
                )
                self.ctx.catalog_failed(exc, catalog=self.catalog)
            finally:
                self.links = {}
        self.writes_settle()

    def batch_push(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], labels: Mapping[AssetKey, str]
    ) -> None:
        """Push a batch now, or, while pushes are held back, hold it (only if it would write)."""
        wanted = values_for_matched(ds.name, list(matched), labels)
        if not self.defer_push:
            self.datastore_push(ds, matched, wanted)
            return
        prepared = self.push_prepare(ds, matched, wanted)
        if prepared is None:
            push_stage(self.ctx.run.pk, ds.id, self.batches, dict(matched))
        elif prepared.writes:
            push_stage(self.ctx.run.pk, ds.id, self.batches, prepared)
        else:
            self.push_send(ds, prepared)  # nothing for the catalog: it only logs and remembers

    def containers_push(self, container_ids: Sequence[int]) -> None:
        """An event push: only the given tables, datastore by datastore."""
        with turns_taken_finely():
            try:
                self.containers_push_all(container_ids)
            finally:
                self.writes_settle()

    def containers_push_all(self, container_ids: Sequence[int]) -> None:
        self.pull = False
        self.start()
        by_ds: dict[int, set[int]] = defaultdict(set)
        rows = Container.objects.filter(id__in=container_ids, container_type__in=SYNCED_CONTAINER_TYPES)
        for cid, ds_id in rows.values_list("id", "datastore_id"):
            by_ds[ds_id].add(cid)
        datastores = Datastore.objects.filter(id__in=list(by_ds), store_type=Datastore.StoreType.JDBC)
        sizes = tables_sizes([cid for ids in by_ds.values() for cid in ids])
        total, done = sum(sizes.values()), 0
        for ds in datastores.order_by("name"):
            self.ctx.progress(done, total)
            self.ctx.checkpoint()
            self.datastore_guarded(ds, only=by_ds[ds.id])
            done += sum(sizes.get(cid, 0) for cid in by_ds[ds.id])
        self.ctx.progress(done, total)

    def datastore_guarded(self, ds: Datastore, only: set[int] | None = None) -> None:
        """One datastore; a catalog failure there is logged and the run goes on with the next."""
        # Links are held one datastore at a time: memory stays flat as the catalog grows.
        self.links = links_load(integration_id=self.integration.pk, datastore_id=ds.id, only=only)
        try:
            self.datastore_sync(ds, only)
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            self.collector.datastore_failed(ds.id)
            self.ctx.error(f"{self.catalog} failed for this datastore, skipped it: {exc}", datastore=ds.name)
            self.ctx.catalog_failed(exc, catalog=self.catalog)
        finally:
            self.links = {}

    def location_find(self, ds: Datastore, only: set[int] | None) -> Location:
        """Where the datastore is, unless an admin excluded it: then it is not even looked for."""
        pin = self.pins.get(ds.id)
        if pin is not None and pin.excluded:
            reason = "An admin excluded it from this integration (Mappings page): not read, not written."
            return Location("excluded", reason=reason, label=ds.name)
        return self.datastore_locate(ds, only)

    def datastore_sync(self, ds: Datastore, only: set[int] | None) -> None:
        """Locate the datastore, match its tables, then read, match, pull and push it a batch of
        tables at a time: memory follows the batch, not the datastore."""
        location = self.location_find(ds, only)
        if location.kind != "matched":
            self.datastore_unlocated(ds, location, only)
            return
        assets = datastore_tables_load(ds.id, ds.name, only=only)
        read = self.datastore_read(ds, location, assets, only)
        kept = self.out_of_scope_record(ds, assets, read)
        whole = only is None
        mapping = tables_map(
            assets,
            container_ref=location.ref,
            container_asset=read.container_asset,
            tables=read.tables,
            catalog=self.catalog,
            whole=whole,
        )
        self.ctx.issues_bulk(mapping.issues)
        mapping.issues = []
        self.datastore_tables_matched(ds, mapping.tables.keys())
        # Keys outside any batch (the datastore itself, containers a sync does not match) belong to
        # the first batch, so their links are kept in step too.
        extra = {("datastore", ds.id)} | (datastore_other_keys(ds.id) if whole else set())
        per_batch = max(1, settings.PLUMBLINE_SYNC_TABLES_PER_BATCH)
        spans = read.tables if self.batches_span_catalog else list(mapping.tables.values())
        batches = batches_cut(assets.containers, mapping.tables, spans, self.table_order, per_batch)
        tables = [{cid: mapping.tables[cid] for cid in b if cid in mapping.tables} for b in batches]
        # The next batch's columns are read on a background thread while this one is worked on.
        columns_read = (self.batch_columns_read(ds, location, read, list(t.values())) for t in tables)
        with closing(read_ahead(columns_read, self.notices_relay, name="catalog-batches")) as reads:
            # Not zip(): its reused result tuple would keep the batch before last alive, a third
            # batch of columns in memory beside this one and the next being read.
            for n, batch in enumerate(batches):
                if n:
                    self.ctx.checkpoint()  # a safe point between batches: what is done stays done
                columns = next(reads)
                if n == len(batches) - 1 and whole and self.upcoming is not None:
                    self.datastore_upcoming(self.upcoming)  # nothing is read beside the last batch
                self.batch_columns_seen(columns)
                self.tables_sync(ds, assets, mapping, batch, tables[n], columns, extra, kept, whole=whole)
                del columns  # let go before the next batch is asked for
                extra, kept = set(), set()
        self.mapping_record(ds, location, assets, mapping, whole=whole)

    def tables_sync(
        self,
        ds: Datastore,
        assets: DatastoreAssets,
        mapping: DatastoreMapping,
        batch: Sequence[int],
        tables: Mapping[int, CatalogAsset],
        columns: Mapping[str, Sequence[CatalogAsset]],
        extra: set[AssetKey],
        kept: set[AssetKey],
        *,
        whole: bool,
    ) -> None:
        """One batch of a datastore's tables, their columns read: matched, links, pull, push."""
        assets_fields_load(assets, batch)
        matched = DatastoreMapping()
        columns_map(matched, assets, tables, columns, catalog=self.catalog, whole=whole)
        self.ctx.issues_bulk(matched.issues)
        mapping.columns_add(matched)
        scope = set(extra)
        for cid in batch:
            scope.add(("container", cid))
            scope.update(("field", fid) for fid in assets.fields_by_container.get(cid, {}))
        for key in scope:
            if key in mapping.matched:
                matched.matched[key] = mapping.matched[key]
        matched.case_differs |= mapping.case_differs & scope
        self.links = links_load_tables(self.integration.pk, batch, extra)
        links_save(
            self.links,
            integration_id=self.integration.pk,
            run_id=self.ctx.run.pk,
            matched=matched.matched,
            scope=scope,
            labels=assets.labels,
            default_path=ds.name,
            delete=whole,
            case_differs=matched.case_differs,
        )
        if self.pull and whole:
            tags = {key: self.asset_tags(asset) for key, asset in matched.matched.items()}
            sources = {key: self.asset_tag_sources(asset) for key, asset in matched.matched.items()}
            self.collector.datastore_add(
                ds.id, scope=scope, labels=assets.labels, tags=tags, sources=sources, kept=kept
            )
        self.batches += 1
        # Progress moves batch by batch (saved at the next safe point), not only per datastore.
        run = self.ctx.run
        worked = len(batch) + sum(len(f) for f in assets.fields_by_container.values())
        self.ctx.progress(min(run.progress_done + worked, run.progress_total), run.progress_total)
        if self.push:
            self.batch_push(ds, matched.matched, assets.labels)

    def table_order(self, table: CatalogAsset) -> Any:
        """Where a catalog table comes in the catalog's own order (batches follow it)."""
        return table.qualified_name

    def batch_columns_read(
        self, ds: Datastore, location: Location, read: CatalogRead, tables: Sequence[CatalogAsset]
    ) -> Mapping[str, Sequence[CatalogAsset]]:
        """The columns of these matched tables, by table qualified name. Catalogs that read a
        datastore's columns with its tables leave this as is; others read them a batch at a time.

        It runs on a background thread while the previous batch is worked on: the catalog only,
        never the database, the run's log or its safe points."""
        return {t.qualified_name: read.columns_by_table.get(t.qualified_name, ()) for t in tables}

    def batch_columns_seen(self, columns: Mapping[str, Sequence[CatalogAsset]]) -> None:
        """A batch's columns, on the run's thread before they are matched (e.g. to name tag sources)."""
        return None

    def notices_relay(self) -> None:
        """Log the retry notices the catalog client held back on the background threads."""
        return None

    def out_of_scope_record(self, ds: Datastore, assets: DatastoreAssets, read: CatalogRead) -> set[AssetKey]:
        """Report what the scope leaves out of a located datastore and drop it from matching; the
        keys returned keep their tags (out of scope is never "removed")."""
        left = datastore_assets_drop(assets, {t.name for t in read.out_of_scope}, catalog=self.catalog)
        if left.issues:
            self.ctx.log(
                f"{ds.name}: {len(left.issues)} table(s) lie outside this integration's scope; not synced.",
                datastore=ds.name,
            )
        if read.container_out_of_scope:
            left.keys.add(("datastore", ds.id))
            reason = (
                f"Its {self.catalog} schema lies outside this integration's scope; only its tables inside "
                "it are synced."
            )
            left.issues.append(_datastore_issue(ds, "out_of_scope", reason))
        self.ctx.issues_bulk(left.issues)
        return left.keys

    def datastore_unlocated(self, ds: Datastore, location: Location, only: set[int] | None) -> None:
        text = f"{ds.name} ({location.label}): {location.kind.replace('_', ' ')}. {location.reason}"
        self.ctx.issues_bulk([_datastore_issue(ds, location.kind, location.reason)])
        if location.kind in LEFT_OUT:
            self.ctx.log(text, datastore=ds.name)  # left out on purpose: not a warning
        else:
            self.ctx.warning(text, datastore=ds.name)
        if location.kind != "not_visible" and only is None:
            # It is not there (or not one): forget old links. Not visible may be a passing
            # permission problem, and the links remember which announcements are ours.
            links_forget(integration_id=self.integration.pk, datastore_id=ds.id)
            self.links = {}

    def mapping_record(
        self,
        ds: Datastore,
        location: Location,
        assets: DatastoreAssets,
        mapping: DatastoreMapping,
        *,
        whole: bool,
    ) -> None:
        self.ctx.issues_bulk(mapping.issues)
        self.ctx.count(ds.name, "tables", mapping.tables_matched)
        self.ctx.count(ds.name, "fields", mapping.columns_matched)
        summary = mapping.summary(
            left=location.label, right=location.ref, catalog=self.catalog, others=assets.others, whole=whole
        )
        self.ctx.log(summary, datastore=ds.name)
        ambiguous = mapping.tables_ambiguous + mapping.columns_ambiguous
        if ambiguous:
            self.ctx.warning(
                f"{ds.name}: {ambiguous} asset(s) skipped because more than one {self.catalog} asset matches "
                "each; the run's Mapped and unmatched assets page names them.",
                datastore=ds.name,
                count=ambiguous,
            )

    def requests_report(self) -> None:
        counts = self.requests()
        self.ctx.set_requests(counts.reads, counts.writes)

    def requests_summary(self) -> None:
        counts = self.requests()
        retried = (
            f", {counts.retries} retried ({counts.waited_seconds:.0f} s waited)" if counts.retries else ""
        )
        self.ctx.log(f"{self.catalog} requests: {counts.reads} reads, {counts.writes} writes{retried}.")


def _datastore_issue(ds: Datastore, kind: str, reason: str) -> SyncIssue:
    return SyncIssue(
        kind=kind, level="datastore", datastore=ds.name, object_id=ds.id, path=ds.name, reason=reason
    )
