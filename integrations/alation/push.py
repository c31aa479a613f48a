"""Push to Alation: Plumbline's values as custom fields, and WARNING trust flags on tables.

`values_plan` and `flags_plan` are pure: given what Alation holds (custom field values read on
the listings, this user's own flags) and what Plumbline wants (`integrations.sync.values`), they
list only what differs, so a sync with nothing changed writes nothing. A flag is only ever
created, changed or deleted when its owner is the integration's own user. `values_apply` and
`flags_apply` write a plan (or, in a preview, only audit it) and report failures per asset.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.html import escape, strip_tags

from integrations.alation.client import AlationClient
from integrations.alation.matching import CatalogObject
from integrations.alation.records import CustomFieldSpec, CustomFieldValue, ObjectRef, TrustFlag
from integrations.alation.writes import ValuesPut
from integrations.http import CatalogAuthenticationError, CatalogError
from integrations.sync.assets import AssetKey
from integrations.sync.context import RunContext
from integrations.sync.values import PUSHED_VALUES, value_normalise

FIELD_PREFIX = "Plumbline "
FIELD_SPECS: tuple[CustomFieldSpec, ...] = tuple(
    CustomFieldSpec(
        f"{FIELD_PREFIX}{v.display_name}", "RICH_TEXT", tooltip_text=f"{v.display_name}, from Plumbline"
    )
    for v in PUSHED_VALUES
)
FIELD_KINDS = {f"{FIELD_PREFIX}{v.display_name}": v.kind for v in PUSHED_VALUES}
# (Plumbline's display name, our field's name, kind), looked up once rather than per value.
_FIELDS = tuple((v.display_name, f"{FIELD_PREFIX}{v.display_name}", v.kind) for v in PUSHED_VALUES)
# The catalog pages Plumbline writes values on; a field shows there once it is on their template.
TEMPLATES = ("Schema", "Table", "Column")
VALUES_PER_PUT = 10_000  # Alation's documented maximum per request
FLAG_TYPE = "WARNING"


def field_name(display_name: str) -> str:
    return f"{FIELD_PREFIX}{display_name}"


def text_of(raw: Any) -> str:
    """A rich-text value as plain text: tags stripped, entities decoded, spaces collapsed."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = ", ".join(str(v) for v in raw) if isinstance(raw, (list, tuple)) else str(raw)
    if "<" not in raw and "&" not in raw:
        return " ".join(raw.split())
    return " ".join(html.unescape(strip_tags(raw)).split())


def value_text(kind: str, value: Any) -> str | None:
    """What Plumbline writes for a value (None: empty). Alation has no number type: text it is."""
    normal = value_normalise(kind, value)
    if normal is None:
        return None
    return f"{normal:g}" if isinstance(normal, float) else str(normal)


def value_read(kind: str, raw: Any) -> str | None:
    """What Alation holds, in the same form as `value_text`, so the two compare."""
    text = text_of(raw)
    return value_text(kind, text) if text else None


# --- Records and plans ------------------------------------------------------------------------


@dataclass(frozen=True)
class PushTarget:
    key: AssetKey
    label: str
    datastore: str
    obj: CatalogObject
    values: Mapping[str, Any]  # Plumbline's, by display name
    # Tables only: open anomalies and the link to them (for the trust flag).
    anomalies: int | None = None
    anomalies_url: str = ""


@dataclass(frozen=True)
class ValueChange:
    target: PushTarget
    field: str
    field_id: int | None  # None in a preview before the field exists
    before: str | None
    after: str


@dataclass(frozen=True)
class FlagChange:
    target: PushTarget
    action: Literal["create", "update", "delete"]
    flag: TrustFlag | None = None
    reason: str = ""


@dataclass
class FlagPlan:
    changes: list[FlagChange] = field(default_factory=list)
    # The reason (as text) each table's flag carries when nothing needs writing.
    kept: dict[AssetKey, str] = field(default_factory=dict)


