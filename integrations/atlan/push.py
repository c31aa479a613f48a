"""Push to Atlan: Plumbline's values to the "Plumbline" custom-metadata set, and announcements.

`push_plan` is pure: given what the catalog holds (from the search) and what Plumbline wants it
to hold (`integrations.sync.values`), it lists only the differing values and the announcement
changes, applying the rule that an announcement is touched only when it is still the one
Plumbline set. `push_apply` writes a plan in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.atlan.client import AtlanClient
from integrations.atlan.records import (
    AtlanAsset,
    AtlanCustomMetadataDef,
    AttributeSpec,
    CustomMetadataUpdate,
    option_true,
)
from integrations.http import CatalogAuthenticationError, CatalogError, CatalogRequestError
from integrations.sync.assets import AssetKey
from integrations.sync.context import RunContext
from integrations.sync.values import PUSHED_VALUES, value_normalise

CM_SET_NAME = "Plumbline"
MERGE_BATCH_SIZE = 20  # Atlan's own guidance for bulk saves
# (display name, kind, where the value comes from)
CM_ATTRIBUTES: tuple[tuple[str, str, str], ...] = tuple(
    (v.display_name, v.kind, v.source) for v in PUSHED_VALUES
)
CM_SPECS = tuple(AttributeSpec(v.display_name, v.kind) for v in PUSHED_VALUES)
_KINDS = {name: kind for name, kind, _ in CM_ATTRIBUTES}
ANNOUNCEMENT_TYPE = "warning"


def announcement_title(anomalies: int) -> str:
    return f"Plumbline: {anomalies} active anomal{'y' if anomalies == 1 else 'ies'}"


def announcement_message(anomalies: int, table: str, url: str) -> str:
    noun = "anomaly" if anomalies == 1 else "anomalies"
    return f"{anomalies} active {noun} on {table} in Plumbline. See them at {url}"


# --- Records and the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class CmLayout:
    """Where each attribute lives in the catalog: the set's hash and attribute hashes by name."""

    set_hash: str
    attr_hashes: Mapping[str, str]

    @classmethod
    def of(cls, definition: AtlanCustomMetadataDef) -> CmLayout:
        hashes = {}
        for name, _, _ in CM_ATTRIBUTES:
            attr = definition.attribute(name)
            if attr is not None:
                hashes[name] = attr.hash
        return cls(definition.hash, hashes)

    def search_attributes(self) -> list[str]:
        return [f"{self.set_hash}.{h}" for h in self.attr_hashes.values()]


@dataclass(frozen=True)
class PushTarget:
    key: AssetKey
    label: str
    datastore: str
    asset: AtlanAsset
    values: Mapping[str, Any]  # by attribute display name
    # Tables only: open anomalies, the link to them, and the announcement we last wrote (AssetLink).
    anomalies: int | None = None
    anomalies_url: str = ""
    stored_title: str = ""
    stored_message: str = ""


@dataclass(frozen=True)
class AnnouncementChange:
    target: PushTarget
    action: str  # "set" | "clear"
    title: str = ""
    message: str = ""


@dataclass
class PushPlan:
    updates: list[tuple[PushTarget, CustomMetadataUpdate, dict[str, Any], dict[str, Any]]] = field(
        default_factory=list
    )
    announcements: list[AnnouncementChange] = field(default_factory=list)
    left_alone: list[PushTarget] = field(default_factory=list)
    # (title, message) to remember on AssetLinks when nothing needs writing ("", "": forget).
    remember: dict[AssetKey, tuple[str, str]] = field(default_factory=dict)
    # Each table's warning as it stands when nothing changes: (state, note); changes add theirs when written.
    alert_states: dict[AssetKey, tuple[str, str]] = field(default_factory=dict)


def announcement_is_ours(asset: AtlanAsset, stored_title: str, stored_message: str, username: str) -> bool:
    """Plumbline's announcement: its updater is our token's user, or, where the catalog names no
    updater, it is exactly the title and message Plumbline last wrote there. Anything else is a
    person's."""
    title = asset.announcement_title or ""
    if not (asset.announcement_type or title):
        return False
    if asset.announcement_updated_by:
        return asset.announcement_updated_by == username
    written = (stored_title, stored_message)
    return bool(stored_title and stored_message) and (title, asset.announcement_message or "") == written


