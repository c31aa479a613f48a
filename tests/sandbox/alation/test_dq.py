"""The Data Quality API: fields and values upserted through 202 + job, failure_count for keys
that do not resolve, deletes with not_found, reads (with propagation and hide_related) and the
{Entry, Message} error dialect."""

from __future__ import annotations

from .conftest import ORDERS, SALES_ONLY_REFRESH

DQ = "/integration/v1/data_quality/"
FIELD = {
    "field_key": "plumbline.check.7",
    "name": "orders-id-not-null",
    "type": "NUMERIC",
    "description": "ORDER_ID is never null",
}


def _value(key: str, *, object_type: str = "TABLE", status: str = "ALERT", value: object = 2) -> dict:
    return {
        "field_key": "plumbline.check.7",
        "object_key": key,
        "object_type": object_type,
        "status": status,
        "value": value,
        "url": "http://127.0.0.1:8000/containers/1",
    }


def test_fields_post_answers_202_with_a_job_href_and_the_fixture_result(api):
    accepted = api.post(DQ, {"fields": [FIELD]})
    assert accepted.status_code == 202
    job_id = accepted.json()["job_id"]
    assert accepted.json() == {"job_id": job_id, "href": f"/api/v1/bulk_metadata/job/?id={job_id}"}
    result = api.job(accepted)["result"]
    assert list(result) == ["fields", "values", "created_object_attribution", "flag_counts", "total_duration"]
    assert result["fields"]["created"] == {"count": 1, "sample": [{"field_key": "plumbline.check.7"}]}
    assert api.job(api.post(DQ, {"fields": [FIELD]}))["result"]["fields"]["updated"]["count"] == 1
    fields = api.get(f"{DQ}fields/", key="PLUMBLINE.CHECK.7").json()
    assert (
        list(fields[0]) == ["key", "name", "description", "type", "ts_created"]
        and fields[0]["type"] == "NUMERIC"
    )
    assert api.get(f"{DQ}fields/", key="bigeye.sales.orders.freshness").json()[0]["type"] == "VARCHAR"


def test_values_upsert_by_field_and_object_and_keys_ignore_case(api, alation_sandbox):
    api.job(api.post(DQ, {"fields": [FIELD]}))
    first = api.job(api.post(DQ, {"values": [_value("1.sales.public.orders")]}))["result"]
    assert first["values"]["created"] == {
        "count": 1,
        "sample": [{"field_key": "plumbline.check.7", "object_key": "1.sales.public.orders"}],
    }
    assert first["flag_counts"] == {"GOOD": 0, "WARNING": 0, "ALERT": 1}
    second = api.job(api.post(DQ, {"values": [_value(ORDERS, status="GOOD", value=0)]}))["result"]
    assert (second["values"]["created"]["count"], second["values"]["updated"]["count"]) == (0, 1)
    rows = alation_sandbox.store.dq_rows(ORDERS, hide_related=True)
    mine = [r for r in rows if r["field_key"] == "plumbline.check.7"]
    assert [(r["value_quality"], r["value_value"]) for r in mine] == [("GOOD", 0)]


def test_an_object_key_that_does_not_resolve_fails_that_value_only(api):
    api.job(api.post(DQ, {"fields": [FIELD]}))
    body = {
        "values": [_value("1.public.parts.banana"), _value(ORDERS), _value(ORDERS, object_type="ATTRIBUTE")]
    }
    job = api.job(api.post(DQ, body))
    assert job["status"] == "successful"
    attribution = job["result"]["created_object_attribution"]
    assert attribution["failure_count"] == 2 and attribution["success_count"] == 0
    assert attribution["failure_sample"][0] == {
        "field_key": "plumbline.check.7",
        "object_key": "1.public.parts.banana",
    }
    assert job["result"]["values"]["created"]["count"] == 1


