"""Every parser on the SDK's sample bodies and on the shapes the reference leaves open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.alation.jobs import (
    UNRESOLVED_KEY,
    created_field_ids,
    custom_value_write_result,
    dq_write_result,
    legacy_job_id,
    objects_not_found,
    parse_job,
    parse_job_id,
)
from integrations.alation.parsing import (
    parse_access_token,
    parse_column,
    parse_custom_field,
    parse_custom_field_value,
    parse_data_source,
    parse_domain,
    parse_domain_rule,
    parse_dq_field,
    parse_dq_value,
    parse_flag,
    parse_refresh_token,
    parse_schema,
    parse_table,
    parse_tag,
    parse_tag_subject,
)
from integrations.alation.records import ObjectRef
from integrations.alation.shapes import describe_alation_error, split_object_key
from integrations.http import CatalogMalformedResponseError
from tests.integrations.alation.support import error_body, job_sample, sample


def test_the_refresh_token_check_reads_user_status_and_expiry():
    token = parse_refresh_token(sample("validate_refresh_token.json"))

    assert (token.user_id, token.status, token.name, token.is_active) == (1, "ACTIVE", "Postman", True)
    assert token.expires_at == datetime(2023, 1, 14, 21, 52, 48, 115754, tzinfo=UTC)
    assert token.last_used_at is None


def test_an_access_token_is_read_but_kept_out_of_its_repr():
    body = sample("create_api_access_token.json") | {"api_access_token": "a-long-secret-access-token"}
    token = parse_access_token(body)

    assert token.token == "a-long-secret-access-token"
    assert token.expires_at == datetime(2022, 12, 14, 21, 46, 24, 594949, tzinfo=UTC)
    assert "a-long-secret-access-token" not in repr(token)


def test_a_token_answer_without_a_status_or_token_is_malformed():
    with pytest.raises(CatalogMalformedResponseError, match="no 'token_status'"):
        parse_refresh_token({"user_id": 1})
    with pytest.raises(CatalogMalformedResponseError, match="no 'api_access_token'"):
        parse_access_token({"user_id": 1, "token_status": "ACTIVE"})


def test_an_ocf_data_source_reads_its_type_host_and_database_from_the_uri():
    source = parse_data_source(sample("datasource_v2_list.json")[0], "v2")

    assert (source.id, source.title, source.api) == (0, "test_mysql", "v2")
    assert (source.dbtype, source.host, source.dbname) == ("mysql", "<hostname>", "<db_name>")


def test_a_native_data_source_keeps_its_own_fields_and_is_recognised_without_being_told():
    native = {
        "id": 7,
        "title": "Warehouse",
        "dbtype": "postgresql",
        "host": "db.corp",
        "dbname": "dw",
        "port": 5432,
    }

    source = parse_data_source(native)

    assert (source.api, source.dbtype, source.host, source.dbname) == ("v1", "postgresql", "db.corp", "dw")
    assert source.ref == ObjectRef("data", 7)


def test_a_schema_keeps_its_multipart_name_key_and_object_set_values():
    schema = parse_schema(sample("schema_v2_list.json")[0])

    assert (schema.id, schema.name, schema.ds_id, schema.key) == (
        5,
        "SUPERSTORE.PUBLIC",
        6,
        "6.SUPERSTORE.PUBLIC",
    )
    steward = schema.custom_fields[0]
    assert (steward.field_id, steward.field_name, steward.ref) == (8, "Steward", ObjectRef("schema", 5))
    assert steward.value[:2] == (ObjectRef("user", 11), ObjectRef("user", 2))


def test_a_table_reads_its_schema_type_and_key():
    table = parse_table(sample("table_v2_list.json")[0])

    assert (table.id, table.name, table.schema_id, table.ds_id) == (93, "SALES_TARGETS", 5, 6)
    assert (table.key, table.table_type, table.schema_name) == (
        "6.SUPERSTORE.PUBLIC.SALES_TARGETS",
        "TABLE",
        "SUPERSTORE.PUBLIC",
    )


def test_a_column_is_an_attribute_with_string_custom_values():
    column = parse_column(sample("column_v2_list.json")[0])

    assert (column.id, column.table_id, column.otype, column.ref) == (
        1613,
        91,
        "attribute",
        ObjectRef("attribute", 1613),
    )
    assert column.key == "6.SUPERSTORE.PUBLIC.SUPERSTORE_REPORTING.CUSTOMER_NAME"
    assert [v.value for v in column.custom_fields[1:3]] == ["PII", "PCI"]


def test_an_object_without_an_id_says_what_is_missing():
    body = sample("table_v2_list.json")[0]
    del body["id"]

    with pytest.raises(
        CatalogMalformedResponseError, match="table listing is malformed: a table has no integer 'id'"
    ):
        parse_table(body)


def test_ids_are_keyed_by_type_so_a_table_and_a_column_may_share_one():
    table = parse_table(sample("table_v2_list.json")[0] | {"id": 77})
    column = parse_column(sample("column_v2_list.json")[0] | {"id": 77})

    by_ref = {table.ref: "table", column.ref: "column"}

    assert len(by_ref) == 2
    assert ObjectRef.of("TABLE", "77") == table.ref


def test_a_tag_and_its_subjects_under_the_object_key():
    tag = parse_tag(sample("tag_list.json")[0])
    subject = parse_tag_subject(sample("tag_subjects.json")[0])

    assert (tag.id, tag.name, tag.number_of_objects_tagged) == (16, "PII", 3)
    assert (subject.otype, subject.oid, subject.ref) == ("data", 2, ObjectRef("data", 2))
    assert subject.ts_tagged is not None


@pytest.mark.parametrize(
    "item",
    [
        {"ts_tagged": None, "subject": {"url": "/table/9/", "otype": "table", "id": 9}},
        {"ts_tagged": None, "subject": {"url": "/table/9/", "otype": "table", "id": "9"}},
    ],
)
def test_a_tag_subject_is_also_read_under_the_subject_key_and_with_a_string_id(item):
    assert parse_tag_subject(item).ref == ObjectRef("table", 9)


def test_a_file_tag_subject_keeps_a_non_numeric_string_id():
    item = {"object": {"otype": "file", "id": "s3://bucket/a.csv"}}

    assert parse_tag_subject(item).ref == ObjectRef("file", "s3://bucket/a.csv")


def test_a_tag_subject_with_neither_key_is_malformed():
    with pytest.raises(CatalogMalformedResponseError, match="neither an 'object' nor a 'subject'"):
        parse_tag_subject({"ts_tagged": None, "target": {}})


def test_custom_fields_and_their_values():
    field = parse_custom_field(sample("custom_field_list.json")[0])
    value = parse_custom_field_value(sample("custom_field_value_list.json")[0])

    assert (field.id, field.name_singular, field.field_type, field.builtin_name) == (
        1,
        "Title",
        "MULTI_PICKER",
        "title",
    )
    assert (value.field_id, value.ref, value.value) == (
        10006,
        ObjectRef("table", 12),
        (ObjectRef("groupprofile", 8),),
    )


def test_data_quality_fields_and_values():
    field = parse_dq_field(sample("data_quality_fields.json")[0])
    value = parse_dq_value(sample("data_quality_values.json")[0])

    assert (field.key, field.name, field.type) == ("1.DQ.Test", "Possibly Deleted", "VARCHAR")
    assert (value.field_key, value.object_type, value.value_quality, value.value) == (
        "1.DQ.Test",
        "ATTRIBUTE",
        "ALERT",
        "Pass Rate: 81.5655%",
    )
    assert (value.otype, value.oid, value.source_object_key) == (
        "attribute",
        84,
        "1.superstore.public.superstore_reporting.product_name",
    )


def test_a_trust_flag_names_its_owner_and_subject():
    flag = parse_flag(sample("flag_list.json")[0])

    assert (flag.id, flag.flag_type, flag.reason) == (4302, "ENDORSEMENT", "")
    assert (flag.subject, flag.user_id, flag.user_name) == (ObjectRef("data", 6), 1, "Alation PS User")


def test_a_trust_flag_subject_id_may_be_a_string_as_in_the_developer_docs():
    item = sample("flag_list.json")[0] | {"subject": {"id": "1", "otype": "table", "url": "/table/1/"}}

    assert parse_flag(item).subject == ObjectRef("table", 1)


def test_domains_and_membership_rules():
    domain = parse_domain({"id": 3, "title": "Finance", "description": "", "parent_id": None})
    rule = parse_domain_rule(
        {"domain_id": 3, "exclude": False, "recursive": True, "otype": "schema", "oid": 5}
    )

    assert (domain.id, domain.title, domain.parent_id) == (3, "Finance", None)
    assert (rule.domain_id, rule.ref, rule.recursive, rule.exclude) == (
        3,
        ObjectRef("schema", 5),
        True,
        False,
    )


@pytest.mark.parametrize(
    ("name", "code", "text"),
    [
        ("invalid_refresh_token", "401000", "Refresh token provided is invalid."),
        ("not_authenticated", "403000", "Authentication credentials were not provided."),
        ("invalid_query_params", "400006", "Invalid query parameters: [ids]"),
        ("rdbms_incorrect_input", "400010", "key: 400068: API Key is a required input"),
        ("custom_field_value_object_not_found", "400000", "Object not found: attribute:9999999999999999999."),
        ("data_quality_invalid_body", None, "entry 1: field_key is required"),
        ("data_quality_missing_root", None, 'A "values" or "fields" property must be specified'),
        ("flag_invalid_subject", None, "subject: Invalid otype"),
        ("flag_not_found", None, "Not found."),
    ],
)
def test_every_error_dialect_gives_a_code_and_a_readable_message(name, code, text):
    found_code, message = describe_alation_error(error_body(name))

    assert found_code == code
    assert text in message


def test_a_per_item_error_list_is_flattened():
    assert describe_alation_error([{"options": ['Expected a list of items but got type "str".']}]) == (
        None,
        'options: Expected a list of items but got type "str".',
    )


@pytest.mark.parametrize(
    ("body", "job_id"),
    [
        ({"job_id": 7}, 7),
        ({"job_id": 7, "href": "/api/v1/bulk_metadata/job/?id=7"}, 7),
        ({"href": "/api/v1/bulk_metadata/job/?id=813"}, 813),
        ({"task": {"id": 25647}}, 25647),
        ({"job": {"id": "25"}}, 25),
    ],
)
def test_an_accepted_write_carries_its_job_id_in_any_of_the_known_shapes(body, job_id):
    assert parse_job_id(body, "a write") == job_id


def test_the_sdk_dq_fixture_whose_job_id_and_href_disagree_uses_job_id():
    accepted, _ = job_sample("data_quality_post_fields")

    assert parse_job_id(accepted, "a write") == 1


def test_an_accepted_write_without_a_job_id_is_malformed():
    with pytest.raises(CatalogMalformedResponseError, match="no job id"):
        parse_job_id({"job_name": "vds-import"}, "a write")


@pytest.mark.parametrize(
    "name",
    [
        "rdbms_post_tables",
        "rdbms_patch_schemas",
        "custom_field_value_put_async",
        "custom_field_create",
        "data_quality_post_fields",
        "data_quality_post_values",
        "data_quality_delete_values",
    ],
)
def test_every_sample_job_parses_as_successful_without_failures(name):
    _, body = job_sample(name)

    job = parse_job(body, 1)

    assert (job.status, job.finished, job.failed, job.failures, job.failure_count) == (
        "successful",
        True,
        False,
        (),
        0,
    )


def test_the_live_dq_capture_reports_the_unresolved_object_key_as_a_typed_failure():
    result = sample("errors.json")["data_quality_unresolved_object_key"]["job_result"]

    job = parse_job({"status": "successful", "msg": "", "result": result}, 815)
    written = dq_write_result(job)

    assert job.failure_count == 1 and written.failure_count == 1
    (failure,) = written.failures
    assert (failure.field_key, failure.object_key, failure.reason) == (
        "sdk-test-1",
        "1.public.parts.banana",
        UNRESOLVED_KEY,
    )


def test_dq_job_results_count_created_updated_and_deleted():
    created = dq_write_result(parse_job(job_sample("data_quality_post_values")[1], 815))
    deleted = dq_write_result(parse_job(job_sample("data_quality_delete_values")[1], 819))

    assert (created.created, created.updated, created.job_ids) == (1, 0, (815,))
    assert (deleted.deleted, deleted.not_found) == (1, ())


def test_custom_field_create_results_give_the_new_field_ids():
    assert created_field_ids(job_sample("custom_field_create")[1]["result"]) == [10020, 10021]


LEGACY_RESULT = [
    "Start bulk upsert values to annotation value microservice... Legacy(Rosemeta) write job_id "
    "(can be tracked using jobs API): 7637",
    "Updated values count: 1. Error count: 0. Errors: [] Legacy(Rosemeta) write job_id (can be tracked using "
    "jobs API): 7637",
    "Finished bulk upsert values to annotation value microservice. Legacy(Rosemeta) write job_id (can be "
    "tracked using jobs API): 7637",
]


def test_the_legacy_job_id_of_a_cloud_tenant_is_found_and_older_results_have_none():
    assert legacy_job_id(LEGACY_RESULT) == 7637
    assert legacy_job_id(job_sample("custom_field_value_put_async")[1]["result"]) is None


def test_custom_value_results_count_updates_in_both_result_dialects():
    old = parse_job(job_sample("custom_field_value_put_async")[1], 1)
    new = parse_job({"status": "successful", "msg": "", "result": LEGACY_RESULT}, 2)

    assert custom_value_write_result([old]).updated == 1
    assert custom_value_write_result([new]).updated == 1


def test_errors_counted_in_a_custom_value_job_become_per_object_failures():
    result = ['Updated values count: 1. Error count: 1. Errors: ["Object not found: table:12."]']

    job = parse_job({"status": "successful", "msg": "", "result": result}, 3)

    assert job.failure_count == 1
    assert (job.failures[0].otype, job.failures[0].oid) == ("table", 12)


def test_rdbms_errors_in_a_job_result_are_failures_and_a_failed_job_without_detail_keeps_its_message():
    rdbms = {
        "status": "successful",
        "result": [{"response": "", "mapping": [], "errors": [{"key": "1.a.b"}]}],
    }
    failed = {"status": "failed", "msg": "Job failed: out of memory", "result": None}

    assert parse_job(rdbms, 1).failures[0].object_key == "1.a.b"
    assert parse_job(failed, 2).failures[0].reason == "Job failed: out of memory"


def test_object_not_found_messages_name_the_objects():
    assert objects_not_found("Object not found: attribute:9999999999999999999.") == [
        ObjectRef("attribute", 9999999999999999999)
    ]


def test_object_keys_split_on_unquoted_dots_only():
    assert split_object_key("6.SUPERSTORE.PUBLIC.SALES_TARGETS") == [
        "6",
        "SUPERSTORE",
        "PUBLIC",
        "SALES_TARGETS",
    ]
    assert split_object_key('7."HR.2017"."Employees.FullTime"') == ["7", "HR.2017", "Employees.FullTime"]
    assert split_object_key('3.CORP_DW.REP\\"CLIENT.COU\\"\\.NTRY') == [
        "3",
        "CORP_DW",
        'REP"CLIENT',
        'COU".NTRY',
    ]
