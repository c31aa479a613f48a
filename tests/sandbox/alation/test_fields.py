"""Custom fields: definitions and their async creation, values read back, the async PUT with its
job (old style, or the cloud-native pair with the Legacy job), per-object failures, and the
"Invalid Payload" envelope."""

from __future__ import annotations

import json
import re

from .conftest import ORDERS, SALES_ONLY_REFRESH

FIELDS = "/integration/v2/custom_field/"
VALUES = "/integration/v2/custom_field_value/"
PUT_ASYNC = "/integration/v2/custom_field_value/async/"


def test_fields_list_with_filters_and_the_fixture_item_shape(api):
    rows = api.get(FIELDS, field_type="PICKER").json()
    assert [r["name_singular"] for r in rows] == ["Business Domain"]
    assert list(rows[0]) == sorted(rows[0]) and "builtin_name" in rows[0]
    assert api.get(f"{FIELDS}builtin/steward/").json()["id"] == 8
    assert api.get(f"{FIELDS}10012/").json() == {"detail": "Not found.", "code": "404000"}
    assert api.get(FIELDS, name_singular__icontains="runbook").json()[0]["id"] == 10002


def test_creating_fields_is_an_async_job_whose_result_is_json_strings(api, alation_sandbox):
    specs = [
        {"field_type": "RICH_TEXT", "name_singular": "Quality Score", "tooltip_text": "0-100"},
        {"field_type": "RICH_TEXT", "name_singular": "Anomaly Count"},
    ]
    accepted = api.post(FIELDS, specs)
    assert accepted.status_code == 200 and list(accepted.json()) == ["job_id"]
    job = api.job(accepted)
    assert job["status"] == "successful" and job["msg"].startswith("Job finished in ")
    assert json.loads(job["result"][0]) == {"msg": "Starting bulk creation of Custom Fields...", "data": {}}
    done = json.loads(job["result"][-1])
    assert done["msg"] == "Finished bulk creation of Custom Fields" and len(done["data"]["field_ids"]) == 2
    created = {
        f["name_singular"]
        for f in api.get(FIELDS, id__in=",".join(map(str, done["data"]["field_ids"]))).json()
    }
    assert created == {"Quality Score", "Anomaly Count"}
    again = api.job(api.post(FIELDS, specs[:1]))
    assert json.loads(again["result"][-1])["data"]["field_ids"] == []
    assert "already exists" in json.loads(again["result"][1])["msg"]


def test_a_running_job_answers_running_before_its_result(api, alation_sandbox):
    alation_sandbox.behaviour.configure(job_running_polls=2)
    job_id = api.post(FIELDS, [{"field_type": "DATE", "name_singular": "Checked On"}]).json()["job_id"]
    statuses = [api.get("/api/v1/bulk_metadata/job/", id=job_id).json()["status"] for _ in range(3)]
    assert statuses == ["running", "running", "successful"]
    assert api.get("/api/v1/bulk_metadata/job/", id=99999).status_code == 404


def test_bad_field_definitions_are_a_400_list_with_one_dict_per_item(api):
    r = api.post(
        FIELDS,
        [
            {"field_type": "RICH_TEXT", "name_singular": "Fine"},
            {"field_type": "PICKER", "name_singular": "P", "options": "a,b"},
        ],
    )
    assert r.status_code == 400
    assert r.json() == [{}, {"options": ['Expected a list of items but got type "str".']}]
    assert api.post(FIELDS, {"field_type": "RICH_TEXT"}).status_code == 400