def values_plan(targets: Iterable[PushTarget], field_ids: Mapping[str, int]) -> list[ValueChange]:
    """Every custom field value that differs from what Alation holds; an empty one is cleared."""
    changes = []
    fields = [(display_name, name, kind, field_ids.get(name)) for display_name, name, kind in _FIELDS]
    for target in targets:
        held, wanted = target.obj.custom_fields, target.values
        for display_name, name, kind, field_id in fields:
            if display_name not in wanted:
                continue
            value, raw = wanted[display_name], held.get(field_id) if field_id else None
            if value is None and raw in (None, ""):
                continue  # empty on both sides: most of a column's scores
            before = value_read(kind, raw) if field_id else None
            after = value_text(kind, value)
            if after != before and not (after is None and field_id is None):
                changes.append(ValueChange(target, name, field_id, before, after or ""))
    return changes


def flag_reason(anomalies: int, table: str, url: str) -> str:
    noun = "anomaly" if anomalies == 1 else "anomalies"
    return (
        f"Plumbline: {anomalies} active {noun} on {escape(table)}. "
        f'<a href="{escape(url)}">Open in Plumbline</a>'
    )


def flag_signature(reason: str) -> tuple[str, tuple[str, ...]]:
    """What a reason says, however Alation re-serialises it: its text and its links."""
    links = tuple(sorted(html.unescape(h) for h in re.findall(r'href="([^"]*)"', reason)))
    return text_of(reason), links


def flags_plan(
    targets: Iterable[PushTarget], own: Mapping[ObjectRef, Sequence[TrustFlag]], *, flags_on: bool
) -> FlagPlan:
    """A WARNING on each table with open anomalies, its reason following the count; none at zero.

    `own` holds only this user's WARNING flags: nobody else's flag can reach a change."""
    plan = FlagPlan()
    for target in targets:
        if target.anomalies is None:
            continue
        flags = list(own.get(target.obj.ref, ()))
        n = target.anomalies
        if not (flags_on and n > 0):
            plan.changes.extend(FlagChange(target, "delete", flag) for flag in flags)
            continue
        reason = flag_reason(n, target.obj.name, target.anomalies_url)
        if not flags:
            plan.changes.append(FlagChange(target, "create", reason=reason))
            continue
        first, extra = flags[0], flags[1:]
        if flag_signature(first.reason) != flag_signature(reason):
            plan.changes.append(FlagChange(target, "update", first, reason))
        else:
            plan.kept[target.key] = text_of(reason)
        # A create retried after a lost answer can leave two of ours: one is enough.
        plan.changes.extend(FlagChange(target, "delete", flag) for flag in extra)
    return plan


# --- Applying ---------------------------------------------------------------------------------


def values_apply(changes: Sequence[ValueChange], client: AlationClient, ctx: RunContext) -> int:
    """Write the changed values in requests of at most 10,000; returns the assets written. The
    audit says what Alation took: values it refused are recorded as not applied."""
    return values_follow(values_send(changes, client, ctx), ctx)


@dataclass
class ValuesSent:
    """A push's value writes, sent: their jobs run in Alation while the push sends the rest."""

    changes: Sequence[ValueChange]
    by_ref: dict[ObjectRef, PushTarget]
    failed: set[ObjectRef]
    puts: list[tuple[list[ObjectRef], ValuesPut]] = field(default_factory=list)  # (assets, writes)


def values_send(changes: Sequence[ValueChange], client: AlationClient, ctx: RunContext) -> ValuesSent:
    """Send the changed values in requests of at most 10,000, without waiting for their jobs."""
    by_ref = {c.target.obj.ref: c.target for c in changes}
    sent = ValuesSent(changes, by_ref, set(by_ref) if ctx.preview else set())
    writes = [
        CustomFieldValue(c.field_id, c.target.obj.otype, c.target.obj.id, c.after)
        for c in changes
        if c.field_id is not None
    ]
    for start in range(0 if not ctx.preview else len(writes), len(writes), VALUES_PER_PUT):
        ctx.checkpoint(force=False)  # a cancel, the deadline or a failed mark stop between requests
        batch = writes[start : start + VALUES_PER_PUT]
        refs = list(dict.fromkeys(v.ref for v in batch))
        try:
            sent.puts.append((refs, client.put_custom_field_values_send(batch)))
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            _values_failed(sent, refs, exc, ctx)
    return sent


