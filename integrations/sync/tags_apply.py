"""The pull, streamed: staging what the catalog has, deciding in SQL, applying chunk by chunk.

Memory does not grow with the catalog. `PullCollector` writes every datastore's catalog tags to
the run's staging table (`SyncWantedTag`) as they are read; `pull_decide` resolves the tags per
distinct name and counts in SQL what the pull would remove, so the mass-removal stop trips before
anything is written; `pull_apply_decided` then streams the adds and removals in chunks (a fixed
number of queries per chunk), auditing each with the asset's label read from the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from catalog.models import TAG_NAME_MAX, Container, Datastore, Field, Tag
from integrations.models import Integration, SyncOwnTag, SyncRun, SyncWantedTag
from integrations.sync.assets import LEVEL_MODELS, SYNCED_CONTAINER_TYPES, AssetKey
from integrations.sync.context import RunContext, RunStopped
from integrations.sync.tags import (
    MIN_REMOVALS_TO_STOP,
    CatalogTag,
    ExistingTag,
    PullPlan,
    TagResolution,
    assignment_change,
    removal_stop_reason,
    tags_orphaned,
    tags_resolve,
)

_CHUNK = 2000
_DELETE_SLICE = 20_000
# Where an assignment's datastore is, from each level's through table.
_DATASTORE_PATH = {
    "datastore": "datastore_id",
    "container": "container__datastore_id",
    "field": "field__container__datastore_id",
}
_STAGE_COLUMNS = (
    "run_id",
    "level",
    "object_id",
    "datastore_id",
    "name",
    "name_folded",
    "inherited_from",
    "kept",
)


# --- Staging what the catalog has, datastore by datastore ----------------------------------------


@dataclass
class PullCollector:
    """What the pull needs from every datastore, staged in the database as the datastores are read.

    In memory only what stays small: the datastores read, names too long to keep, and the
    distinct tag names. The mass-removal threshold is integration-wide, so the pull is decided
    once, at the end, from the staging table.
    """

    catalog: str
    run_id: int
    read: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    too_long: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # casefolded
    staged: int = 0

    @property
    def scope(self) -> set[int]:
        """Datastores whose catalog read succeeded: only there may a missing tag count as removed."""
        return self.read - self.failed

    def datastore_add(
        self,
        datastore_id: int,
        *,
        scope: Iterable[AssetKey] = (),
        labels: Mapping[AssetKey, str] | None = None,
        tags: Mapping[AssetKey, Iterable[str]],
        sources: Mapping[AssetKey, Mapping[str, str]] | None = None,
        kept: Iterable[AssetKey] = (),
    ) -> None:
        """Some or all of a datastore's assets, read in full: their catalog tag names (absent or
        empty: no tags), for inherited ones the asset they were propagated from (by tag name),
        and the assets it holds outside the integration's scope (`kept`). Called once per batch
        of assets; the batches of one datastore are disjoint. `scope` and `labels` are not
        needed any more (the datastore is the scope; labels are read when a change is audited)."""
        if not self.read:
            pull_staging_leftovers_delete(self.run_id)
        self.read.add(datastore_id)
        self.staged += _rows_insert(self._rows(datastore_id, tags, sources or {}, kept))

    def _rows(
        self,
        datastore_id: int,
        tags: Mapping[AssetKey, Iterable[str]],
        sources: Mapping[AssetKey, Mapping[str, str]],
        kept: Iterable[AssetKey],
    ) -> Iterator[tuple[Any, ...]]:
        for (level, obj), names in tags.items():
            usable: dict[str, str] = {}
            for name in names:
                if len(name) > TAG_NAME_MAX:
                    self.too_long.add(name[:60])
                else:
                    usable.setdefault(name.casefold(), name)
            inherited = {n.casefold(): src for n, src in sources.get((level, obj), {}).items() if src}
            # Sorted per asset, so the audit lists an asset's tags as the in-memory plan did.
            for folded in sorted(usable):
                self.names.add(folded)
                yield (
                    self.run_id,
                    level,
                    obj,
                    datastore_id,
                    usable[folded],
                    folded,
                    inherited.get(folded, ""),
                    False,
                )
        for level, obj in kept:
            yield (self.run_id, level, obj, datastore_id, "", "", "", True)

    def datastore_failed(self, datastore_id: int) -> None:
        """A failed read never counts as "tags removed": keep the datastore out of scope, also
        for the rows already staged for it."""
        self.failed.add(datastore_id)


def _rows_insert(rows: Iterable[tuple[Any, ...]]) -> int:
    """Staging rows as plain tuples in batches: model instances for a million rows cost more
    than the inserts."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _STAGE_COLUMNS)
    places = ", ".join(["%s"] * len(_STAGE_COLUMNS))
    sql = f"INSERT INTO {quote(SyncWantedTag._meta.db_table)} ({columns}) VALUES ({places})"
    batch: list[tuple[Any, ...]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= _CHUNK:
            total += _batch_insert(sql, batch)
            batch = []
    return total + _batch_insert(sql, batch)


def _batch_insert(sql: str, batch: list[tuple[Any, ...]]) -> int:
    if batch:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    return len(batch)


def pull_staging_delete(run_id: int) -> None:
    """A pull is done (applied, stopped or failed): its staging rows go."""
    rows_delete_sliced(SyncWantedTag.objects.filter(run_id=run_id))
    SyncOwnTag.objects.filter(run_id=run_id).delete()


def pull_staging_leftovers_delete(run_id: int) -> None:
    """Rows a dead worker left behind, from the same integration's runs that are over."""
    integration = SyncRun.objects.filter(pk=run_id).values("integration_id")
    for model in (SyncWantedTag, SyncOwnTag):
        rows_delete_sliced(
            model.objects.filter(run__integration_id=Subquery(integration)).exclude(
                run__status__in=SyncRun.ACTIVE_STATUSES
            )
        )


def rows_delete_sliced(rows: QuerySet[Any]) -> None:
    """Delete the rows a slice at a time, in id order: SQLite gathers every row one DELETE removes
    in memory first (9 MB more for 400,000 staged tags, the worker's peak at a million assets)."""
    size = _DELETE_SLICE
    while edge := list(rows.order_by("id").values_list("id", flat=True)[size - 1 : size]):
        rows.filter(id__lte=edge[0]).delete()
    rows.delete()


# --- Deciding, before anything is written ---------------------------------------------------------


@dataclass
class PullDecision:
    """What the pull will do, decided before any write: tags resolved per name, removals counted."""

    run_id: int
    integration_id: int
    scope: frozenset[int]
    resolution: TagResolution
    catalog_tags: dict[str, CatalogTag]  # the ones in use, by casefolded name
    current_assignments: int
    removals: int
    delete: list[ExistingTag]


def tags_load(integration_id: int, names: Iterable[str]) -> list[ExistingTag]:
    """Tags that matter: this integration's, and any with a catalog tag's name."""
    folded = {n.casefold() for n in names}
    return [
        ExistingTag(
            id=t.id,
            name=t.name,
            tag_type=t.tag_type,
            integration_id=t.integration_id,
            color=t.color,
            description=t.description,
            owner=t.integration.name if t.integration else "",
        )
        for t in Tag.objects.select_related("integration").only(
            "id", "name", "tag_type", "integration_id", "color", "description", "integration__name"
        )
        if t.integration_id == integration_id or t.name.casefold() in folded
    ]


def pull_decide(
    ctx: RunContext, collector: PullCollector, catalog_tags: Iterable[CatalogTag], *, integration: Integration
) -> PullDecision:
    """Resolve the tags in use and count in SQL what the pull would remove; raise RunStopped if
    that trips the mass-removal threshold. Writes no tag, assignment or audit row."""
    for name in sorted(collector.too_long):
        ctx.warning(
            f"{collector.catalog} tag “{name}…” is longer than {TAG_NAME_MAX} characters; skipped it."
        )
    by_name = {t.name.casefold(): t for t in catalog_tags if len(t.name) <= TAG_NAME_MAX}
    resolution = tags_resolve(
        collector.names,
        by_name,
        tags_load(integration.pk, collector.names),
        integration_id=integration.pk,
        overwrite_tags=integration.overwrite_tags,
    )
    run_id, scope = collector.run_id, frozenset(collector.scope)
    SyncOwnTag.objects.filter(run_id=run_id).delete()
    SyncOwnTag.objects.bulk_create(
        [
            SyncOwnTag(run_id=run_id, tag_id=t.id, name_folded=t.name.casefold())
            for t in resolution.mine.values()
        ],
        batch_size=_CHUNK,
    )
    current: Counter[int] = Counter()
    removed: Counter[int] = Counter()
    for level in LEVEL_MODELS:
        through: Any = LEVEL_MODELS[level].tags.through
        rows = (
            through.objects.filter(tag_id__in=list(resolution.mine)).values("tag_id").annotate(n=Count("id"))
        )
        current.update(dict(rows.values_list("tag_id", "n")))
        gone = _removals(level, run_id, scope).values("tag_id").annotate(n=Count("id")).order_by()
        removed.update(dict(gone.values_list("tag_id", "n")))
    decision = PullDecision(
        run_id=run_id,
        integration_id=integration.pk,
        scope=scope,
        resolution=resolution,
        catalog_tags={n: by_name[n] for n in resolution.resolved},
        current_assignments=current.total(),
        removals=removed.total(),
        delete=[],
    )
    reason = removal_stop_reason(
        decision.removals,
        decision.current_assignments,
        threshold=settings.PLUMBLINE_TAG_REMOVAL_THRESHOLD,
        minimum=MIN_REMOVALS_TO_STOP,
    )
    if reason:
        raise RunStopped(reason)
    # A tag one of the catalog's names resolves to gains an assignment wherever it has none left.
    added = {t.id for t in resolution.resolved.values() if t is not None}
    decision.delete = tags_orphaned(resolution.mine, current - removed, added)
    return decision


def _removals(level: str, run_id: int, scope: Iterable[int]) -> QuerySet[Any]:
    """The removal rule in SQL: this integration's assignments (its tags before the pull: a
    converted tag keeps its assets) on assets of datastores read in full, not kept, whose tag's
    casefolded name is not staged for the asset."""
    through: Any = LEVEL_MODELS[level].tags.through
    own = SyncOwnTag.objects.filter(run_id=run_id)
    wanted = SyncWantedTag.objects.filter(
        run_id=run_id, level=level, object_id=OuterRef(f"{level}_id")
    ).filter(Q(kept=True) | Q(name_folded=OuterRef("folded")))
    return (
        through.objects.filter(
            tag_id__in=own.values("tag_id"), **{f"{_DATASTORE_PATH[level]}__in": list(scope)}
        )
        .annotate(folded=Subquery(own.filter(tag_id=OuterRef("tag_id")).values("name_folded")[:1]))
        .exclude(Exists(wanted))
    )


def pull_finish(
    ctx: RunContext, collector: PullCollector, catalog_tags: Iterable[CatalogTag], *, integration: Integration
) -> PullOutcome:
    """Decide the pull for the whole integration (stopping before any write if it trips the
    threshold), then apply it; the run's staging rows go either way."""
    try:
        decision = pull_decide(ctx, collector, catalog_tags, integration=integration)
        return pull_apply_decided(ctx, decision)
    finally:
        pull_staging_delete(collector.run_id)


# --- Applying a decision, chunk by chunk ----------------------------------------------------------


@dataclass
class PullOutcome:
    added: int = 0
    removed: int = 0
    lost: set[str] = field(default_factory=set)  # names another integration took meanwhile


def pull_apply_decided(ctx: RunContext, decision: PullDecision) -> PullOutcome:
    """Audit every change and (unless previewing) write them, streaming the staging table and the
    assignments in chunks.

    One transaction per chunk, not one for the whole pull: at a million assets that one would hold
    SQLite's write lock longer than the web process and the heartbeat wait for it (30 s). The
    stop was decided before the first write, and a pull cut short converges on the next one."""
    res = decision.resolution
    for name, why in sorted(res.skipped.items()):
        ctx.warning(f"Catalog tag “{name}” skipped: {why}.")
    for tag in res.create:
        ctx.change(
            datastore="", asset=f"tag {tag.name}", kind="tag_created", attribute="type", after="external"
        )
    for old, _catalog in res.convert:
        ctx.change(
            datastore="",
            asset=f"tag {old.name}",
            kind="tag_converted",
            attribute="type",
            before="global",
            after="external",
        )
    names = dict(Datastore.objects.values_list("id", "name"))
    outcome = PullOutcome()
    if not ctx.preview:
        with transaction.atomic():
            _apply(
                PullPlan(create=res.create, convert=res.convert, refresh=res.refresh), decision.integration_id
            )
    _chunks_apply(ctx, decision, names, outcome, write=not ctx.preview)
    if not ctx.preview:
        with transaction.atomic():
            _apply(PullPlan(delete=decision.delete), decision.integration_id)
    verb = "Would add" if ctx.preview else "Added"
    ctx.log(
        f"Tags: {verb} {outcome.added} tag assignment(s), "
        f"{'would remove' if ctx.preview else 'removed'} {outcome.removed}; "
        f"{len(res.create)} tag(s) to create, {len(res.convert)} to convert, "
        f"{len(decision.delete)} orphaned tag(s) to delete."
    )
    for name in sorted(outcome.lost):
        ctx.warning(f"Catalog tag “{name}” skipped: another integration took this tag name at the same time.")
    return outcome


def _chunks_apply(
    ctx: RunContext, decision: PullDecision, names: Mapping[int, str], outcome: PullOutcome, *, write: bool
) -> None:
    """Adds and re-sourced assignments chunk by chunk of staged rows, then removals chunk by chunk
    of assignments, then the orphaned tags; each chunk audited, and written if `write`."""
    for plan, objects in _adds_chunks(decision):
        _changes_audit(ctx, plan, names, objects)
        outcome.added += len(plan.add)
        if write:
            with transaction.atomic():
                outcome.lost |= _apply(plan, decision.integration_id)
    for plan, objects in _removals_chunks(decision):
        _changes_audit(ctx, plan, names, objects)
        outcome.removed += len(plan.remove)
        if write:
            with transaction.atomic():
                _apply(plan, decision.integration_id)
    for orphan in decision.delete:
        ctx.change(
            datastore="", asset=f"tag {orphan.name}", kind="tag_deleted", attribute="tag", before=orphan.name
        )


# A chunk's assets by level: their ids, or a subquery of them (no parameter list to build).
Objects = Mapping[str, "Iterable[int] | QuerySet[Any]"]


def _adds_chunks(decision: PullDecision) -> Iterator[tuple[PullPlan, Objects]]:
    """The staged rows in the order they were staged, as plans of adds and re-sourcings."""
    resolved = decision.resolution.resolved
    tag_ids = [t.id for t in resolved.values() if t is not None]
    staged = SyncWantedTag.objects.filter(run_id=decision.run_id, kept=False)
    last = 0
    while chunk := list(
        staged.filter(id__gt=last)
        .order_by("id")
        .values_list("id", "level", "object_id", "datastore_id", "name_folded", "inherited_from")[:_CHUNK]
    ):
        between = staged.filter(id__gt=last, id__lte=chunk[-1][0])
        last = chunk[-1][0]
        rows = [row for row in chunk if row[4] in resolved]
        objects = {level: between.filter(level=level).values("object_id") for level in {r[1] for r in rows}}
        have = _assignments_load(objects, tag_ids)
        plan = PullPlan(asset_datastore={}, sources=defaultdict(dict))
        for _, level, obj, ds, folded, source in rows:
            key, tag = (level, obj), resolved[folded]
            change = assignment_change(tag, None if tag is None else have.get((key, tag.id)), source)
            if change == "add":
                plan.add.append((key, decision.catalog_tags[folded].name))
                plan.asset_datastore[key] = ds  # type: ignore[index]
                if source:
                    plan.sources[key][folded] = source  # type: ignore[index]
            elif change == "resource" and tag is not None:
                plan.resource.append((key, tag.id, source))
        yield plan, objects


def _assignments_load(objects: Objects, tag_ids: list[int]) -> dict[tuple[AssetKey, int], str]:
    """Which of the given tags the given assets have, and where each comes from."""
    have: dict[tuple[AssetKey, int], str] = {}
    for level, objs in objects.items():
        through: Any = LEVEL_MODELS[level].tags.through
        rows = through.objects.filter(tag_id__in=tag_ids, **{f"{level}_id__in": objs})
        for obj, tag, source in rows.values_list(f"{level}_id", "tag_id", "inherited_from"):
            have[((level, obj), tag)] = source
    return have


def _removals_chunks(decision: PullDecision) -> Iterator[tuple[PullPlan, Objects]]:
    """The assignments the removal rule removes, level by level, as plans of removals."""
    mine = decision.resolution.mine
    for level in LEVEL_MODELS:
        rows = _removals(level, decision.run_id, decision.scope).order_by("id")
        last = 0
        while chunk := list(
            rows.filter(id__gt=last).values_list("id", f"{level}_id", "tag_id", _DATASTORE_PATH[level])[
                :_CHUNK
            ]
        ):
            last = chunk[-1][0]
            plan = PullPlan(
                remove=[((level, obj), mine[tag]) for _, obj, tag, _ds in chunk],
                asset_datastore={(level, obj): ds for _, obj, _tag, ds in chunk},
            )
            yield plan, {level: [obj for _, obj, _tag, _ds in chunk]}


def _changes_audit(ctx: RunContext, plan: PullPlan, names: Mapping[int, str], objects: Objects) -> None:
    """Audit a chunk's adds and removals under the assets' labels ("DS / table / field")."""
    if not plan.add and not plan.remove:
        return
    labels = _labels_load(objects, names)

    def ds_name(key: AssetKey) -> str:
        return names.get(plan.asset_datastore.get(key, 0), "")

    for key, name in plan.add:
        source = plan.source_of(key, name)
        ctx.change(
            datastore=ds_name(key),
            asset=labels.get(key, f"{key[0]} {key[1]}"),
            kind="tag_added",
            attribute="tag",
            after=f"{name} (inherited from {source})" if source else name,
        )
        ctx.count(ds_name(key), "tags_pulled")
    for key, gone in plan.remove:
        ctx.change(
            datastore=ds_name(key),
            asset=labels.get(key, f"{key[0]} {key[1]}"),
            kind="tag_removed",
            attribute="tag",
            before=gone.name,
        )
        ctx.count(ds_name(key), "tags_removed")


def _labels_load(objects: Objects, names: Mapping[int, str]) -> dict[AssetKey, str]:
    """How a sync names assets: "Sales", "Sales / ORDERS", "Sales / ORDERS / ID"; containers a
    sync does not match (files, computed) and their fields have no label."""
    labels: dict[AssetKey, str] = {}
    if "datastore" in objects:
        labels.update(
            {
                ("datastore", pk): names.get(pk, "")
                for pk in Datastore.objects.filter(id__in=objects["datastore"]).values_list("id", flat=True)
            }
        )
    if "container" in objects:
        tables = Container.objects.filter(
            id__in=objects["container"], container_type__in=SYNCED_CONTAINER_TYPES
        )
        for pk, name, ds in tables.values_list("id", "name", "datastore_id"):
            labels[("container", pk)] = f"{names.get(ds, '')} / {name}"
    if "field" in objects:
        columns = Field.objects.filter(
            id__in=objects["field"], container__container_type__in=SYNCED_CONTAINER_TYPES
        )
        for pk, name, table, ds in columns.values_list(
            "id", "name", "container__name", "container__datastore_id"
        ):
            labels[("field", pk)] = f"{names.get(ds, '')} / {table} / {name}"
    return labels


def _apply(plan: PullPlan, integration_id: int) -> set[str]:
    """Write the plan; returns the tag names another integration created concurrently (skipped)."""
    if plan.create:
        # Another integration's pull may create the same name at the same moment: its tag wins.
        Tag.objects.bulk_create(
            [
                Tag(
                    name=t.name,
                    tag_type=Tag.Type.EXTERNAL,
                    integration_id=integration_id,
                    color=t.color,
                    description=t.description,
                )
                for t in plan.create
            ],
            ignore_conflicts=True,
        )
    for old, new in plan.convert:
        Tag.objects.filter(pk=old.id, tag_type=Tag.Type.GLOBAL).update(
            tag_type=Tag.Type.EXTERNAL,
            integration_id=integration_id,
            color=new.color,
            description=new.description,
        )
    for old, new in plan.refresh:
        Tag.objects.filter(pk=old.id).update(color=new.color, description=new.description)
    ids = {}
    if plan.add:
        ids = {
            name.casefold(): pk
            for pk, name in Tag.objects.filter(integration_id=integration_id).values_list("id", "name")
        }
    by_level: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    lost: set[str] = set()
    for (level, obj), name in plan.add:
        if name.casefold() in ids:
            by_level[level].append((obj, ids[name.casefold()], plan.source_of((level, obj), name)))
        else:
            lost.add(name)
    for level, rows in by_level.items():
        through: Any = LEVEL_MODELS[level].tags.through
        through.objects.bulk_create(
            [
                through(**{f"{level}_id": obj, "tag_id": tag, "inherited_from": src[:1000]})
                for obj, tag, src in rows
            ],
            ignore_conflicts=True,
            batch_size=_CHUNK,
        )
    resourced: dict[tuple[str, int, str], list[int]] = defaultdict(list)
    for (level, obj), tag_id, source in plan.resource:
        resourced[(level, tag_id, source)].append(obj)
    for (level, tag_id, source), objs in resourced.items():
        through = LEVEL_MODELS[level].tags.through
        for start in range(0, len(objs), _CHUNK):
            chunk = objs[start : start + _CHUNK]
            through.objects.filter(tag_id=tag_id, **{f"{level}_id__in": chunk}).update(
                inherited_from=source[:1000]
            )
    removals: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (level, obj), tag in plan.remove:
        removals[(level, tag.id)].append(obj)
    for (level, tag_id), objs in removals.items():
        through = LEVEL_MODELS[level].tags.through
        for start in range(0, len(objs), _CHUNK):
            through.objects.filter(
                tag_id=tag_id, **{f"{level}_id__in": objs[start : start + _CHUNK]}
            ).delete()
    if plan.delete:
        Tag.objects.filter(pk__in=[t.id for t in plan.delete], integration_id=integration_id).delete()
    return lost
