"""Loading the tag state a pull plans against, and applying a pull plan in bulk.

A pull costs the same handful of queries for 10 fields or 100 000: state is read in set-based
queries and the plan written in bulk, in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from catalog.models import TAG_NAME_MAX, Datastore, Tag
from integrations.models import Integration
from integrations.sync.assets import LEVEL_MODELS, AssetKey
from integrations.sync.context import RunContext, RunStopped
from integrations.sync.tags import Assignment, CatalogTag, ExistingTag, PullInput, PullPlan, pull_plan

_CHUNK = 2000


def pull_load_existing(
    integration_id: int, names: Iterable[str]
) -> tuple[list[ExistingTag], list[Assignment]]:
    """Tags that matter (this integration's, and any with a catalog tag's name) and their assignments."""
    folded = {n.casefold() for n in names}
    tags = [
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
    ids = [t.id for t in tags]
    assignments: list[Assignment] = []
    if ids:
        for level, model in LEVEL_MODELS.items():
            through: Any = model.tags.through
            ds_path = {"datastore": "datastore_id", "container": "container__datastore_id"}.get(
                level, "field__container__datastore_id"
            )
            rows = through.objects.filter(tag_id__in=ids).values_list(
                f"{level}_id", "tag_id", ds_path, "inherited_from"
            )
            assignments.extend(Assignment((level, obj), tag, ds, source) for obj, tag, ds, source in rows)
    return tags, assignments


# --- Applying a plan ------------------------------------------------------------------------------


def pull_apply(
    plan: PullPlan,
    ctx: RunContext,
    *,
    integration_id: int,
    asset_labels: Mapping[AssetKey, str],
    datastore_names: Mapping[int, str],
) -> None:
    """Audit every change, and (unless previewing) write them all in bulk in one transaction."""

    def ds_name(key: AssetKey) -> str:
        return datastore_names.get(plan.asset_datastore.get(key, 0), "")

    for name, why in sorted(plan.skipped.items()):
        ctx.warning(f"Catalog tag “{name}” skipped: {why}.")
    for tag in plan.create:
        ctx.change(
            datastore="", asset=f"tag {tag.name}", kind="tag_created", attribute="type", after="external"
        )
    for old, _catalog in plan.convert:
        ctx.change(
            datastore="",
            asset=f"tag {old.name}",
            kind="tag_converted",
            attribute="type",
            before="global",
            after="external",
        )
    for key, name in plan.add:
        source = plan.source_of(key, name)
        ctx.change(
            datastore=ds_name(key),
            asset=asset_labels.get(key, str(key)),
            kind="tag_added",
            attribute="tag",
            after=f"{name} (inherited from {source})" if source else name,
        )
        ctx.count(ds_name(key), "tags_pulled")
    for key, gone in plan.remove:
        ctx.change(
            datastore=ds_name(key),
            asset=asset_labels.get(key, str(key)),
            kind="tag_removed",
            attribute="tag",
            before=gone.name,
        )
        ctx.count(ds_name(key), "tags_removed")
    for orphan in plan.delete:
        ctx.change(
            datastore="", asset=f"tag {orphan.name}", kind="tag_deleted", attribute="tag", before=orphan.name
        )
    verb = "Would add" if ctx.preview else "Added"
    ctx.log(
        f"Tags: {verb} {len(plan.add)} tag assignment(s), "
        f"{'would remove' if ctx.preview else 'removed'} {len(plan.remove)}; "
        f"{len(plan.create)} tag(s) to create, {len(plan.convert)} to convert, "
        f"{len(plan.delete)} orphaned tag(s) to delete."
    )
    if ctx.preview or plan.is_empty:
        return
    with transaction.atomic():
        lost = _apply(plan, integration_id)
    for name in sorted(lost):
        ctx.warning(f"Catalog tag “{name}” skipped: another integration took this tag name at the same time.")


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


# --- Collecting what the catalog has, datastore by datastore -------------------------------------


@dataclass
class PullCollector:
    """What the pull needs from every datastore, gathered as the datastores are read.

    The mass-removal threshold is integration-wide, so the plan is made once, at the end.
    """

    catalog: str
    wanted: dict[AssetKey, set[str]] = field(default_factory=dict)
    scope: set[int] = field(default_factory=set)
    asset_datastore: dict[AssetKey, int] = field(default_factory=dict)
    labels: dict[AssetKey, str] = field(default_factory=dict)
    too_long: set[str] = field(default_factory=set)
    sources: dict[AssetKey, dict[str, str]] = field(default_factory=dict)
    # Assets of read datastores that the integration's scope leaves out: their tags stay.
    kept: set[AssetKey] = field(default_factory=set)

    def datastore_add(
        self,
        datastore_id: int,
        *,
        scope: Iterable[AssetKey],
        labels: Mapping[AssetKey, str],
        tags: Mapping[AssetKey, Iterable[str]],
        sources: Mapping[AssetKey, Mapping[str, str]] | None = None,
        kept: Iterable[AssetKey] = (),
    ) -> None:
        """A datastore read in full: its assets' catalog tag names (absent or empty: no tags), for
        inherited ones the asset they were propagated from (by tag name), and the assets it holds
        outside the integration's scope (`kept`)."""
        self.scope.add(datastore_id)
        self.kept.update(kept)
        for key in scope:
            self.asset_datastore[key] = datastore_id
        self.labels.update(labels)
        for key, names in tags.items():
            usable = set()
            for name in names:
                if len(name) > TAG_NAME_MAX:
                    self.too_long.add(name[:60])
                else:
                    usable.add(name)
            if usable:
                self.wanted[key] = usable
        for key, by_name in (sources or {}).items():
            inherited = {name.casefold(): source for name, source in by_name.items() if source}
            if inherited:
                self.sources[key] = inherited

    def datastore_failed(self, datastore_id: int) -> None:
        """A failed read never counts as "tags removed": keep the datastore out of scope."""
        self.scope.discard(datastore_id)


def pull_finish(
    ctx: RunContext, collector: PullCollector, catalog_tags: Iterable[CatalogTag], *, integration: Integration
) -> PullPlan:
    """Plan the pull for the whole integration; stop before writing if it trips the threshold."""
    for name in sorted(collector.too_long):
        ctx.warning(
            f"{collector.catalog} tag “{name}…” is longer than {TAG_NAME_MAX} characters; skipped it."
        )
    by_name = {t.name.casefold(): t for t in catalog_tags if len(t.name) <= TAG_NAME_MAX}
    used = {n for names in collector.wanted.values() for n in names}
    existing, assignments = pull_load_existing(integration.pk, used)
    for a in assignments:  # assets outside this run's datastores still need a label
        collector.labels.setdefault(a.key, f"{a.key[0]} {a.key[1]}")
        collector.asset_datastore.setdefault(a.key, a.datastore_id)
    plan = pull_plan(
        PullInput(
            integration_id=integration.pk,
            overwrite_tags=integration.overwrite_tags,
            wanted=collector.wanted,
            scope_datastores=collector.scope,
            catalog_tags=by_name,
            existing_tags=existing,
            assignments=assignments,
            asset_datastore=collector.asset_datastore,
            threshold=settings.PLUMBLINE_TAG_REMOVAL_THRESHOLD,
            sources=collector.sources,
            kept=collector.kept,
        )
    )
    if plan.stop_reason:
        raise RunStopped(plan.stop_reason)
    names = dict(Datastore.objects.values_list("id", "name"))
    pull_apply(plan, ctx, integration_id=integration.pk, asset_labels=collector.labels, datastore_names=names)
    return plan