def push_plan(
    targets: Iterable[PushTarget], layout: CmLayout | None, *, username: str, announcements_on: bool
) -> PushPlan:
    """Only values that differ from the catalog's; announcements only where they are ours."""
    plan = PushPlan()
    for target in targets:
        current = target.asset.custom_metadata.get(layout.set_hash, {}) if layout else {}
        values: dict[str, Any] = {}
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, kind, _ in CM_ATTRIBUTES:
            wanted = value_normalise(kind, target.values.get(name))
            # Merging a null changes nothing in Atlan, so an empty value is simply not written.
            if wanted is None:
                continue
            attr_hash = layout.attr_hashes.get(name) if layout else None
            existing = value_normalise(kind, current.get(attr_hash)) if attr_hash else None
            if attr_hash is None or existing != wanted:
                values[attr_hash or name] = wanted
                before[name], after[name] = existing, wanted
        if values:
            update = CustomMetadataUpdate(
                type_name=target.asset.type_name,
                qualified_name=target.asset.qualified_name,
                name=target.asset.name,
                values={layout.set_hash if layout else CM_SET_NAME: values},
                guid=target.asset.guid or None,
            )
            plan.updates.append((target, update, before, after))
        if target.anomalies is not None:
            _announcement_plan(plan, target, username, announcements_on)
    return plan


def _announcement_plan(plan: PushPlan, target: PushTarget, username: str, announcements_on: bool) -> None:
    asset = target.asset
    present = bool(asset.announcement_type or asset.announcement_title)
    ours = announcement_is_ours(asset, target.stored_title, target.stored_message, username)
    n = target.anomalies or 0
    if announcements_on and n > 0:
        title = announcement_title(n)
        message = announcement_message(n, asset.name, target.anomalies_url)
        if not present or (
            ours
            and (asset.announcement_type, asset.announcement_title, asset.announcement_message)
            != (ANNOUNCEMENT_TYPE, title, message)
        ):
            plan.announcements.append(AnnouncementChange(target, "set", title, message))
        elif ours:
            plan.remember[target.key] = (title, message)
            plan.alert_states[target.key] = ("ours", title)
        else:
            plan.left_alone.append(target)
    elif present and ours:
        plan.announcements.append(AnnouncementChange(target, "clear"))
    elif target.stored_title and not ours:
        plan.remember[target.key] = ("", "")  # someone replaced or removed ours: forget it
    if present and not ours:
        who = asset.announcement_updated_by or "someone else"
        plan.alert_states[target.key] = ("person", f"“{asset.announcement_title or ''}” set by {who}")
    elif not present and not (announcements_on and n > 0):
        plan.alert_states[target.key] = ("none", "")


# --- Applying --------------------------------------------------------------------------------------


def cm_ensure(client: AtlanClient, ctx: RunContext, *, retried: bool = False) -> CmLayout | None:
    """The "Plumbline" set: created on first push, extended when attributes are missing, never doubled."""
    defs = [d for d in client.custom_metadata_typedefs() if not option_true(d.options.get("isArchived"))]
    existing = next((d for d in defs if d.display_name == CM_SET_NAME), None)
    existing = existing or next(
        (d for d in defs if d.display_name.casefold() == CM_SET_NAME.casefold()), None
    )
    missing = [s for s in CM_SPECS if existing is None or existing.attribute(s.display_name) is None]
    names = ", ".join(s.display_name for s in missing)
    if existing is None:
        if ctx.preview:
            ctx.log(f"Would create the custom-metadata set “{CM_SET_NAME}” with {names}.")
            ctx.change(datastore="", asset=CM_SET_NAME, kind="custom_metadata_set_created", after=names)
            return None
        try:
            created = client.custom_metadata_create(
                CM_SET_NAME, CM_SPECS, description="Data quality from Plumbline"
            )
        except CatalogRequestError as exc:
            # Another sync against the same tenant created it a moment ago (409): use that one.
            if exc.status != 409 or retried:
                raise
            return cm_ensure(client, ctx, retried=True)
        ctx.change(datastore="", asset=CM_SET_NAME, kind="custom_metadata_set_created", after=names)
        ctx.log(f"Created the custom-metadata set “{CM_SET_NAME}” in Atlan ({len(CM_SPECS)} attributes).")
        return CmLayout.of(created)
    if missing:
        ctx.change(datastore="", asset=CM_SET_NAME, kind="custom_metadata_set_extended", after=names)
        if ctx.preview:
            ctx.log(f"Would add {names} to the custom-metadata set “{CM_SET_NAME}”.")
            return CmLayout.of(existing)
        existing = client.custom_metadata_extend(existing, missing)
        ctx.log(f"Added {names} to the custom-metadata set “{CM_SET_NAME}”.")
    return CmLayout.of(existing)