def test_values_read_back_with_column_values_shown_on_their_table(api):
    api.job(api.post(DQ, {"fields": [FIELD]}))
    api.job(api.post(DQ, {"values": [_value(f"{ORDERS}.ORDER_ID", object_type="ATTRIBUTE")]}))
    rows = api.get(f"{DQ}values/", field_key="plumbline.check.7").json()
    assert {(r["otype"], r["source_otype"]) for r in rows} == {
        ("attribute", "attribute"),
        ("table", "attribute"),
    }
    on_table = [r for r in rows if r["otype"] == "table"][0]
    assert on_table["object_key"] == "1.sales.public.orders" and on_table["source_object_name"] == "ORDER_ID"
    assert on_table["value_external_url"] == "http://127.0.0.1:8000/containers/1"
    hidden = api.get(f"{DQ}values/", field_key="plumbline.check.7", hide_related="true").json()
    assert [r["otype"] for r in hidden] == ["attribute"]
    assert list(rows[0]) == list(api.get(f"{DQ}values/", field_key="bigeye.sales.orders.freshness").json()[0])


def test_deletes_report_deleted_and_not_found_and_fields_take_their_values(api, alation_sandbox):
    api.job(api.post(DQ, {"fields": [FIELD]}))
    api.job(api.post(DQ, {"values": [_value(ORDERS)]}))
    body = {
        "values": [
            {"field_key": "plumbline.check.7", "object_key": ORDERS},
            {"field_key": "plumbline.check.7", "object_key": "1.x.y"},
        ]
    }
    accepted = api.delete(DQ, body)
    assert accepted.status_code == 202
    result = api.job(accepted)["result"]
    assert (result["values"]["deleted"]["count"], result["values"]["not_found"]["count"]) == (1, 1)
    assert list(result) == ["fields", "values", "total_duration"]
    api.job(api.post(DQ, {"values": [_value(ORDERS)]}))
    api.job(api.delete(DQ, {"fields": [{"field_key": "plumbline.check.7"}]}))
    assert not [r for r in alation_sandbox.store.dq_rows(ORDERS) if r["field_key"] == "plumbline.check.7"]


def test_bad_bodies_answer_in_the_entry_message_dialect(api, alation_sandbox):
    assert api.delete(DQ, {}).json() == {
        "Entry": -1,
        "Message": 'A "values" or "fields" property must be specified',
    }
    assert api.post(DQ, {"fields": [{"name": "x", "type": "STRING"}]}).json() == {
        "Entry": 1,
        "Message": "field_key is required",
    }
    r = api.post(DQ, {"values": [_value(ORDERS, status="BROKEN")]})
    assert r.status_code == 400 and r.json()["Message"].startswith("status must be one of")
    assert (
        api.post(DQ, {"values": [_value(ORDERS)]}).json()["Message"]
        == "field_key plumbline.check.7 does not exist"
    )
    alation_sandbox.behaviour.configure(dq_entry_base=0)
    assert api.post(DQ, {"fields": [{"name": "x", "type": "STRING"}]}).json()["Entry"] == 0
    assert alation_sandbox.store.jobs.jobs == {}


def test_a_limited_user_cannot_write_health_onto_objects_it_cannot_see(client_for):
    limited = client_for(SALES_ONLY_REFRESH)
    limited.job(limited.post(DQ, {"fields": [FIELD]}))
    result = limited.job(limited.post(DQ, {"values": [_value("2.public.users")]}))["result"]
    assert result["created_object_attribution"]["failure_count"] == 1


def test_fields_can_be_deleted_by_key_alone_as_the_sdk_sends_them(api):
    api.job(api.post(DQ, {"fields": [FIELD, {**FIELD, "field_key": "plumbline.check.8"}]}))
    result = api.job(api.delete(DQ, {"fields": ["plumbline.check.7", {"field_key": "plumbline.check.8"}]}))[
        "result"
    ]
    assert (result["fields"]["deleted"]["count"], result["fields"]["not_found"]["count"]) == (2, 0)
    assert [f["key"] for f in api.get(f"{DQ}fields/").json()] == ["bigeye.sales.orders.freshness"]
