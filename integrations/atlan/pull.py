"""Pull: catalog tags on matched assets become this integration's external tags in Plumbline.

`pull_plan` is pure (plain records in, a plan out): it decides which tags to create, convert or
delete and which assignments to add or remove, and whether the mass-removal safety threshold
stops the pull. `pull_load` reads the current state in a few set-based queries and `pull_apply`
writes a plan in bulk, so a pull costs the same handful of queries for 10 fields or 100 000.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction

from catalog.models import Container, Datastore, Field, Tag
from integrations.runs import RunContext

AssetKey = tuple[str, int]  # (level, object id): ("datastore" | "container" | "field", pk)
LEVEL_MODELS = {"datastore": Datastore, "container": Container, "field": Field}
MIN_REMOVALS_TO_STOP = 10
TAG_NAME_MAX = 255
_CHUNK = 2000


@dataclass(frozen=True)
class CatalogTag:
    name: str
    color: str
    description: str = ""


@dataclass(frozen=True)
class ExistingTag:
    id: int
    name: str
    tag_type: str
    integration_id: int | None
    color: str = ""
    description: str = ""
    owner: str = ""  # the owning integration's name, for log lines


@dataclass(frozen=True)
class Assignment:
    key: AssetKey
    tag_id: int
    datastore_id: int


@dataclass
class PullInput:
    integration_id: int
    overwrite_tags: bool
    # Tag names the catalog has on each matched asset (assets with none may be absent).
    wanted: Mapping[AssetKey, set[str]]
    # Datastores whose catalog read succeeded: only there may a missing tag count as removed.
    scope_datastores: set[int]
    catalog_tags: Mapping[str, CatalogTag]  # by casefolded name
    existing_tags: Iterable[ExistingTag]
    assignments: Iterable[Assignment]
    asset_datastore: Mapping[AssetKey, int]
    threshold: float = 0.5
    min_removals_to_stop: int = MIN_REMOVALS_TO_STOP


@dataclass
class PullPlan:
    create: list[CatalogTag] = field(default_factory=list)
    convert: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    refresh: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    add: list[tuple[AssetKey, str]] = field(default_factory=list)  # (asset, tag name)
    remove: list[tuple[AssetKey, ExistingTag]] = field(default_factory=list)
    delete: list[ExistingTag] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # tag name -> why
    current_assignments: int = 0
    stop_reason: str = ""
    asset_datastore: Mapping[AssetKey, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.create or self.convert or self.refresh or self.add or self.remove or self.delete)


def tag_color(hex_color: str) -> str:
    """Plumbline stores #RRGGBB; Atlan colours may come as #RGB."""
    value = hex_color.strip()
    if len(value) == 4 and value.startswith("#"):
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.upper() if len(value) == 7 else "#6B7280"


