"""Every listing follows X-Next-Page, page by page, whatever the page sizes; ids keyed by type."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from integrations.alation.records import ObjectRef
from integrations.http import CatalogMalformedResponseError
from tests.integrations.alation.support import BASE, add_auth, make_client, sample

TABLES = f"{BASE}/integration/v2/table/"
TAGS = f"{BASE}/integration/tag/"
TABLE = sample("table_v2_list.json")[0]


def table(table_id: int) -> dict:
    return TABLE | {"id": table_id}


def calls_to(url: str) -> list[responses.Call]:
    return [c for c in responses.calls if c.request.url.split("?")[0] == url]


def query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_x_next_page_is_followed_through_short_pages_until_it_is_absent():
    add_auth(responses)
    responses.get(
        TABLES, json=[table(1), table(2)], headers={"X-Next-Page": "/integration/v2/table/?limit=1000&skip=2"}
    )
    responses.get(
        TABLES, json=[table(3)], headers={"X-Next-Page": "/integration/v2/table/?limit=1000&skip=3"}
    )
    responses.get(TABLES, json=[], headers={"X-Next-Page": "/integration/v2/table/?limit=1000&skip=4"})
    responses.get(TABLES, json=[table(4)])
    client = make_client()

    assert [t.id for t in client.tables(ds_id=6)] == [1, 2, 3, 4]

    pages = calls_to(TABLES)
    assert query(pages[0]) == {"limit": ["1000"], "ds_id": ["6"]}
    assert [query(p)["skip"] for p in pages[1:]] == [["2"], ["3"], ["4"]]


@responses.activate
def test_a_full_page_without_x_next_page_is_the_last_one():
    add_auth(responses)
    responses.get(TABLES, json=[table(1), table(2)])
    responses.get(TABLES, json=[table(3)])  # would be page 2, must never be asked for
    client = make_client(page_size=2)

    assert [t.id for t in client.tables()] == [1, 2]

    assert len(calls_to(TABLES)) == 1
    assert query(calls_to(TABLES)[0]) == {"limit": ["2"]}


@responses.activate
def test_items_come_page_by_page_so_stopping_early_reads_no_further_page():
    add_auth(responses)
    responses.get(TABLES, json=[table(1)], headers={"X-Next-Page": "/integration/v2/table/?skip=1"})
    responses.get(TABLES, json=[table(2)])
    client = make_client()

    listing = client.tables()
    assert next(listing).id == 1

    assert len(calls_to(TABLES)) == 1


@responses.activate
def test_a_listing_that_never_ends_is_stopped_at_the_page_cap():
    add_auth(responses)
    for skip in range(1, 5):
        responses.get(
            TABLES, json=[table(skip)], headers={"X-Next-Page": f"/integration/v2/table/?skip={skip}"}
        )
    client = make_client(max_pages=3)

    with pytest.raises(CatalogMalformedResponseError, match="did not end after 3 pages"):
        list(client.tables())


@responses.activate
def test_a_next_page_link_back_to_a_page_already_read_is_refused():
    add_auth(responses)
    responses.get(TABLES, json=[table(1)], headers={"X-Next-Page": "/integration/v2/table/?skip=1"})
    responses.get(TABLES, json=[table(2)], headers={"X-Next-Page": "/integration/v2/table/?skip=1"})
    client = make_client()

    with pytest.raises(CatalogMalformedResponseError, match="links back to a page already read"):
        list(client.tables())


@responses.activate
def test_an_absolute_next_link_to_our_host_is_followed_but_one_to_another_host_is_refused():
    add_auth(responses)
    responses.get(TABLES, json=[table(1)], headers={"X-Next-Page": f"{BASE}/integration/v2/table/?skip=1"})
    responses.get(TABLES, json=[table(2)], headers={"X-Next-Page": "https://evil.example.com/steal/?skip=2"})
    client = make_client()

    with pytest.raises(CatalogMalformedResponseError, match=r"points at another host \(evil\.example\.com\)"):
        list(client.tables())

    assert len(calls_to(TABLES)) == 2
    assert not [c for c in responses.calls if "evil" in c.request.url]


@responses.activate
def test_a_page_that_is_not_a_list_is_malformed():
    add_auth(responses)
    responses.get(TABLES, json={"detail": "surprise"})
    client = make_client()

    with pytest.raises(CatalogMalformedResponseError, match="page 1 is dict, expected a list"):
        list(client.tables())


LISTINGS = [
    ("schemas", lambda c: c.schemas(), "integration/v2/schema/", sample("schema_v2_list.json")[0]),
    ("columns", lambda c: c.columns(table_id=91), "integration/v2/column/", sample("column_v2_list.json")[0]),
    ("tags", lambda c: c.tags(), "integration/tag/", sample("tag_list.json")[0]),
    ("tags of", lambda c: c.tags_of("table", 93), "integration/tag/", sample("tag_list.json")[0]),
    (
        "tag subjects",
        lambda c: c.tag_subjects("PII"),
        "integration/tag/PII/subject/",
        sample("tag_subjects.json")[0],
    ),
    (
        "custom fields",
        lambda c: c.custom_fields(),
        "integration/v2/custom_field/",
        sample("custom_field_list.json")[0],
    ),
    (
        "custom field values",
        lambda c: c.custom_field_values("table", oid=12),
        "integration/v2/custom_field_value/",
        sample("custom_field_value_list.json")[0],
    ),
    ("flags", lambda c: c.flags("table"), "integration/flag/", sample("flag_list.json")[0]),
    (
        "dq fields",
        lambda c: c.dq_fields(),
        "integration/v1/data_quality/fields/",
        sample("data_quality_fields.json")[0],
    ),
    (
        "dq values",
        lambda c: c.dq_values(),
        "integration/v1/data_quality/values/",
        sample("data_quality_values.json")[0],
    ),
    (
        "domains",
        lambda c: c.domains(),
        "integration/v2/domain/",
        {"id": 3, "title": "Finance", "parent_id": None},
    ),
]


@pytest.mark.parametrize(("name", "listing", "path", "item"), LISTINGS, ids=[entry[0] for entry in LISTINGS])
@responses.activate
def test_every_listing_follows_x_next_page(name, listing, path, item):
    add_auth(responses)
    url = f"{BASE}/{path}"
    responses.get(url, json=[item], headers={"X-Next-Page": f"/{path}?limit=1&skip=1"})
    responses.get(url, json=[item])
    client = make_client()

    assert len(list(listing(client))) == 2

    assert [query(c).get("skip") for c in calls_to(url)] == [None, ["1"]]


@responses.activate
def test_the_tags_of_one_object_are_asked_for_by_oid_and_otype():
    add_auth(responses)
    responses.get(
        TAGS, match=[matchers.query_param_matcher({"oid": "93", "otype": "table", "limit": "1000"})], json=[]
    )
    client = make_client()

    assert list(client.tags_of("table", 93)) == []


@responses.activate
def test_a_whole_catalog_tag_pull_costs_one_listing_per_tag_and_keys_objects_by_type_and_id():
    add_auth(responses)
    pii, finance = sample("tag_list.json")[0], {"id": 17, "name": "Finance/Restricted", "description": ""}
    responses.get(TAGS, json=[pii, finance])
    responses.get(
        f"{TAGS}PII/subject/",
        json=[{"object": {"otype": "table", "id": 5}}, {"object": {"otype": "attribute", "id": 5}}],
    )
    responses.get(f"{TAGS}Finance%2FRestricted/subject/", json=[{"subject": {"otype": "table", "id": "5"}}])
    client = make_client()

    by_object = client.tags_by_object()

    assert {ref: [t.name for t in tags] for ref, tags in by_object.items()} == {
        ObjectRef("table", 5): ["PII", "Finance/Restricted"],
        ObjectRef("attribute", 5): ["PII"],
    }
    assert len([c for c in responses.calls if "/integration/tag/" in c.request.url]) == 3


@responses.activate
def test_a_tag_pull_can_keep_only_some_object_types():
    add_auth(responses)
    responses.get(TAGS, json=sample("tag_list.json"))
    responses.get(
        f"{TAGS}PII/subject/", json=sample("tag_subjects.json") + [{"object": {"otype": "table", "id": 9}}]
    )
    client = make_client()

    assert list(client.tags_by_object(otypes={"table"})) == [ObjectRef("table", 9)]


@responses.activate
def test_data_sources_come_from_both_apis_once_each_and_a_missing_api_is_skipped():
    add_auth(responses)
    ocf = sample("datasource_v2_list.json")[0] | {"id": 6}
    native = {"id": 7, "title": "Legacy DW", "dbtype": "oracle", "host": "ora", "dbname": "DW"}
    responses.get(f"{BASE}/integration/v2/datasource/", json=[ocf, native | {"id": 6}])
    responses.get(f"{BASE}/integration/v1/datasource/", json=[native, ocf])
    client = make_client()

    sources = list(client.data_sources())

    assert [(s.id, s.api, s.dbtype) for s in sources] == [(6, "v2", "mysql"), (7, "v1", "oracle")]


@responses.activate
def test_an_instance_without_the_native_data_source_api_still_lists_its_ocf_sources():
    add_auth(responses)
    responses.get(f"{BASE}/integration/v2/datasource/", json=[sample("datasource_v2_list.json")[0]])
    responses.get(
        f"{BASE}/integration/v1/datasource/", status=404, json={"detail": "Not found.", "code": "404000"}
    )
    client = make_client()

    assert [s.api for s in client.data_sources()] == ["v2"]


@responses.activate
def test_domain_rules_page_by_re_sending_the_same_body():
    add_auth(responses)
    rules = f"{BASE}/integration/v2/domain/membership/view_rules/"
    body = matchers.json_params_matcher({"domain_id": [3], "exclude": False})
    rule = {"domain_id": 3, "exclude": False, "recursive": True, "otype": "schema", "oid": 5}
    responses.post(
        rules,
        match=[body],
        json=[rule],
        headers={"X-Next-Page": "/integration/v2/domain/membership/view_rules/?skip=1&limit=1"},
    )
    responses.post(rules, match=[body], json=[rule | {"otype": "table", "oid": 5}])
    client = make_client()

    refs = [r.ref for r in client.domain_rules([3])]

    assert refs == [ObjectRef("schema", 5), ObjectRef("table", 5)]
    assert [query(c) for c in calls_to(rules)] == [{}, {"skip": ["1"], "limit": ["1"]}]


@responses.activate
def test_a_pages_next_request_goes_out_before_the_page_is_decoded_and_a_bad_page_fails_when_decoded():
    add_auth(responses)
    responses.get(
        TABLES, body="[not json", headers={"X-Next-Page": "/integration/v2/table/?limit=1000&skip=2"}
    )
    responses.get(TABLES, json=[table(3)])
    client = make_client()
    pages = client.pager.pages("integration/v2/table/", "the table listing")

    first = next(pages)
    second = next(pages)  # asked for while the first is still undecoded
    assert len(calls_to(TABLES)) == 2
    assert [t["id"] for t in second()] == [3]
    with pytest.raises(CatalogMalformedResponseError, match="not JSON|JSON"):
        first()
