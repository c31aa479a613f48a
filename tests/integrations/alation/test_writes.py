"""Writes: a POST is retried only when that cannot duplicate anything, creates look before they
create again, async writes are polled (Legacy jobs too) and per-object failures come back typed."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from responses import matchers

from integrations.alation.errors import AlationFieldConflictError
from integrations.alation.records import (
    CustomFieldSpec,
    CustomFieldValue,
    DataQualityField,
    DataQualityValue,
    ObjectRef,
)
from integrations.http import CatalogServerError
from tests.integrations.alation.support import (
    BASE,
    JOB,
    USER_ID,
    FakeClock,
    add_auth,
    error_body,
    job_sample,
    make_client,
    sample,
)

FIELDS = f"{BASE}/integration/v2/custom_field/"
VALUES_ASYNC = f"{BASE}/integration/v2/custom_field_value/async/"
FLAGS = f"{BASE}/integration/flag/"
DQ = f"{BASE}/integration/v1/data_quality/"
SCORE = CustomFieldSpec("Plumbline Quality Score", tooltip_text="0-100")
LINK = CustomFieldSpec("Plumbline Link")


def field(field_id: int, name: str, field_type: str = "RICH_TEXT") -> dict:
    return sample("custom_field_list.json")[0] | {
        "id": field_id,
        "name_singular": name,
        "field_type": field_type,
        "builtin_name": None,
    }


def calls(method: str, url: str) -> list[responses.Call]:
    return [c for c in responses.calls if c.request.method == method and c.request.url.split("?")[0] == url]


def job(job_id: int, body: dict) -> None:
    responses.get(JOB, match=[matchers.query_param_matcher({"id": str(job_id)})], json=body)


# --- POSTs that create ----------------------------------------------------------------------------


@responses.activate
def test_a_post_that_creates_is_not_retried_by_the_http_layer():
    add_auth(responses)
    responses.post(FLAGS, status=503, json={"detail": "Service unavailable"})
    client = make_client(create_attempts=1)

    with pytest.raises(CatalogServerError, match="not retried"):
        client.flag_create_warning("table", 93, "<p>3 active anomalies</p>")

    assert len(calls("POST", FLAGS)) == 1


@responses.activate
def test_a_warning_whose_create_failed_but_happened_is_found_not_created_twice():
    add_auth(responses)
    responses.post(FLAGS, status=502)
    mine = sample("flag_list.json")[0] | {"id": 9, "flag_type": "WARNING", "flag_reason": "<p>3 active</p>"}
    mine["subject"] = {"id": 93, "otype": "table", "url": "/table/93/"}
    someone_else = mine | {"id": 8, "user": {"id": 99, "url": "/user/99/", "display_name": "Bob"}}
    responses.get(FLAGS, json=[someone_else, mine])
    clock = FakeClock()
    client = make_client(clock)

    flag = client.flag_create_warning("table", 93, "<p>3 active</p>")

    assert (flag.id, flag.user_id) == (9, USER_ID)
    assert len(calls("POST", FLAGS)) == 1
    assert clock.sleeps == [0.5]  # one backoff before looking


@responses.activate
def test_a_warning_whose_create_failed_and_did_not_happen_is_created_again():
    add_auth(responses)
    created = sample("flag_list.json")[0] | {"id": 10, "flag_type": "WARNING", "flag_reason": "<p>x</p>"}
    responses.post(FLAGS, status=429, headers={"Retry-After": "2"})
    responses.post(
        FLAGS,
        match=[
            matchers.json_params_matcher(
                {"flag_type": "WARNING", "flag_reason": "x", "subject": {"id": 93, "otype": "table"}}
            )
        ],
        status=201,
        json=created,
    )
    responses.get(FLAGS, json=[])
    clock = FakeClock()
    client = make_client(clock)

    assert client.flag_create_warning("table", 93, "x").id == 10
    assert len(calls("POST", FLAGS)) == 2
    assert clock.sleeps == [2.0]


@responses.activate
def test_existing_custom_fields_are_found_by_name_whatever_the_case_and_nothing_is_created():
    add_auth(responses)
    responses.get(FIELDS, json=[field(1, "Title", "MULTI_PICKER"), field(10020, "plumbline quality score")])
    responses.get(FIELDS, json=[field(10020, "plumbline quality score"), field(10021, "Plumbline Link")])
    client = make_client()

    assert client.ensure_custom_fields([SCORE])["Plumbline Quality Score"].id == 10020
    assert {n: f.id for n, f in client.ensure_custom_fields([SCORE, LINK]).items()} == {
        "Plumbline Quality Score": 10020,
        "Plumbline Link": 10021,
    }
    assert calls("POST", FIELDS) == []


@responses.activate
def test_missing_custom_fields_are_created_in_one_job_and_returned():
    add_auth(responses)
    accepted, done = job_sample("custom_field_create")
    responses.get(FIELDS, json=[field(10020, "Plumbline Quality Score")])
    responses.post(
        FIELDS,
        match=[
            matchers.json_params_matcher([{"field_type": "RICH_TEXT", "name_singular": "Plumbline Link"}])
        ],
        json=accepted,
    )
    job(accepted["job_id"], done)
    responses.get(FIELDS, json=[field(10020, "Plumbline Quality Score"), field(10021, "Plumbline Link")])
    client = make_client()

    fields = client.ensure_custom_fields([SCORE, LINK])

    assert {n: f.id for n, f in fields.items()} == {"Plumbline Quality Score": 10020, "Plumbline Link": 10021}
    assert len(calls("POST", FIELDS)) == 1


@responses.activate
def test_a_retried_custom_field_create_looks_the_field_up_first_and_never_duplicates_it():
    add_auth(responses)
    responses.get(FIELDS, json=[])
    responses.post(FIELDS, status=504, json={"detail": "Gateway timeout"})  # ...but Alation made it
    responses.get(FIELDS, json=[field(10020, "Plumbline Quality Score")])
    client = make_client()

    fields = client.ensure_custom_fields([SCORE])

    assert fields["Plumbline Quality Score"].id == 10020
    assert len(calls("POST", FIELDS)) == 1
    assert len(calls("GET", FIELDS)) == 2


@responses.activate
def test_a_retried_custom_field_create_creates_only_what_the_look_up_did_not_find():
    add_auth(responses)
    accepted, done = job_sample("custom_field_create")
    responses.get(FIELDS, json=[])
    responses.post(FIELDS, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    responses.get(FIELDS, json=[field(10020, "Plumbline Quality Score")])  # one of two made it
    responses.post(FIELDS, json=accepted)
    job(accepted["job_id"], done)
    responses.get(FIELDS, json=[field(10020, "Plumbline Quality Score"), field(10021, "Plumbline Link")])
    client = make_client()

    fields = client.ensure_custom_fields([SCORE, LINK])

    assert sorted(f.id for f in fields.values()) == [10020, 10021]
    posts = calls("POST", FIELDS)
    assert len(posts) == 2
    assert json.loads(posts[1].request.body) == [
        {"field_type": "RICH_TEXT", "name_singular": "Plumbline Link"}
    ]


@responses.activate
def test_a_same_named_custom_field_of_another_type_is_a_conflict_a_person_can_resolve():
    add_auth(responses)
    responses.get(FIELDS, json=[field(55, "Plumbline Link", "PICKER")])
    client = make_client()

    with pytest.raises(
        AlationFieldConflictError, match="named 'Plumbline Link' of type PICKER.*Rename that field"
    ):
        client.ensure_custom_fields([LINK])


# --- Custom field values --------------------------------------------------------------------------


def score(oid: int, value: str = "87") -> CustomFieldValue:
    return CustomFieldValue(field_id=10020, otype="table", oid=oid, value=value)


LEGACY_DONE = {
    "status": "successful",
    "msg": "Job finished in 0.16 seconds",
    "result": [
        "Start bulk upsert values to annotation value microservice... Legacy(Rosemeta) write job_id (can be "
        "tracked using jobs API): 7637",
        "Updated values count: 2. Error count: 0. Errors: [] Legacy(Rosemeta) write job_id (can be tracked "
        "using jobs API): 7637",
    ],
}


@responses.activate
def test_values_are_put_in_batches_and_the_legacy_job_of_a_cloud_tenant_is_followed_too():
    add_auth(responses)
    responses.put(VALUES_ASYNC, json={"job_id": 31})
    responses.put(VALUES_ASYNC, json={"job_id": 32})
    job(31, LEGACY_DONE)
    job(7637, job_sample("custom_field_value_put_async")[1])
    job(32, job_sample("custom_field_value_put_async")[1])
    client = make_client()

    written = client.put_custom_field_values([score(1), score(2), score(3)], batch_size=2)

    assert written.job_ids == (31, 7637, 32)
    assert (written.updated, written.failure_count) == (3, 0)
    puts = calls("PUT", VALUES_ASYNC)
    assert json.loads(puts[0].request.body) == [
        {"field_id": 10020, "otype": "table", "oid": 1, "value": "87"},
        {"field_id": 10020, "otype": "table", "oid": 2, "value": "87"},
    ]


@responses.activate
def test_an_object_alation_cannot_find_is_reported_and_the_rest_is_written():
    add_auth(responses)
    missing = error_body("custom_field_value_object_not_found")
    missing["errors"][0]["non_field_errors"] = ["Object not found: table:2."]
    responses.put(VALUES_ASYNC, status=400, json=missing)
    responses.put(VALUES_ASYNC, json={"job_id": 33})
    job(33, job_sample("custom_field_value_put_async")[1])
    client = make_client()

    written = client.put_custom_field_values([score(1), score(2), score(3)])

    assert written.failure_count == 1
    assert (written.failures[0].otype, written.failures[0].oid) == ("table", 2)
    assert [v["oid"] for v in json.loads(calls("PUT", VALUES_ASYNC)[1].request.body)] == [1, 3]


@responses.activate
def test_a_failed_value_job_sends_the_whole_request_once_more():
    add_auth(responses)
    responses.put(VALUES_ASYNC, json={"job_id": 34})
    responses.put(VALUES_ASYNC, json={"job_id": 35})
    job(34, {"status": "failed", "msg": "Legacy write failed", "result": []})
    job(35, job_sample("custom_field_value_put_async")[1])
    client = make_client()

    assert client.put_custom_field_values([score(1)]).job_ids == (35,)
    assert len(calls("PUT", VALUES_ASYNC)) == 2


@responses.activate
def test_values_beyond_alations_limits_are_failures_and_are_not_sent():
    add_auth(responses)
    responses.put(VALUES_ASYNC, json={"job_id": 36})
    job(36, job_sample("custom_field_value_put_async")[1])
    huge = score(1, "x" * 200_000)
    crowd = CustomFieldValue(10030, "table", 2, tuple(ObjectRef("user", n) for n in range(300)))
    client = make_client()

    written = client.put_custom_field_values([huge, crowd, score(3)])

    assert [(f.oid, f.reason.split(";")[0]) for f in written.failures] == [
        (1, "the value is 200,002 bytes"),
        (2, "the value lists 300 items"),
    ]
    assert [v["oid"] for v in json.loads(calls("PUT", VALUES_ASYNC)[0].request.body)] == [3]


def test_a_batch_above_alations_documented_maximum_is_refused():
    with pytest.raises(ValueError, match="between 1 and 10000"):
        make_client().put_custom_field_values([], batch_size=10_001)


# --- Data Quality ---------------------------------------------------------------------------------


@responses.activate
def test_dq_values_are_upserted_in_batches_and_unresolved_keys_come_back_typed():
    add_auth(responses)
    result = sample("errors.json")["data_quality_unresolved_object_key"]["job_result"]
    responses.post(DQ, status=202, json={"job_id": 815, "href": "/api/v1/bulk_metadata/job/?id=815"})
    job(815, {"status": "successful", "msg": "", "result": result})
    value = DataQualityValue(
        field_key="sdk-test-1",
        object_key="1.public.parts.banana",
        object_type="table",
        value=3,
        value_quality="alert",
        url="https://plumbline.example/t/1",
    )
    client = make_client()

    written = client.dq_put_values([value])

    assert json.loads(calls("POST", DQ)[0].request.body) == {
        "values": [
            {
                "field_key": "sdk-test-1",
                "object_key": "1.public.parts.banana",
                "object_type": "TABLE",
                "status": "ALERT",
                "value": 3,
                "url": "https://plumbline.example/t/1",
            }
        ]
    }
    assert written.failure_count == 1
    assert written.failures[0].object_key == "1.public.parts.banana"


@responses.activate
def test_a_dq_upsert_is_retried_because_it_cannot_duplicate_anything():
    add_auth(responses)
    accepted, done = job_sample("data_quality_post_fields")
    responses.post(DQ, status=503)
    responses.post(DQ, status=202, json=accepted)
    job(accepted["job_id"], done)
    client = make_client()

    written = client.dq_put_fields([DataQualityField(key="sdk-test-1", name="Rule", type="numeric")])

    assert written.created == 1
    assert len(calls("POST", DQ)) == 2


@responses.activate
def test_dq_deletes_send_keys_and_report_what_was_not_found():
    add_auth(responses)
    not_found = {
        "status": "successful",
        "msg": "",
        "result": {
            "fields": {
                "deleted": {"count": 0, "sample": []},
                "not_found": {"count": 1, "sample": [{"field_key": "gone"}]},
            },
            "values": {"deleted": {"count": 0, "sample": []}, "not_found": {"count": 0, "sample": []}},
        },
    }
    responses.delete(
        DQ, match=[matchers.json_params_matcher({"fields": ["gone"]})], status=202, json={"job_id": 5}
    )
    job(5, not_found)
    accepted, done = job_sample("data_quality_delete_values")
    pair = {"field_key": "1.DQ.Test", "object_key": "1.Test.Table"}
    responses.delete(DQ, match=[matchers.json_params_matcher({"values": [pair]})], status=202, json=accepted)
    job(accepted["job_id"], done)
    client = make_client()

    assert client.dq_delete_fields(["gone"]).not_found[0].field_key == "gone"
    assert client.dq_delete_values([("1.DQ.Test", "1.Test.Table")]).deleted == 1


def test_dq_bodies_refuse_types_and_statuses_alation_does_not_take():
    with pytest.raises(ValueError):
        make_client().dq_put_fields([DataQualityField(key="k", name="n", type="VARCHAR")])


# --- Trust flags ----------------------------------------------------------------------------------


@responses.activate
def test_a_flag_reason_is_updated_and_a_flag_deleted_once():
    add_auth(responses)
    updated = sample("flag_list.json")[0] | {
        "id": 9,
        "flag_type": "WARNING",
        "flag_reason": "<p>2 active</p>",
    }
    responses.put(
        f"{FLAGS}9/", match=[matchers.json_params_matcher({"flag_reason": "2 active"})], json=updated
    )
    responses.delete(f"{FLAGS}9/", status=204)
    responses.delete(f"{FLAGS}10/", status=404, json=error_body("flag_not_found"))
    client = make_client()

    assert client.flag_update_reason(9, "2 active").reason == "<p>2 active</p>"
    assert client.flag_delete(9) is True
    assert client.flag_delete(10) is False


@responses.activate
def test_own_warnings_are_this_users_warnings_only():
    add_auth(responses)
    base = sample("flag_list.json")[0]
    mine = base | {"id": 1, "flag_type": "WARNING"}
    endorsement = base | {"id": 2}
    theirs = base | {"id": 3, "flag_type": "WARNING", "user": {"id": 5, "display_name": "Eve"}}
    responses.get(
        FLAGS,
        match=[matchers.query_param_matcher({"otype": "data", "oid": "6", "limit": "1000"})],
        json=[mine, endorsement, theirs],
    )
    client = make_client()

    assert [f.id for f in client.own_warnings("data", 6)] == [1]


# --- Connection check and counts ------------------------------------------------------------------


@responses.activate
def test_the_connection_check_says_who_and_how_many_data_sources_are_visible():
    add_auth(responses)
    responses.post(
        f"{BASE}/integration/v1/createAPIAccessToken/", json=add_auth.__defaults__ and {}
    )  # unused
    responses.get(f"{BASE}/integration/v2/datasource/", json=sample("datasource_v2_list.json"))
    responses.get(f"{BASE}/integration/v1/datasource/", json=[{"id": 7, "title": "DW", "dbtype": "oracle"}])
    client = make_client()

    info = client.connection_check()

    assert (info.user_id, info.token_name, info.data_source_count) == (USER_ID, "Postman", 2)
    assert client.counts.total == 4


@responses.activate
def test_custom_fields_are_looked_up_by_name_ignoring_case_and_built_ins():
    add_auth(responses)
    responses.get(
        FIELDS, json=[field(1, "Title") | {"builtin_name": "title"}, field(10020, "PLUMBLINE LINK")]
    )
    client = make_client()

    assert {n: f.id for n, f in client.custom_fields_by_name(["Plumbline Link", "Title"]).items()} == {
        "Plumbline Link": 10020
    }