def pull_plan(data: PullInput) -> PullPlan:
    plan = PullPlan(asset_datastore=data.asset_datastore)
    by_name = {t.name.casefold(): t for t in data.existing_tags}
    assignments = list(data.assignments)
    mine = {
        t.id: t
        for t in by_name.values()
        if t.tag_type == Tag.Type.EXTERNAL and t.integration_id == data.integration_id
    }
    plan.current_assignments = sum(1 for a in assignments if a.tag_id in mine)

    # Decide, once per catalog tag name, which Plumbline tag it becomes (or why it is skipped).
    used = {name.casefold() for names in data.wanted.values() for name in names}
    resolved: dict[str, ExistingTag | None] = {}  # None: a tag to create
    converted: set[int] = set()
    for folded in sorted(used):
        catalog = data.catalog_tags.get(folded)
        if catalog is None:
            continue
        existing = by_name.get(folded)
        if existing is None:
            resolved[folded] = None
            plan.create.append(catalog)
        elif existing.id in mine:
            resolved[folded] = existing
            if (existing.color.upper(), existing.description) != (catalog.color.upper(), catalog.description):
                plan.refresh.append((existing, catalog))
        elif existing.tag_type == Tag.Type.GLOBAL and data.overwrite_tags:
            resolved[folded] = existing
            converted.add(existing.id)
            plan.convert.append((existing, catalog))
        elif existing.tag_type == Tag.Type.GLOBAL:
            plan.skipped[catalog.name] = (
                f"a global tag “{existing.name}” already exists; turn on Overwrite Tags to convert it"
            )
        else:
            owner = existing.owner or f"integration {existing.integration_id}"
            plan.skipped[catalog.name] = f"the tag “{existing.name}” belongs to {owner}"

    have = {(a.key, a.tag_id) for a in assignments}
    for key, names in data.wanted.items():
        for folded in sorted({n.casefold() for n in names}):
            if folded not in resolved:
                continue
            tag = resolved[folded]
            if tag is None or (key, tag.id) not in have:
                plan.add.append((key, data.catalog_tags[folded].name))

    wanted_folded = {key: {n.casefold() for n in names} for key, names in data.wanted.items()}
    for a in assignments:
        tag = mine.get(a.tag_id)
        # Converted tags keep the assets they had (that is what converting promises).
        if tag is None or a.datastore_id not in data.scope_datastores:
            continue
        if tag.name.casefold() not in wanted_folded.get(a.key, ()):
            plan.remove.append((a.key, tag))

    removals = len(plan.remove)
    if removals >= data.min_removals_to_stop and removals > data.threshold * plan.current_assignments:
        plan.stop_reason = (
            f"The pull would remove {removals} of this integration's {plan.current_assignments} tag "
            f"assignments (more than {data.threshold:.0%}), so it stopped before changing any tag. "
            "If the catalog really lost these tags, raise PLUMBLINE_TAG_REMOVAL_THRESHOLD; if the "
            "token lost access to assets, fix its persona and sync again."
        )

    usage = Counter(a.tag_id for a in assignments)
    for _key, tag in plan.remove:
        usage[tag.id] -= 1
    added_ids = {resolved[n.casefold()].id for _, n in plan.add if resolved.get(n.casefold()) is not None}
    plan.delete = [t for t in mine.values() if usage[t.id] <= 0 and t.id not in added_ids]
    return plan


# --- Loading the current state ------------------------------------------------------------------


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
            owner=t.integration.name if t.integration_id else "",
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
            through = model.tags.through
            ds_path = {"datastore": "datastore_id", "container": "container__datastore_id"}.get(
                level, "field__container__datastore_id"
            )
            rows = through.objects.filter(tag_id__in=ids).values_list(f"{level}_id", "tag_id", ds_path)
            assignments.extend(Assignment((level, obj), tag, ds) for obj, tag, ds in rows)
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
        ctx.log(f"Catalog tag “{name}” skipped: {why}.", level="WARNING")
    for tag in plan.create:
        ctx.change(datastore="", asset=f"tag {tag.name}", kind="tag_created", after=f"external {tag.color}")
    for old, _new in plan.convert:
        ctx.change(
            datastore="", asset=f"tag {old.name}", kind="tag_converted", before="global", after="external"
        )
    for key, name in plan.add:
        ctx.change(
            datastore=ds_name(key), asset=asset_labels.get(key, str(key)), kind="tag_added", after=name
        )
        ctx.count(ds_name(key), "tags_pulled")
    for key, tag in plan.remove:
        ctx.change(
            datastore=ds_name(key), asset=asset_labels.get(key, str(key)), kind="tag_removed", before=tag.name
        )
        ctx.count(ds_name(key), "tags_removed")
    for tag in plan.delete:
        ctx.change(datastore="", asset=f"tag {tag.name}", kind="tag_deleted", before=tag.name)
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
        ctx.log(
            f"Catalog tag “{name}” skipped: another integration took this tag name at the same time.",
            level="WARNING",
        )


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
    by_level: dict[str, list[tuple[int, int]]] = defaultdict(list)
    lost: set[str] = set()
    for (level, obj), name in plan.add:
        if name.casefold() in ids:
            by_level[level].append((obj, ids[name.casefold()]))
        else:
            lost.add(name)
    for level, pairs in by_level.items():
        through = LEVEL_MODELS[level].tags.through
        through.objects.bulk_create(
            [through(**{f"{level}_id": obj, "tag_id": tag}) for obj, tag in pairs],
            ignore_conflicts=True,
            batch_size=_CHUNK,
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
