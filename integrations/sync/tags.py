"""External tags: catalog tags on matched assets become this integration's external tags.

`pull_plan` is pure (plain records in, a plan out): it decides which tags to create, convert or
delete and which assignments to add or remove, and whether the mass-removal safety threshold
stops the pull. `integrations.sync.tags_apply` reads the current state and writes a plan in bulk.
The rules (Overwrite Tags, a failed read or an asset out of scope never removes, the
mass-removal stop) live only here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from catalog.models import DEFAULT_TAG_COLOR, Tag
from integrations.sync.assets import AssetKey

MIN_REMOVALS_TO_STOP = 10
_HEX = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")


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
    inherited_from: str = ""  # empty: applied to the asset itself


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
    # Where a tag on an asset comes from, by casefolded name: the asset it was propagated from.
    # A name absent here was applied to the asset itself.
    sources: Mapping[AssetKey, Mapping[str, str]] = field(default_factory=dict)
    # Assets the integration's scope leaves out: whatever the catalog says, their tags stay.
    kept: AbstractSet[AssetKey] = frozenset()


@dataclass
class PullPlan:
    create: list[CatalogTag] = field(default_factory=list)
    convert: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    refresh: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    add: list[tuple[AssetKey, str]] = field(default_factory=list)  # (asset, tag name)
    # Assignments that stay but now come from elsewhere: (asset, tag id, inherited from).
    resource: list[tuple[AssetKey, int, str]] = field(default_factory=list)
    sources: Mapping[AssetKey, Mapping[str, str]] = field(default_factory=dict)
    remove: list[tuple[AssetKey, ExistingTag]] = field(default_factory=list)
    delete: list[ExistingTag] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # tag name -> why
    current_assignments: int = 0
    stop_reason: str = ""
    asset_datastore: Mapping[AssetKey, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        changes = (self.create, self.convert, self.refresh, self.add, self.resource, self.remove, self.delete)
        return not any(changes)

    def source_of(self, key: AssetKey, name: str) -> str:
        return self.sources.get(key, {}).get(name.casefold(), "")


def tag_color_normalise(hex_color: str) -> str:
    """Plumbline stores #RRGGBB; catalogs may send #RGB, or anything at all."""
    value = hex_color.strip()
    if not _HEX.match(value):
        return DEFAULT_TAG_COLOR
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.upper()


def pull_plan(data: PullInput) -> PullPlan:
    plan = PullPlan(asset_datastore=data.asset_datastore, sources=data.sources)
    by_name = {t.name.casefold(): t for t in data.existing_tags}
    assignments = list(data.assignments)
    mine = {
        t.id: t
        for t in by_name.values()
        if t.tag_type == Tag.Type.EXTERNAL and t.integration_id == data.integration_id
    }
    plan.current_assignments = sum(1 for a in assignments if a.tag_id in mine)
    resolved = _tags_resolve(plan, data, by_name, mine)
    _adds_plan(plan, data, resolved, assignments)
    _removals_plan(plan, data, mine, assignments)
    _stop_check(plan, data)
    usage = Counter(a.tag_id for a in assignments)
    for _key, removed in plan.remove:
        usage[removed.id] -= 1
    added_ids = {tag.id for _, n in plan.add if (tag := resolved.get(n.casefold())) is not None}
    plan.delete = [t for t in mine.values() if usage[t.id] <= 0 and t.id not in added_ids]
    return plan


def _tags_resolve(
    plan: PullPlan, data: PullInput, by_name: Mapping[str, ExistingTag], mine: Mapping[int, ExistingTag]
) -> dict[str, ExistingTag | None]:
    """Once per catalog tag name: the Plumbline tag it becomes (None: a tag to create), or why skipped."""
    used = {name.casefold() for names in data.wanted.values() for name in names}
    resolved: dict[str, ExistingTag | None] = {}
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
            plan.convert.append((existing, catalog))
        elif existing.tag_type == Tag.Type.GLOBAL:
            plan.skipped[catalog.name] = (
                f"a global tag “{existing.name}” already exists; turn on Overwrite Tags to convert it"
            )
        else:
            owner = existing.owner or f"integration {existing.integration_id}"
            plan.skipped[catalog.name] = f"the tag “{existing.name}” belongs to {owner}"
    return resolved


def _adds_plan(
    plan: PullPlan,
    data: PullInput,
    resolved: Mapping[str, ExistingTag | None],
    assignments: Iterable[Assignment],
) -> None:
    have = {(a.key, a.tag_id): a.inherited_from for a in assignments}
    for key, names in data.wanted.items():
        sources = data.sources.get(key, {})
        for folded in sorted({n.casefold() for n in names}):
            if folded not in resolved:
                continue
            tag = resolved[folded]
            if tag is None or (key, tag.id) not in have:
                plan.add.append((key, data.catalog_tags[folded].name))
            elif have[(key, tag.id)] != sources.get(folded, ""):
                plan.resource.append((key, tag.id, sources.get(folded, "")))


def _removals_plan(
    plan: PullPlan, data: PullInput, mine: Mapping[int, ExistingTag], assignments: Iterable[Assignment]
) -> None:
    """This integration's assignments the catalog no longer has, only where its read succeeded."""
    wanted_folded = {key: {n.casefold() for n in names} for key, names in data.wanted.items()}
    for a in assignments:
        tag = mine.get(a.tag_id)
        # Converted tags keep the assets they had (that is what converting promises).
        if tag is None or a.datastore_id not in data.scope_datastores or a.key in data.kept:
            continue
        if tag.name.casefold() not in wanted_folded.get(a.key, ()):
            plan.remove.append((a.key, tag))


def _stop_check(plan: PullPlan, data: PullInput) -> None:
    """The mass-removal safety stop: too many removals at once stops the pull before any write."""
    removals = len(plan.remove)
    if removals >= data.min_removals_to_stop and removals > data.threshold * plan.current_assignments:
        plan.stop_reason = (
            f"The pull would remove {removals} of this integration's {plan.current_assignments} tag "
            f"assignments (more than {data.threshold:.0%}), so it stopped before changing any tag. "
            "If the catalog really lost these tags, raise PLUMBLINE_TAG_REMOVAL_THRESHOLD; if the "
            "token lost access to assets, fix its persona and sync again."
        )
