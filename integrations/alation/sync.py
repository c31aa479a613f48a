"""A sync against Alation: the engine's steps, filled in with Alation's listings, tags, custom
fields, Data Health and trust flags, within the integration's Domains and data sources."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings

from catalog.models import Check, Datastore
from integrations.alation.client import AlationClient
from integrations.alation.health import (
    KEY_PREFIX,
    HealthPlan,
    HealthSent,
    ValueKey,
    check_id_of,
    dq_field_of,
    health_follow,
    health_plan,
    health_retire,
    health_rows,
    health_send,
    value_key,
)
from integrations.alation.locate import SchemaFinder
from integrations.alation.matching import (
    CatalogObject,
    DatastoreRef,
    object_of,
    schema_objects_group,
    sources_for,
)
from integrations.alation.push import (
    FIELD_SPECS,
    FLAG_TYPE,
    TEMPLATES,
    FlagPlan,
    PushTarget,
    ValueChange,
    ValuesSent,
    flags_apply,
    flags_plan,
    text_of,
    values_follow,
    values_plan,
    values_send,
)
from integrations.alation.records import (
    OTYPE_DATA_SOURCE,
    OTYPE_TABLE,
    Column,
    DataQualityField,
    DataQualityValue,
    DataSource,
    ObjectRef,
    Schema,
    Table,
    TrustFlag,
)
from integrations.alation.scope import AlationScope, scope_read
from integrations.http import CatalogAuthenticationError, CatalogError, CatalogRequestError, RequestCounts
from integrations.sync.assets import AssetKey, CatalogAsset
from integrations.sync.context import RunContext
from integrations.sync.links import links_titles_save
from integrations.sync.mapping import DatastoreAssets
from integrations.sync.runner import CatalogRead, CatalogSync, Location
from integrations.sync.staging import PreparedPush
from integrations.sync.tags import CatalogTag, tag_color_normalise
from integrations.sync.values import AssetPush, checks_active, checks_described, checks_for_containers

CHECKPOINT_EVERY = 1000


@dataclass
class AlationPush:
    """A batch's push as planned: custom field values, Data Health and trust flags."""

    values: list[ValueChange]
    health: HealthPlan
    flags: FlagPlan
    targets: int


@dataclass
class PushSent:
    """A batch's push, sent: its jobs run in Alation while the next batches are worked on."""

    datastore: str
    push: AlationPush
    values: ValuesSent
    health: HealthSent

    def ended(self, client: AlationClient) -> bool:
        jobs = [job_id for _, put in self.values.puts for _, job_id in put.sent] + self.health.job_ids
        return all(client.job_ended(job_id) for job_id in jobs)


@dataclass(frozen=True)
class Ahead:
    """The next datastore as read ahead: its schema's tables and its first batch's columns
    (the listing of the first `per_batch` tables' range of ids), or None where nothing matched."""

    schema_id: int
    tables: list[Table]
    first: tuple[int, int] | None = None  # the range of table ids the columns cover
    columns: list[Column] = field(default_factory=list)


@dataclass(frozen=True)
class Located:
    """The matched schema of a datastore, and whether the Domains filter takes it."""

    schema: Schema
    in_scope: bool = True

    @property
    def chain(self) -> tuple[ObjectRef, ObjectRef]:
        return self.schema.ref, ObjectRef(OTYPE_DATA_SOURCE, self.schema.ds_id)