@dataclass
class PushOutcome:
    """What a push leaves to remember on the asset links."""

    remember: dict[AssetKey, tuple[str, str]] = field(default_factory=dict)
    alert_states: dict[AssetKey, tuple[str, str]] = field(default_factory=dict)


def push_apply(plan: PushPlan, client: AtlanClient, ctx: RunContext, *, username: str) -> PushOutcome:
    """Write the plan (or, in a preview, only audit it). The audit says what was written: a refused
    batch is recorded as not applied."""
    for target in plan.left_alone:
        ctx.log(
            f"{target.label}: left the announcement “{target.asset.announcement_title}” alone "
            f"(set by {target.asset.announcement_updated_by or 'someone else'}, not by Plumbline).",
            datastore=target.datastore,
        )
    outcome = PushOutcome()
    if not ctx.preview:
        outcome.remember.update(plan.remember)
        outcome.alert_states.update(plan.alert_states)
    for start in range(0, len(plan.updates), MERGE_BATCH_SIZE):
        _merge_batch(plan.updates[start : start + MERGE_BATCH_SIZE], client, ctx)
    for change in plan.announcements:
        if _announcement_apply(change, client, ctx, username=username):
            outcome.remember[change.target.key] = (change.title, change.message)
            state = ("ours", change.title) if change.action == "set" else ("none", "")
            outcome.alert_states[change.target.key] = state
    return outcome


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


Update = tuple[PushTarget, CustomMetadataUpdate, dict[str, Any], dict[str, Any]]


def _merge_batch(batch: list[Update], client: AtlanClient, ctx: RunContext) -> None:
    written = not ctx.preview
    if written:
        try:
            client.custom_metadata_merge([u for _, u, _, _ in batch], batch_size=MERGE_BATCH_SIZE)
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            first = batch[0][0]
            ctx.error(
                f"Could not write custom metadata to {len(batch)} asset(s) starting with {first.label}: {exc}",
                datastore=first.datastore,
            )
            written = False
    for target, _, before, after in batch:
        if written:
            ctx.count(target.datastore, "assets_pushed")
        for name, value in after.items():
            ctx.change(
                datastore=target.datastore,
                asset=target.label,
                kind="custom_metadata_set",
                attribute=f"{CM_SET_NAME} › {name}",
                before=_cell(before.get(name)),
                after=_cell(value),
                catalog_ref=target.asset.qualified_name,
                applied=written,
            )


def _announcement_apply(
    change: AnnouncementChange, client: AtlanClient, ctx: RunContext, *, username: str
) -> bool:
    """Write one announcement change (unless previewing) and audit it; True when it was written."""
    target, asset = change.target, change.target.asset
    written = not ctx.preview
    if written:
        try:
            if change.action == "set":
                client.announcement_set(
                    asset.type_name,
                    asset.qualified_name,
                    asset.name,
                    announcement_type=ANNOUNCEMENT_TYPE,
                    title=change.title,
                    message=change.message,
                    updated_by=username,
                )
            else:
                client.announcement_clear(asset.type_name, asset.qualified_name, asset.name)
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            ctx.error(
                f"Could not update the announcement: {exc}", datastore=target.datastore, asset=target.label
            )
            written = False
    ctx.change(
        datastore=target.datastore,
        asset=target.label,
        kind="announcement_set" if change.action == "set" else "announcement_cleared",
        attribute="announcement",
        before=asset.announcement_title or "",
        after=change.title,
        catalog_ref=asset.qualified_name,
        applied=written,
    )
    if written:
        ctx.count(
            target.datastore, "announcements_set" if change.action == "set" else "announcements_cleared"
        )
    return written
