"""Data Health: one Alation Data Quality field per Plumbline check, one value per check on its
table or column (ALERT with the count of open anomalies, GOOD at zero, a link, the description).

`health_plan` is pure: from the checks, the matched objects and what Alation holds, it lists the
fields and values to write and the values to remove (checks gone from this datastore), so a sync
with nothing changed writes nothing. `health_apply` writes a plan; `health_retire` removes the
fields (and any values left) of checks that no longer exist or are no longer active.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from integrations.alation.client import AlationClient
from integrations.alation.matching import CatalogObject
from integrations.alation.records import OTYPE_COLUMN, DataQualityField, DataQualityValue, WriteResult
from integrations.alation.writes import DqSent
from integrations.http import CatalogAuthenticationError, CatalogError
from integrations.sync.assets import AssetKey
from integrations.sync.context import RunContext
from integrations.sync.values import CheckPush

KEY_PREFIX = "plumbline.check."
FIELD_TYPE = "NUMERIC"
ValueKey = tuple[str, str]  # (field key, object key casefolded)


def dq_key(check_id: int) -> str:
    return f"{KEY_PREFIX}{check_id}"


def check_id_of(key: str) -> int | None:
    rest = key[len(KEY_PREFIX) :] if key.casefold().startswith(KEY_PREFIX) else ""
    return int(rest) if rest.isdigit() else None


def dq_field_of(check_id: int, rule_type: str, description: str) -> DataQualityField:
    text = description or f"The {rule_type} check in Plumbline."
    return DataQualityField(dq_key(check_id), f"{rule_type} (Plumbline #{check_id})", FIELD_TYPE, text)


def value_key(value: DataQualityValue) -> ValueKey:
    """Where a value was written (a read may show it propagated onto the table too)."""
    return value.field_key.casefold(), (value.source_object_key or value.object_key).casefold()


@dataclass(frozen=True)
class HealthRow:
    """One check's value as Plumbline wants it, on a matched table or column."""

    check: CheckPush
    key: AssetKey
    label: str
    datastore: str
    obj: CatalogObject

    def value(self) -> DataQualityValue:
        n = self.check.anomalies
        return DataQualityValue(
            field_key=dq_key(self.check.id),
            object_key=self.obj.key,
            object_type="ATTRIBUTE" if self.obj.otype == OTYPE_COLUMN else "TABLE",
            value=n,
            value_quality="ALERT" if n > 0 else "GOOD",
            url=self.check.url,
        )


def health_rows(
    checks: Iterable[CheckPush],
    matched: Mapping[AssetKey, CatalogObject],
    labels: Mapping[AssetKey, str],
    datastore: str,
) -> list[HealthRow]:
    """A check on one field goes on that column; any other check (or an unmatched column) on its table."""
    rows = []
    for check in checks:
        keys: list[AssetKey] = [("container", check.container_id)]
        if len(check.field_ids) == 1:
            keys.insert(0, ("field", check.field_ids[0]))
        key = next((k for k in keys if k in matched), None)
        if key is not None:
            rows.append(HealthRow(check, key, labels.get(key, str(key)), datastore, matched[key]))
    return rows


@dataclass
class HealthPlan:
    fields: list[tuple[DataQualityField, DataQualityField | None]] = field(default_factory=list)
    upserts: list[tuple[HealthRow, DataQualityValue | None]] = field(default_factory=list)
    removals: list[tuple[DataQualityValue, str, str]] = field(default_factory=list)  # value, label, datastore

    @property
    def writes(self) -> int:
        return len(self.fields) + len(self.upserts) + len(self.removals)


def _same(held: DataQualityValue, wanted: DataQualityValue) -> bool:
    try:
        same_value = float(held.value) == float(wanted.value)
    except (TypeError, ValueError):
        same_value = False
    return (
        same_value
        and str(held.value_quality).upper() == wanted.value_quality
        and (held.url or "") == (wanted.url or "")
    )