def test_values_are_written_by_an_async_put_and_read_back_both_ways(api, alation_sandbox):
    otype, oid = api.ref(ORDERS)
    body = [
        {"field_id": 10002, "otype": otype, "oid": oid, "value": "<p>new runbook</p>"},
        {"field_id": 10001, "otype": otype, "oid": oid, "value": "Finance"},
    ]
    job = api.job(api.put(PUT_ASYNC, body))
    assert job["status"] == "successful"
    assert job["result"] == [
        "Start bulk upsert public annotation field values...",
        "Finished bulk upsert public annotation field values. Updated objects: 2, created objects: 0",
    ]
    rows = api.get(VALUES, otype=otype, oid=oid, field_id=10002).json()
    assert len(rows) == 1 and list(rows[0]) == ["field_id", "oid", "otype", "ts_updated", "value"]
    assert rows[0]["value"] == "<p>new runbook</p>"
    table = api.get("/integration/v2/table/", id=oid).json()[0]
    assert {"value": "Finance", "field_id": 10001, "field_name": "Business Domain"} in table["custom_fields"]
    assert alation_sandbox.store.field_values(ORDERS)["Runbook"] == "<p>new runbook</p>"


def test_cloud_native_tenants_get_a_second_legacy_job_named_in_every_line(api, alation_sandbox):
    alation_sandbox.behaviour.configure(legacy_value_job=True)
    otype, oid = api.ref("1.SALES.PUBLIC.PRODUCTS")
    job = api.job(api.put(PUT_ASYNC, [{"field_id": 10002, "otype": otype, "oid": oid, "value": "x"}]))
    pattern = re.compile(r"\(can be tracked using jobs API\):\s([0-9]+)$")
    legacy_ids = {pattern.search(line).group(1) for line in job["result"]}
    assert len(legacy_ids) == 1 and job["result"][0].startswith(
        "Start bulk upsert values to annotation value microservice"
    )
    assert "Updated values count: 1. Error count: 0. Errors: []" in job["result"][1]
    legacy = api.job(legacy_ids.pop())
    assert legacy["status"] == "successful"
    assert legacy["result"][-1].endswith("Updated objects: 0, created objects: 1")


def test_a_job_reports_per_object_failures_and_writes_the_rest(api, alation_sandbox):
    otype, oid = api.ref("1.SALES.PUBLIC.PAYMENTS")
    body = [
        {"field_id": 10001, "otype": otype, "oid": oid, "value": "Marketing"},
        {"field_id": 10002, "otype": otype, "oid": oid, "value": "ok"},
    ]
    job = api.job(api.put(PUT_ASYNC, body))
    assert job["status"] == "successful"
    assert job["result"][1].startswith("Error count: 1. Errors: [{'otype': 'table'")
    assert "'Marketing' is not an option" in job["result"][1]
    assert alation_sandbox.store.field_values("1.SALES.PUBLIC.PAYMENTS") == {"Runbook": "ok"}


def test_unknown_objects_and_title_or_description_writes_are_invalid_payloads(api):
    missing = api.put(PUT_ASYNC, [{"field_id": 10002, "otype": "attribute", "oid": 9999999, "value": "x"}])
    assert missing.status_code == 400
    assert missing.json() == {
        "title": "Invalid Payload",
        "detail": "Please check the API documentation for more details on the spec.",
        "errors": [{"non_field_errors": ["Object not found: attribute:9999999."]}],
        "code": "400000",
    }
    description = api.put(PUT_ASYNC, [{"field_id": 4, "otype": "data", "oid": 1, "value": "x"}])
    assert description.json()["errors"] == [
        {"non_field_errors": ["No support for updating `description` field for `data`."]}
    ]
    wrong_shape = api.put(PUT_ASYNC, [{"field_id": 10002, "otype": "data", "oid": 1, "value": ["x"]}])
    assert wrong_shape.status_code == 400 and "value" in wrong_shape.json()["errors"][0]


def test_a_limited_user_can_neither_read_nor_write_values_outside_its_sources(client_for):
    limited = client_for(SALES_ONLY_REFRESH)
    assert {r["oid"] for r in limited.get(VALUES).json()} == {limited.ref(ORDERS)[1]}
    r = limited.put(PUT_ASYNC, [{"field_id": 10002, "otype": "data", "oid": 2, "value": "x"}])
    assert r.status_code == 400 and "Object not found: data:2." in json.dumps(r.json())
