"""External tags: catalog tags on matched assets become this integration's external tags.

The rules, pure (plain records in, decisions out): `tags_resolve` (which Plumbline tag each catalog
tag name becomes: create, convert with Overwrite Tags, refresh, or skip and why),
`assignment_change` (add, re-source or leave one tag on one asset) and `removal_stop_reason` (the
mass-removal safety stop). `pull_plan` composes them over a whole integration held in memory,
with the removal rule (a failed read or an asset out of scope never removes); the streamed pull
in `integrations.sync.tags_apply` applies the same rules chunk by chunk and the removal rule in
SQL, over the run's staging table.
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


@dataclass
class TagResolution:
    """What each catalog tag name in use becomes, decided once per name."""

    create: list[CatalogTag] = field(default_factory=list)
    convert: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    refresh: list[tuple[ExistingTag, CatalogTag]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # tag name -> why
    # By casefolded name: the existing tag it becomes, None for a tag to create. Names absent
    # here (skipped, or unknown to the catalog) are neither added nor created.
    resolved: dict[str, ExistingTag | None] = field(default_factory=dict)
    # This integration's own external tags before the pull, by id.
    mine: dict[int, ExistingTag] = field(default_factory=dict)


def tags_resolve(
    names: Iterable[str],
    catalog_tags: Mapping[str, CatalogTag],
    existing_tags: Iterable[ExistingTag],
    *,
    integration_id: int,
    overwrite_tags: bool,
) -> TagResolution:
    """Once per catalog tag name in use (casefolded): the Plumbline tag it becomes, or why skipped."""
    by_name = {t.name.casefold(): t for t in existing_tags}
    out = TagResolution(
        mine={
            t.id: t
            for t in by_name.values()
            if t.tag_type == Tag.Type.EXTERNAL and t.integration_id == integration_id
        }
    )
    for folded in sorted({n.casefold() for n in names}):
        catalog = catalog_tags.get(folded)
        if catalog is None:
            continue
        existing = by_name.get(folded)
        if existing is None:
            out.resolved[folded] = None
            out.create.append(catalog)
        elif existing.id in out.mine:
            out.resolved[folded] = existing
            if (existing.color.upper(), existing.description) != (catalog.color.upper(), catalog.description):
                out.refresh.append((existing, catalog))
        elif existing.tag_type == Tag.Type.GLOBAL and overwrite_tags:
            out.resolved[folded] = existing
            out.convert.append((existing, catalog))
        elif existing.tag_type == Tag.Type.GLOBAL:
            out.skipped[catalog.name] = (
                f"a global tag “{existing.name}” already exists; turn on Overwrite Tags to convert it"
            )
        else:
            owner = existing.owner or f"integration {existing.integration_id}"
            out.skipped[catalog.name] = f"the tag “{existing.name}” belongs to {owner}"
    return out


def assignment_change(tag: ExistingTag | None, have: str | None, source: str) -> str:
    """One resolved catalog tag on one asset: "add", "resource" (it stays, but now comes from
    `source`) or "" (already right). `have` is the assignment's current source, None if absent."""
    if tag is None or have is None:
        return "add"
    return "resource" if have != source else ""


def removal_stop_reason(removals: int, current: int, *, threshold: float, minimum: int) -> str:
    """The mass-removal safety stop: why too many removals at once stop the pull ("" if they do not)."""
    if removals >= minimum and removals > threshold * current:
        return (
            f"The pull would remove {removals} of this integration's {current} tag "
            f"assignments (more than {threshold:.0%}), so it stopped before changing any tag. "
            "If the catalog really lost these tags, raise PLUMBLINE_TAG_REMOVAL_THRESHOLD; if the "
            "token lost access to assets, fix its persona and sync again."
        )
    return ""


def pull_plan(data: PullInput) -> PullPlan:
    """The whole integration's pull planned in memory from plain records (the rules' reference)."""
    plan = PullPlan(asset_datastore=data.asset_datastore, sources=data.sources)
    assignments = list(data.assignments)
    resolution = tags_resolve(
        (n for names in data.wanted.values() for n in names),
        data.catalog_tags,
        data.existing_tags,
        integration_id=data.integration_id,
        overwrite_tags=data.overwrite_tags,
    )
    mine, resolved = resolution.mine, resolution.resolved
    plan.create, plan.convert, plan.refresh = resolution.create, resolution.convert, resolution.refresh
    plan.skipped = resolution.skipped
    plan.current_assignments = sum(1 for a in assignments if a.tag_id in mine)
    _adds_plan(plan, data, resolved, assignments)
    _removals_plan(plan, data, mine, assignments)
    plan.stop_reason = removal_stop_reason(
        len(plan.remove),
        plan.current_assignments,
        threshold=data.threshold,
        minimum=data.min_removals_to_stop,
    )
    usage = Counter(a.tag_id for a in assignments)
    for _key, removed in plan.remove:
        usage[removed.id] -= 1
    added_ids = {tag.id for _, n in plan.add if (tag := resolved.get(n.casefold())) is not None}
    plan.delete = tags_orphaned(mine, usage, added_ids)
    return plan


def tags_orphaned(
    mine: Mapping[int, ExistingTag], left: Mapping[int, int], added: AbstractSet[int]
) -> list[ExistingTag]:
    """This integration's tags used nowhere once the pull is applied: `left` is how many
    assignments each keeps after the removals, `added` the tags that gain one."""
    return [t for t in mine.values() if left.get(t.id, 0) <= 0 and t.id not in added]


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
            change = assignment_change(
                tag, None if tag is None else have.get((key, tag.id)), sources.get(folded, "")
            )
            if change == "add":
                plan.add.append((key, data.catalog_tags[folded].name))
            elif change == "resource" and tag is not None:
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