def health_plan(
    rows: Sequence[HealthRow],
    fields_held: Mapping[str, DataQualityField],
    values_held: Mapping[ValueKey, DataQualityValue],
    objects: Mapping[str, tuple[str, str]],
    *,
    fields_wanted: Iterable[DataQualityField] = (),
    fields_planned: Collection[str] = (),
) -> HealthPlan:
    """`objects`: the datastore's matched objects by casefolded key, with (label, datastore):
    Plumbline's values held on them for checks they no longer have are removed.

    `fields_wanted`: fields to plan beside the rows' own (a datastore's checks, all at once);
    `fields_planned`: casefolded keys an earlier plan of this run already writes."""
    plan = HealthPlan()
    seen = set(fields_planned)
    for definition in itertools.chain(
        fields_wanted, (dq_field_of(r.check.id, r.check.rule_type, r.check.description) for r in rows)
    ):
        field_key = definition.key.casefold()
        if field_key in seen:
            continue
        seen.add(field_key)
        held_field = fields_held.get(field_key)
        if held_field is None or (held_field.name, held_field.description) != (
            definition.name,
            definition.description,
        ):
            plan.fields.append((definition, held_field))
    wanted: set[ValueKey] = set()
    for row in rows:
        value = row.value()
        key = value_key(value)
        wanted.add(key)
        held = values_held.get(key)
        if held is None or not _same(held, value):
            plan.upserts.append((row, held))
    for key, held in values_held.items():
        if key[1] in objects and key not in wanted:
            label, datastore = objects[key[1]]
            plan.removals.append((held, label, datastore))
    return plan


def _said(value: DataQualityValue | None) -> str:
    return "" if value is None else f"{str(value.value_quality).upper()} {value.value}"


def health_audit(
    plan: HealthPlan, ctx: RunContext, done: set[str] | None = None, blocked: Collection[str] = ()
) -> None:
    """Audit the plan; `done` names the steps Alation took (fields, values, removals);
    `blocked`: casefolded keys of fields that could not be written, whose values were not sent."""
    ok = done if done is not None else set()
    for definition, held_field in plan.fields:
        ctx.change(
            datastore="",
            asset=definition.key,
            kind="data_health_field_set",
            attribute="name",
            before=held_field.name if held_field else "",
            after=definition.name,
            applied="fields" in ok,
        )
    for row, held in plan.upserts:
        key = dq_key(row.check.id)
        ctx.change(
            datastore=row.datastore,
            asset=row.label,
            kind="data_health_set",
            attribute=key,
            before=_said(held),
            after=_said(row.value()),
            catalog_ref=row.obj.key,
            applied="values" in ok and key.casefold() not in blocked,
        )
    for held, label, datastore in plan.removals:
        ctx.change(
            datastore=datastore,
            asset=label,
            kind="data_health_removed",
            attribute=held.field_key,
            before=_said(held),
            catalog_ref=held.source_object_key or held.object_key,
            applied="removals" in ok,
        )