class AlationSync(CatalogSync):
    catalog: ClassVar[str] = "Alation"
    batches_span_catalog: ClassVar[bool] = True  # a batch's columns are listed by a range of ids

    def __init__(
        self, ctx: RunContext, client: AlationClient, *, pull: bool | None = None, push: bool | None = None
    ):
        super().__init__(ctx, pull=pull, push=push)
        self.client = client
        self.scope = AlationScope()
        self.finder = SchemaFinder(client, ctx)
        self.located: dict[int, Located] = {}
        self.tables_seen: dict[int, list[Table]] = {}
        self.tags_on: dict[ObjectRef, list[str]] = {}
        self.tag_defs: dict[str, CatalogTag] = {}
        self.field_ids: dict[str, int] = {}
        self.dq_fields: dict[str, DataQualityField] = {}
        self.dq_values: dict[ValueKey, DataQualityValue] | None = None
        self.own_flags: dict[ObjectRef, list[TrustFlag]] | None = None
        self.flags_listable = True
        self.event = False
        self.fields_ready = True
        self.tables_matched: dict[int, Collection[int]] = {}
        self.dq_fields_planned: set[str] = set()
        self.dq_fields_failed: set[str] = set()
        self.sent: list[PushSent] = []
        self.ahead: tuple[int, concurrent.futures.Future[Ahead | None]] | None = None
        self.columns_ahead: tuple[int, Ahead] | None = None

    # Preparing -------------------------------------------------------------------------------------
    def start(self) -> None:
        read = scope_read(self.client, self.integration.parameters)
        self.scope = self.finder.scope = read.scope
        for text in read.warnings:
            self.ctx.warning(text)
        for line in read.lines:
            self.ctx.log(line)
        if self.pull:
            self.tags_load()
        if self.push:
            self.fields_prepare()
            if not self.event:  # an event push looks up only its checks' fields
                self.dq_fields_add(self.client.dq_fields())

    def dq_fields_add(self, fields: Iterable[DataQualityField]) -> None:
        self.dq_fields.update(
            (f.key.casefold(), f) for f in fields if f.key.casefold().startswith(KEY_PREFIX)
        )

    def requests(self) -> RequestCounts:
        return self.client.counts

    def containers_push(self, container_ids: Sequence[int]) -> None:
        self.event = True  # read only what these tables need: flags and Data Health per table
        super().containers_push(container_ids)

    def in_scope(self, *chain: ObjectRef) -> bool:
        return self.scope.contains(*chain)

    def tags_load(self) -> None:
        """Every tag and the objects it is on, read once: calls grow with tags, not objects."""
        for tag, subject in self.client.tag_assignments():
            self.tag_defs.setdefault(
                tag.name.casefold(),
                CatalogTag(tag.name, tag_color_normalise(""), text_of(tag.description)[:2000]),
            )
            self.tags_on.setdefault(subject.ref, []).append(tag.name)

    def fields_prepare(self) -> None:
        """The Plumbline custom fields, created when missing (never in a preview)."""
        names = [spec.name_singular for spec in FIELD_SPECS]
        try:
            # An event push only needs their ids (the full sync created them, or creates them now).
            held = {} if self.event else self.client.custom_fields_by_name(names)
            missing = [n for n in names if n not in held] if not self.event else []
            if self.ctx.preview:
                if missing:
                    self.ctx.log(f"Would create the custom fields {', '.join(missing)} in Alation.")
            else:
                held = self.client.ensure_custom_fields(FIELD_SPECS)  # creates the missing, checks types
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            self.ctx.error(
                f"Could not prepare Plumbline's custom fields in Alation, so none is written: {exc}"
            )
            self.fields_ready = False
            return
        for name in missing:
            self.ctx.change(datastore="", asset=name, kind="custom_field_created", after="RICH_TEXT")
        if missing and not self.ctx.preview:
            self.ctx.log(
                f"Created {len(missing)} custom field(s) in Alation: {', '.join(missing)}. An Alation admin "
                f"should add them to the {', '.join(TEMPLATES)} templates (Settings › Customize Catalog › "
                "Custom Templates) so they show on catalog pages.",
                level="WARNING",
            )
        self.field_ids = {name: f.id for name, f in held.items()}

    # Reading the next datastore ahead ------------------------------------------------------------
    def datastore_upcoming(self, ds: Datastore) -> None:
        """Read the next datastore's schema, tables and first batch's columns while this one's
        last batch is worked on, where that needs the catalog only: not for a pinned datastore,
        nor with Domains (their membership is read on the run's thread), nor before the data
        sources are read."""
        sources = self.finder.sources_read()
        if self.event or ds.id in self.pins or self.scope.domains is not None or sources is None:
            return
        self.reads_drop()
        ref = DatastoreRef(ds.id, ds.name, ds.connector_type, ds.host, ds.database, ds.schema)
        candidates = [s for s in sources_for(ref, sources) if self.scope.source_in(s.id)]
        per_batch = max(1, settings.PLUMBLINE_SYNC_TABLES_PER_BATCH)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-ahead")
        self.ahead = (ds.id, pool.submit(self.ahead_read, ref, candidates, per_batch))
        pool.shutdown(wait=False)

    def ahead_read(self, ref: DatastoreRef, candidates: list[DataSource], per_batch: int) -> Ahead | None:
        match = self.finder.match_in(ref, candidates)  # the schema listings land in the finder
        if match.schema is None:
            return None
        schema_id = match.schema.id
        tables = list(self.client.tables(schema_id=schema_id))
        span = sorted(t.id for t in tables)[:per_batch]
        if not span:
            return Ahead(schema_id, tables)
        filters = {"schema_id": schema_id, "table_id__gte": span[0], "table_id__lte": span[-1]}
        return Ahead(schema_id, tables, (span[0], span[-1]), list(self.client.columns(filters=filters)))

    def ahead_take(self, ds_id: int) -> Ahead | None:
        """What was read ahead for this datastore (None: nothing, or it failed: read as usual)."""
        if self.ahead is None:
            return None
        for_ds, future = self.ahead
        self.ahead = None
        try:
            found = future.result()
        except Exception:  # the usual reads meet the same problem and report it
            return None
        return found if for_ds == ds_id else None

    def reads_drop(self) -> None:
        self.ahead_take(-1)
        self.columns_ahead = None

    # Locating and reading a datastore -------------------------------------------------------------
    def datastore_locate(self, ds: Datastore, only: set[int] | None) -> Location:
        ahead = self.ahead_take(ds.id)
        ref = DatastoreRef(ds.id, ds.name, ds.connector_type, ds.host, ds.database, ds.schema)
        link = self.links.get(("datastore", ds.id))
        linked = link.catalog_guid if only is not None and link is not None else None
        found = self.finder.find(ref, pin=self.pins.get(ds.id), linked=linked)
        if isinstance(found, Location):
            return found
        schema, label = found
        if not self.scope.source_in(schema.ds_id):
            reason = f"Its schema {schema.key} is in a data source outside this integration's data sources."
            return Location("out_of_scope", schema.key, reason=reason, label=label)
        located = Located(schema)
        if self.scope.domains is not None:
            located = Located(schema, self.in_scope(*located.chain))
            tables = self.tables_seen.setdefault(ds.id, list(self.client.tables(schema_id=schema.id)))
            if not located.in_scope and not any(self.in_scope(t.ref, *located.chain) for t in tables):
                reason = "Neither its schema nor any of its tables is in the integration's Alation domains."
                return Location("out_of_scope", schema.key, reason=reason, label=label)
        self.located[ds.id] = located
        if ahead is not None and ahead.schema_id == schema.id and only is None:
            self.tables_seen.setdefault(ds.id, ahead.tables)
            self.columns_ahead = (ds.id, ahead)
        return Location("matched", schema.key, label=label)

    def datastore_read(
        self, ds: Datastore, location: Location, assets: DatastoreAssets, only: set[int] | None
    ) -> CatalogRead:
        located = self.located[ds.id]
        tables = self.tables_read(ds, located, assets, only)
        inside = [t for t in tables if self.in_scope(t.ref, *located.chain)]
        kept = {t.id for t in inside}
        outside = [object_of(t, ()) for t in tables if t.id not in kept]
        if only is not None:  # an event push reads the columns of its own tables only
            names = {name.casefold() for name in assets.containers.values()}
            inside = [t for t in inside if t.name.casefold() in names]
        # A full sync reads the columns a batch of tables at a time (batch_columns_read).
        columns = self.columns_read(located, inside, whole=False) if only is not None else iter(())
        keep = set(self.field_ids.values())
        group = schema_objects_group(inside, columns, keep)
        container = object_of(located.schema, keep) if located.in_scope else None
        return CatalogRead(
            container,
            group.tables,
            group.columns_by_table,
            out_of_scope=outside,
            container_out_of_scope=not located.in_scope,
        )

    def tables_read(
        self, ds: Datastore, located: Located, assets: DatastoreAssets, only: set[int] | None
    ) -> list[Table]:
        if only is not None:
            links = [self.links.get(("container", c)) for c in assets.containers]
            if all(links):
                found = [
                    t for link in links if link for t in self.client.tables(filters={"id": link.catalog_guid})
                ]
                if len(found) == len(links):
                    return found
        cached = self.tables_seen.pop(ds.id, None)
        return cached if cached is not None else list(self.client.tables(schema_id=located.schema.id))

    def table_order(self, table: CatalogAsset) -> Any:
        assert isinstance(table, CatalogObject)
        return table.id

    def batch_columns_read(
        self, ds: Datastore, location: Location, read: CatalogRead, tables: Sequence[CatalogAsset]
    ) -> Mapping[str, Sequence[CatalogAsset]]:
        """A batch's columns in one listing of its range of table ids (batches come in id order)."""
        if self.event or not tables:
            return super().batch_columns_read(ds, location, read, tables)
        located = self.located[ds.id]
        by_id = {t.id: t for t in tables if isinstance(t, CatalogObject)}
        keep = set(self.field_ids.values())
        grouped: dict[str, list[CatalogAsset]] = {t.key: [] for t in by_id.values()}
        low, high = min(by_id), max(by_id)
        listing: Iterable[Column]
        ahead, self.columns_ahead = self.columns_ahead, None  # the first batch's, or never
        cover = ahead[1].first if ahead is not None and ahead[0] == ds.id else None
        if cover is not None and cover[0] <= low and high <= cover[1]:
            # The same listing, read while the datastore before was ending.
            listing = [c for c in ahead[1].columns if low <= c.table_id <= high] if ahead else []
        else:
            listing = self.client.columns(
                filters={"schema_id": located.schema.id, "table_id__gte": low, "table_id__lte": high}
            )
        for column in listing:  # on a background thread: no safe points here (see the engine)
            table = by_id.get(column.table_id)
            if table is not None and (
                self.scope.domains is None or self.in_scope(column.ref, table.ref, *located.chain)
            ):
                grouped[table.key].append(object_of(column, keep))
        return grouped

    def notices_relay(self) -> None:
        self.client.http.notices_relay()

    def columns_read(self, located: Located, tables: list[Table], *, whole: bool) -> Iterator[Column]:
        """A whole schema's columns in one listing; a few tables' in one listing each."""
        ids = {t.id: t for t in tables}
        listings = (
            [self.client.columns(filters={"schema_id": located.schema.id})]
            if whole
            else [self.client.columns(table_id=t.id) for t in tables]
        )
        n = 0
        for listing in listings:
            for column in listing:
                n += 1
                if n % CHECKPOINT_EVERY == 0:
                    self.ctx.checkpoint(force=False)
                table = ids.get(column.table_id)
                if table is not None and (
                    self.scope.domains is None or self.in_scope(column.ref, table.ref, *located.chain)
                ):
                    yield column

    # Tags --------------------------------------------------------------------------------------------
    def asset_tags(self, asset: CatalogAsset) -> Iterable[str]:
        assert isinstance(asset, CatalogObject)
        return self.tags_on.get(asset.ref, [])

    def catalog_tags(self) -> Iterable[CatalogTag]:
        return list(self.tag_defs.values())

    # Push ---------------------------------------------------------------------------------------------
    def datastore_push(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> None:
        self.push_send(ds, self.push_prepare(ds, matched, wanted))

    def push_prepare(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> PreparedPush:
        targets = []
        for key, item in wanted.items():
            obj = matched[key]
            assert isinstance(obj, CatalogObject)
            targets.append(
                PushTarget(
                    key, item.label, item.datastore, obj, item.values, item.anomalies, item.anomalies_url
                )
            )
        values = values_plan(targets, self.field_ids) if self.fields_ready else []
        health = self.health_prepare(ds, matched, wanted)
        tables = [t for t in targets if t.anomalies is not None]
        flags = flags_plan(tables, self.flags_own(tables), flags_on=self.integration.enable_announcements)
        writes = bool(values or health.writes or flags.changes)
        return PreparedPush(list(wanted), writes, AlationPush(values, health, flags, len(targets)))

    def push_send(self, ds: Datastore, prepared: PreparedPush) -> None:
        """Send a batch's writes; their jobs are followed (and audited) at a later batch, once
        Alation has run them, or when the run's pushes are done (`writes_settle`)."""
        push: AlationPush = prepared.plan
        self.sent_follow(poll=True)
        values = values_send(push.values, self.client, self.ctx)
        health = health_send(push.health, self.client, self.ctx, ds.name, self.dq_fields_failed)
        for held_value, _, _ in push.health.removals:
            if self.dq_values is not None:
                self.dq_values.pop(value_key(held_value), None)
        for definition, _ in push.health.fields:
            self.dq_fields[definition.key.casefold()] = definition
        self.sent.append(PushSent(ds.name, push, values, health))
        links_titles_save(self.links, flags_apply(push.flags, self.client, self.ctx))
        self.sent_follow(poll=False)  # a preview, or a push with nothing to wait for, is done now

    def sent_follow(self, *, poll: bool) -> None:
        """Follow, in the order sent, the pushes whose jobs have all ended (`poll`: ask first)."""
        if poll and self.sent:
            self.client.jobs_poll()
        while self.sent and self.sent[0].ended(self.client):
            self.push_follow(self.sent.pop(0))

    def writes_settle(self) -> None:
        while self.sent:
            self.push_follow(self.sent.pop(0))

    def push_follow(self, sent: PushSent) -> None:
        health_follow(sent.health, self.ctx)
        written = values_follow(sent.values, self.ctx)
        push = sent.push
        assets = len({c.target.key for c in push.values})
        verb = "Would write" if self.ctx.preview else "Wrote"
        self.ctx.log(
            f"{verb} custom field values on {assets} asset(s) ({len(push.values)} value(s); "
            f"{push.targets - assets} already up to date), {push.health.writes} Data Health change(s) and "
            f"{len(push.flags.changes)} trust flag change(s)."
            + ("" if self.ctx.preview or written == assets else f" {assets - written} asset(s) failed."),
            datastore=sent.datastore,
        )

    def datastore_tables_matched(self, ds: Datastore, container_ids: Collection[int]) -> None:
        self.tables_matched[ds.id] = container_ids

    def health_prepare(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> HealthPlan:
        objects = {k: o for k, o in matched.items() if isinstance(o, CatalogObject)}
        labels = {k: item.label for k, item in wanted.items()}
        container_ids = [pk for level, pk in objects if level == "container"]
        rows = health_rows(checks_for_containers(container_ids), objects, labels, ds.name)
        held = self.dq_values_held(container_ids)
        on = {
            o.key.casefold(): (labels.get(k, o.key), ds.name)
            for k, o in objects.items()
            if k[0] != "datastore"
        }
        # The fields of every check on the datastore's matched tables go with its first push: one
        # job to wait for per datastore, not one per batch (each value needs its field first).
        tables = self.tables_matched.pop(ds.id, ())
        fields = [dq_field_of(*c) for c in checks_described(ds.id, tables)] if tables else []
        plan = health_plan(
            rows, self.dq_fields, held, on, fields_wanted=fields, fields_planned=self.dq_fields_planned
        )
        self.dq_fields_planned.update(d.key.casefold() for d, _ in plan.fields)
        return plan

    def dq_values_held(self, container_ids: list[int]) -> dict[ValueKey, DataQualityValue]:
        """Plumbline's Data Health values in Alation: all of them once per full sync; in an event
        push those of the pushed tables' checks, archived ones too (a value listing per check)."""
        if self.dq_values is not None:
            return self.dq_values
        if not self.event:
            listing: Iterable[DataQualityValue] = self.client.dq_values(hide_related=True)
            self.dq_values = {}
            held = self.dq_values
        else:
            check_ids = list(
                Check.objects.filter(container_id__in=container_ids).values_list("id", flat=True)
            )
            for check_id in check_ids:
                self.dq_fields_add(self.client.dq_fields(key=f"{KEY_PREFIX}{check_id}"))
            listing = (
                v
                for c in check_ids
                for v in self.client.dq_values(field_key=f"{KEY_PREFIX}{c}", hide_related=True)
            )
            held = {}
        for value in listing:
            if value.field_key.casefold().startswith(KEY_PREFIX):
                held[value_key(value)] = value
        return held

    def flags_own(self, tables: list[PushTarget]) -> dict[ObjectRef, list[TrustFlag]]:
        """This user's WARNING flags on the tables: one listing of every table flag when Alation
        allows it, otherwise (or in an event push) one listing per table."""
        me = self.client.user_id
        if self.own_flags is None and self.flags_listable and not self.event:
            try:
                own: dict[ObjectRef, list[TrustFlag]] = {}
                for flag in self.client.flags(OTYPE_TABLE, flag_type=FLAG_TYPE):
                    if flag.user_id == me:
                        own.setdefault(flag.subject, []).append(flag)
                self.own_flags = own
            except CatalogAuthenticationError:
                raise
            except CatalogRequestError as exc:
                self.flags_listable = False
                self.ctx.log(f"Alation does not list flags without an object ({exc}); asking table by table.")
        if self.own_flags is not None:
            return self.own_flags
        return {t.obj.ref: self.client.own_warnings(OTYPE_TABLE, t.obj.id) for t in tables}

    def finish(self) -> None:
        if not self.push or self.dq_values is None:
            return
        ids = [i for i in (check_id_of(k) for k in self.dq_fields) if i is not None]
        retired = health_retire(
            self.dq_fields, self.dq_values.values(), checks_active(ids), self.client, self.ctx
        )
        if retired:
            verb = "Would remove" if self.ctx.preview else "Removed"
            self.ctx.log(
                f"{verb} the Data Health fields of {retired} check(s) no longer active in Plumbline."
            )
