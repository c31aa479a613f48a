"""The push plans: custom field values, trust flags and Data Health rows. Pure, no HTTP."""

from __future__ import annotations

from integrations.alation.health import HealthRow, dq_key, health_plan, health_rows
from integrations.alation.matching import CatalogObject
from integrations.alation.push import (
    PushTarget,
    field_name,
    flag_reason,
    flag_signature,
    flags_plan,
    value_text,
    values_plan,
)
from integrations.alation.records import DataQualityField, DataQualityValue, ObjectRef, TrustFlag
from integrations.sync.values import CheckPush

ME = 7
FIELD_IDS = {field_name("Quality Score Total"): 11, field_name("Anomaly Count"): 12, field_name("URL"): 13}


def table(custom=None, oid=100, name="ORDERS") -> CatalogObject:
    return CatalogObject("table", oid, name, f"1.SALES.PUBLIC.{name}", custom or {})


def target(obj: CatalogObject, values=None, anomalies=None) -> PushTarget:
    values = (
        values
        if values is not None
        else {"Quality Score Total": 82.5, "Anomaly Count": 2, "URL": "http://p/c/1/"}
    )
    return PushTarget(
        ("container", 1), "Sales / ORDERS", "Sales", obj, values, anomalies, "http://p/c/1/#anomalies"
    )


def test_only_values_that_differ_are_written_comparing_numbers_as_numbers():
    held = {11: "<p>82.50</p>", 12: "3", 13: "http://p/c/1/"}
    changes = values_plan([target(table(held))], FIELD_IDS)
    assert [(c.field, c.before, c.after) for c in changes] == [(field_name("Anomaly Count"), "3", "2")]


def test_an_empty_value_clears_what_alation_holds_and_nothing_is_written_when_both_are_empty():
    changes = values_plan(
        [target(table({11: "90"}), {"Quality Score Total": None, "Anomaly Count": None})], FIELD_IDS
    )
    assert [(c.field, c.before, c.after) for c in changes] == [(field_name("Quality Score Total"), "90", "")]


def test_before_the_fields_exist_every_value_is_planned_for_the_preview():
    changes = values_plan([target(table())], {})
    assert {c.field for c in changes} == set(FIELD_IDS) and all(c.field_id is None for c in changes)
    assert value_text("float", 90.0) == "90" and value_text("float", 82.456) == "82.46"


def flag(fid: int, reason: str, user: int = ME, oid: int = 100) -> TrustFlag:
    return TrustFlag(fid, "WARNING", reason, "table", oid, user_id=user)


def test_a_table_with_open_anomalies_gets_a_warning_and_one_without_loses_ours():
    busy, quiet = table(), table(oid=101, name="PAYMENTS")
    plan = flags_plan(
        [target(busy, anomalies=2), target(quiet, anomalies=0)], {quiet.ref: [flag(1, "old")]}, flags_on=True
    )
    assert [(c.action, c.target.obj.name) for c in plan.changes] == [
        ("create", "ORDERS"),
        ("delete", "PAYMENTS"),
    ]
    assert "2 active anomalies on ORDERS" in plan.changes[0].reason
    assert 'href="http://p/c/1/#anomalies"' in plan.changes[0].reason


def test_the_reason_follows_the_count_and_an_unchanged_one_is_left_as_alation_wrapped_it():
    obj = table()
    same = flag(1, f"<p>{flag_reason(2, 'ORDERS', 'http://p/c/1/#anomalies')}</p>")
    assert flags_plan([target(obj, anomalies=2)], {obj.ref: [same]}, flags_on=True).changes == []
    plan = flags_plan([target(obj, anomalies=3)], {obj.ref: [same]}, flags_on=True)
    assert [(c.action, c.flag.id) for c in plan.changes] == [("update", 1)]


def test_a_duplicate_of_ours_is_removed_and_flags_off_removes_all_of_ours():
    obj = table()
    reason = flag_reason(2, "ORDERS", "http://p/c/1/#anomalies")
    plan = flags_plan(
        [target(obj, anomalies=2)], {obj.ref: [flag(1, reason), flag(2, reason)]}, flags_on=True
    )
    assert [(c.action, c.flag.id) for c in plan.changes] == [("delete", 2)]
    plan = flags_plan([target(obj, anomalies=2)], {obj.ref: [flag(1, reason)]}, flags_on=False)
    assert [c.action for c in plan.changes] == ["delete"]


def test_a_table_name_with_markup_is_escaped_in_the_reason():
    reason = flag_reason(1, "<b>x</b>", 'http://p/"evil"')
    assert "<b>" not in reason and "&lt;b&gt;" in reason and '"evil"' not in reason
    assert flag_signature(f"<p>{reason}</p>") == flag_signature(reason)


def check(cid=5, fields=(), anomalies=0) -> CheckPush:
    return CheckPush(cid, 1, tuple(fields), "notNull", "never null", anomalies, f"http://p/c/1/#check-{cid}")


def test_a_check_on_one_field_goes_on_its_column_and_others_on_the_table():
    column = CatalogObject("attribute", 100, "ORDER_ID", "1.SALES.PUBLIC.ORDERS.ORDER_ID")
    matched = {("container", 1): table(), ("field", 9): column}
    rows = health_rows([check(5, [9]), check(6, [9, 10]), check(7, [42])], matched, {}, "Sales")
    assert [(r.check.id, r.obj.otype) for r in rows] == [(5, "attribute"), (6, "table"), (7, "table")]
    value = rows[0].value()
    assert (value.object_type, value.value_quality, value.value) == ("ATTRIBUTE", "GOOD", 0)


def held_value(cid: int, key: str, quality="ALERT", value=2) -> DataQualityValue:
    return DataQualityValue(dq_key(cid), key, "TABLE", value, quality, url=f"http://p/c/1/#check-{cid}")


def test_health_plan_writes_only_what_differs_and_removes_values_of_checks_gone_from_the_table():
    obj = table()
    rows = [HealthRow(check(5, anomalies=2), ("container", 1), "Sales / ORDERS", "Sales", obj)]
    field = DataQualityField(dq_key(5), "notNull (Plumbline #5)", "NUMERIC", "never null")
    held = {
        (dq_key(5), obj.key.casefold()): held_value(5, obj.key, value="2"),
        (dq_key(6), obj.key.casefold()): held_value(6, obj.key),
        (dq_key(7), "9.elsewhere.t"): held_value(7, "9.elsewhere.t"),
    }
    plan = health_plan(rows, {dq_key(5): field}, held, {obj.key.casefold(): ("Sales / ORDERS", "Sales")})
    assert plan.fields == [] and plan.upserts == []
    assert [v.field_key for v, _, _ in plan.removals] == [dq_key(6)]  # not the value on another table
    changed = [HealthRow(check(5, anomalies=0), ("container", 1), "Sales / ORDERS", "Sales", obj)]
    plan = health_plan(changed, {}, held, {})
    assert [d.key for d, _ in plan.fields] == [dq_key(5)]
    assert [(r.value().value_quality, before.value) for r, before in plan.upserts] == [("GOOD", "2")]


def test_object_refs_normalise_string_ids():
    assert ObjectRef.of("TABLE", "100") == table().ref