@dataclass
class HealthSent:
    """A plan's writes, sent: the fields are written (values need them), the values' and
    removals' jobs run in Alation until `health_follow`."""

    plan: HealthPlan
    datastore: str
    done: set[str] = field(default_factory=set)
    pending: list[tuple[str, DqSent]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # field keys that failed: their values not sent

    @property
    def job_ids(self) -> list[int]:
        return [job_id for _, sent in self.pending for job_id in sent.job_ids]


def health_apply(plan: HealthPlan, client: AlationClient, ctx: RunContext, datastore: str) -> None:
    """Fields first (a value needs its field), then values, then removals; failures per asset."""
    health_follow(health_send(plan, client, ctx, datastore, set()), ctx)


def health_send(
    plan: HealthPlan, client: AlationClient, ctx: RunContext, datastore: str, fields_failed: set[str]
) -> HealthSent:
    """Write the fields and send the values and removals. `fields_failed` holds the keys of this
    run's fields Alation did not take: their values are not sent (a field failing here joins it)."""
    sent = HealthSent(plan, datastore)
    if ctx.preview or not plan.writes:
        return sent
    if plan.fields:
        try:
            client.dq_put_fields([d for d, _ in plan.fields])
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            ctx.error(f"Could not write the Data Health fields: {exc}", datastore=datastore)
            fields_failed.update(d.key.casefold() for d, _ in plan.fields)
            return sent  # values need their fields
        ctx.catalog_ok()
        sent.done.add("fields")
    upserts = [r.value() for r, _ in plan.upserts]
    values = [v for v in upserts if v.field_key.casefold() not in fields_failed]
    sent.blocked = {v.field_key.casefold() for v in upserts} & fields_failed
    steps = (
        ("values", lambda: client.dq_put_values_send(values) if values else None),
        (
            "removals",
            lambda: (
                client.dq_delete_values_send(
                    [(v.field_key, v.source_object_key or v.object_key) for v, _, _ in plan.removals]
                )
                if plan.removals
                else None
            ),
        ),
    )
    for what, step in steps:
        try:
            job = step()
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            ctx.error(f"Could not write the Data Health {what}: {exc}", datastore=datastore)
            ctx.catalog_failed(exc, catalog="Alation")
            continue
        if job is None:
            sent.done.add(what)
        else:
            sent.pending.append((what, job))
    return sent


def health_follow(sent: HealthSent, ctx: RunContext) -> None:
    """Follow the sent values' and removals' jobs to their end, then audit the plan."""
    labels = {row.obj.key.casefold(): row.label for row, _ in sent.plan.upserts}
    for what, job in sent.pending:
        try:
            result = job.follow()
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            ctx.error(f"Could not write the Data Health {what}: {exc}", datastore=sent.datastore)
            ctx.catalog_failed(exc, catalog="Alation")
            continue
        ctx.catalog_ok()
        sent.done.add(what)
        _failures_log(result, labels, ctx, sent.datastore)
    sent.pending = []
    health_audit(sent.plan, ctx, sent.done, sent.blocked)


def _failures_log(result: WriteResult, labels: Mapping[str, str], ctx: RunContext, datastore: str) -> None:
    named = 0
    for failure in result.failures:
        key = (failure.object_key or "").casefold()
        if key in labels:
            named += 1
            ctx.error(
                f"Alation could not place its Data Health value: {failure.reason}",
                datastore=datastore,
                asset=labels[key],
            )
    if result.failure_count > named:
        ctx.error(
            f"Alation could not place {result.failure_count - named} Data Health value(s).",
            datastore=datastore,
        )


def health_retire(
    fields_held: Mapping[str, DataQualityField],
    values_held: Iterable[DataQualityValue],
    active: set[int],
    client: AlationClient,
    ctx: RunContext,
) -> int:
    """Remove the values, then the fields, of checks that are gone or no longer active."""
    dead = {k for k, f in fields_held.items() if check_id_of(f.key) not in active}
    if not dead:
        return 0
    leftovers = [v for v in values_held if v.field_key.casefold() in dead]
    for key in sorted(dead):
        ctx.change(
            datastore="",
            asset=fields_held[key].key,
            kind="data_health_field_removed",
            attribute="name",
            before=fields_held[key].name,
        )
    if ctx.preview:
        return len(dead)
    try:
        if leftovers:
            client.dq_delete_values([(v.field_key, v.source_object_key or v.object_key) for v in leftovers])
        client.dq_delete_fields([fields_held[k].key for k in sorted(dead)])
    except CatalogAuthenticationError:
        raise
    except CatalogError as exc:
        ctx.error(f"Could not remove the Data Health fields of {len(dead)} deleted check(s): {exc}")
        return 0
    return len(dead)
