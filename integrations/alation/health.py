"""Data Health: one Alation Data Quality field per Plumbline check, one value per check on its
table or column (ALERT with the count of open anomalies, GOOD at zero, a link, the description).

`health_plan` is pure: from the checks, the matched objects and what Alation holds, it lists the
fields and values to write and the values to remove (checks gone from this datastore), so a sync
with nothing changed writes nothing. `health_apply` writes a plan; `health_retire` removes the
fields (and any values left) of checks that no longer exist or are no longer active.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from integrations.alation.client import AlationClient
from integrations.alation.matching import CatalogObject
from integrations.alation.records import OTYPE_COLUMN, DataQualityField, DataQualityValue, WriteResult
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


def dq_field_of(check: CheckPush) -> DataQualityField:
    description = check.description or f"The {check.rule_type} check in Plumbline."
    return DataQualityField(
        dq_key(check.id), f"{check.rule_type} (Plumbline #{check.id})", FIELD_TYPE, description
    )


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
) -> HealthPlan:
    """`objects`: the datastore's matched objects by casefolded key, with (label, datastore):
    Plumbline's values held on them for checks they no longer have are removed."""
    plan = HealthPlan()
    planned: set[str] = set()
    wanted: set[ValueKey] = set()
    for row in rows:
        definition = dq_field_of(row.check)
        held_field = fields_held.get(definition.key.casefold())
        if definition.key not in planned and (
            held_field is None
            or (held_field.name, held_field.description) != (definition.name, definition.description)
        ):
            plan.fields.append((definition, held_field))
        planned.add(definition.key)
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


def health_audit(plan: HealthPlan, ctx: RunContext, done: set[str] | None = None) -> None:
    """Audit the plan; `done` names the steps Alation took (fields, values, removals)."""
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
        ctx.change(
            datastore=row.datastore,
            asset=row.label,
            kind="data_health_set",
            attribute=dq_key(row.check.id),
            before=_said(held),
            after=_said(row.value()),
            catalog_ref=row.obj.key,
            applied="values" in ok,
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


def health_apply(plan: HealthPlan, client: AlationClient, ctx: RunContext, datastore: str) -> None:
    """Fields first (a value needs its field), then values, then removals; failures per asset."""
    if ctx.preview or not plan.writes:
        health_audit(plan, ctx)
        return
    done: set[str] = set()
    labels = {row.obj.key.casefold(): row.label for row, _ in plan.upserts}
    steps = (
        ("fields", lambda: client.dq_put_fields([d for d, _ in plan.fields]) if plan.fields else None),
        (
            "values",
            lambda: client.dq_put_values([r.value() for r, _ in plan.upserts]) if plan.upserts else None,
        ),
        (
            "removals",
            lambda: (
                client.dq_delete_values(
                    [(v.field_key, v.source_object_key or v.object_key) for v, _, _ in plan.removals]
                )
                if plan.removals
                else None
            ),
        ),
    )
    for what, step in steps:
        try:
            result = step()
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            ctx.error(f"Could not write the Data Health {what}: {exc}", datastore=datastore)
            if what == "fields":
                break  # values need their fields
            ctx.catalog_failed(exc, catalog="Alation")
            continue
        ctx.catalog_ok()
        done.add(what)
        if result is not None:
            _failures_log(result, labels, ctx, datastore)
    health_audit(plan, ctx, done)


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