def _values_failed(sent: ValuesSent, refs: list[ObjectRef], exc: CatalogError, ctx: RunContext) -> None:
    first = sent.by_ref[refs[0]]
    ctx.error(
        f"Could not write custom field values to {len(refs)} asset(s) starting with {first.label}: {exc}",
        datastore=first.datastore,
    )
    sent.failed.update(refs)
    ctx.catalog_failed(exc, catalog="Alation")


def values_follow(sent: ValuesSent, ctx: RunContext) -> int:
    """Follow the sent values' jobs to their end, then audit them; returns the assets written."""
    changes, by_ref, failed = sent.changes, sent.by_ref, sent.failed
    for refs, put in sent.puts:
        try:
            result = put.follow()
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            _values_failed(sent, refs, exc, ctx)
            continue
        ctx.catalog_ok()
        failed |= _failures_report(result.failures, result.failure_count, by_ref, ctx)
    sent.puts = []
    for change in changes:
        target = change.target
        ctx.change(
            datastore=target.datastore,
            asset=target.label,
            kind="custom_field_set",
            attribute=change.field,
            before=change.before or "",
            after=change.after,
            catalog_ref=target.obj.key,
            applied=change.field_id is not None and target.obj.ref not in failed,
        )
    written = {ref for ref in by_ref if ref not in failed}
    for ref in written:
        ctx.count(by_ref[ref].datastore, "assets_pushed")
    return len(written)


def _failures_report(
    failures: Iterable[Any], count: int, by_ref: Mapping[ObjectRef, PushTarget], ctx: RunContext
) -> set[ObjectRef]:
    named: set[ObjectRef] = set()
    for failure in failures:
        if failure.otype is None or failure.oid is None:
            continue
        ref = ObjectRef.of(failure.otype, failure.oid)
        target = by_ref.get(ref)
        if target is not None and ref not in named:
            named.add(ref)
            ctx.error(
                f"Alation did not take its custom field values: {failure.reason}",
                datastore=target.datastore,
                asset=target.label,
            )
    if count > len(named):
        ctx.error(f"Alation reported {count - len(named)} more custom field value(s) it did not take.")
    return named


def flags_apply(plan: FlagPlan, client: AlationClient, ctx: RunContext) -> dict[AssetKey, str]:
    """Create, re-word or delete our flags; returns the reason (as text) to remember per table."""
    titles = {} if ctx.preview else dict(plan.kept)
    for change in plan.changes:
        written = not ctx.preview and _flag_write(change, client, ctx)
        target, flag = change.target, change.flag
        kind = {"create": "trust_flag_set", "update": "trust_flag_updated", "delete": "trust_flag_removed"}
        ctx.change(
            datastore=target.datastore,
            asset=target.label,
            kind=kind[change.action],
            attribute=FLAG_TYPE,
            before=text_of(flag.reason) if flag else "",
            after=text_of(change.reason),
            catalog_ref=target.obj.key,
            applied=written,
        )
        if not written:
            continue
        if change.action == "delete":
            titles.setdefault(target.key, "")
            ctx.count(target.datastore, "announcements_cleared")
        else:
            titles[target.key] = text_of(change.reason)
            ctx.count(target.datastore, "announcements_set")
    return titles


def _flag_write(change: FlagChange, client: AlationClient, ctx: RunContext) -> bool:
    ctx.checkpoint(force=False)
    target, flag = change.target, change.flag
    try:
        if change.action == "create":
            client.flag_create_warning(target.obj.otype, target.obj.id, change.reason)
        elif change.action == "update" and flag is not None:
            client.flag_update_reason(flag.id, change.reason)
        elif flag is not None:
            client.flag_delete(flag.id)
    except CatalogAuthenticationError:
        raise
    except CatalogError as exc:
        ctx.error(f"Could not change the trust flag: {exc}", datastore=target.datastore, asset=target.label)
        ctx.catalog_failed(exc, catalog="Alation")
        return False
    ctx.catalog_ok()
    return True
