"""The Atlan client against real recorded Atlan answers and `responses`-mocked calls."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.atlan.client import AtlanClient, normalise_base_url
from integrations.atlan.parsing import (
    parse_asset,
    parse_custom_metadata_typedefs,
    parse_mutation,
    parse_tag_typedefs,
)
from integrations.atlan.queries import query_connection_assets, query_connections
from integrations.atlan.records import (
    AtlanCustomMetadataDef,
    AtlanTagRef,
    AttributeSpec,
    CustomMetadataUpdate,
    custom_metadata_by_display_name,
)
from integrations.http import (
    CatalogAuthenticationError,
    CatalogMalformedResponseError,
    CatalogPermissionError,
    CatalogRateLimitedError,
)

# <repo>/../shared/atlan-responses: the shared folder sits next to the clone (also in CI).
RESPONSES_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "atlan-responses"
needs_recordings = pytest.mark.skipif(
    not RESPONSES_DIR.is_dir(), reason=f"recorded Atlan answers not found at {RESPONSES_DIR}"
)

BASE = "https://tenant.atlan.example"
TOKEN = "atlan-api-token-SECRET-0123456789"
SEARCH_URL = f"{BASE}/api/meta/search/indexsearch"
TYPEDEFS_URL = f"{BASE}/api/meta/types/typedefs"
BULK_URL = f"{BASE}/api/meta/entity/bulk"


def recording(name: str):
    return json.loads((RESPONSES_DIR / name).read_text())


def make_client(**kwargs) -> tuple[AtlanClient, list[float]]:
    delays: list[float] = []
    client = AtlanClient(BASE, TOKEN, sleep=delays.append, random=lambda: 0.5, **kwargs)
    return client, delays


def body_of(call) -> dict:
    return json.loads(call.request.body)


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# --- Real recorded answers -----------------------------------------------------------------------


@needs_recordings
def test_recorded_typedefs_give_six_tags_with_display_names_and_colours():
    tags = parse_tag_typedefs(recording("typedefs.json"))

    assert {t.display_name: t.color for t in tags.values()} == {
        "Public": "Green",
        "Highly Confidential": "Red",
        "Confidential": "Red",
        "Internal": "Yellow",
        "Restricted": "Yellow",
        "Sensitive": "Red",
    }
    public = tags["cTrLMeBjKNeRV7HzBSL11u"]
    assert public.hash == "cTrLMeBjKNeRV7HzBSL11u"
    assert public.description == "Externally accessible."
    assert public.hex_color == "#16a34a"
    assert tags["QUXNqM7hDGqeJkXiPqVJDs"].hex_color == "#dc2626"


@needs_recordings
def test_recorded_typedefs_give_custom_metadata_sets_with_attribute_names_types_and_archived():
    sets = parse_custom_metadata_typedefs(recording("typedefs.json"))

    assert [s.display_name for s in sets] == ["Monte Carlo", "Dashboard Search Filters", "Data Sources"]
    monte_carlo = custom_metadata_by_display_name(sets, "monte carlo")
    assert monte_carlo is not None and monte_carlo.hash == "VAyiOnGbcBi9kQAvj8dkjS"
    url = monte_carlo.attribute("Monte Carlo Table URL")
    assert (url.hash, url.type_name, url.primitive_type, url.custom_type) == (
        "igncTH6FJjc6qA8k0KH5cy",
        "string",
        "url",
        "url",
    )
    assert url.is_archived is False  # options booleans arrive as strings: "false"

    filters = custom_metadata_by_display_name(sets, "Dashboard Search Filters")
    assert [(a.display_name, a.type_name, a.is_archived) for a in filters.attributes] == [
        ("Dashboard Category", "Dashboard Category", False),
        ("BI-archived-1656418898156", "array<string>", True),
    ]
    assert filters.attribute("BI-archived-1656418898156") is None
    assert [a.display_name for a in filters.active_attributes] == ["Dashboard Category"]
    assert filters.search_attributes() == ["TgZ8b9ryeeTHb3v7U7sTdU.wdl4Hw0DC7pYdt63mUV9AQ"]

    sources = custom_metadata_by_display_name(sets, "Data Sources")
    assert [a.type_name for a in sources.attributes] == ["Binary", "array<Information System Source>"]


@needs_recordings
@responses.activate
def test_recorded_search_page_parses_into_assets_and_paging_stops_on_a_page_without_entities():
    responses.post(SEARCH_URL, json=recording("index_search_paging.json"))
    responses.post(SEARCH_URL, json={"queryType": "INDEX", "approximateCount": 2})
    client, _ = make_client()

    assets = list(client.search_assets(query_connections(), attributes=["certificateStatus"], page_size=2))

    assert [(a.type_name, a.name) for a in assets] == [
        ("AtlasGlossaryTerm", "Net Revenue Retention"),
        ("AtlasGlossaryTerm", "Customer"),
    ]
    first = assets[0]
    assert first.guid == "045acd66-e6fc-470b-8383-4011fc66c385"
    assert first.qualified_name == "FngX3ZMT2zkbZ9hmR0r4J@06VYiNgoIymrGSbO5pgBA"
    assert first.create_time == 1717514296594
    assert first.tags == [] and first.custom_metadata == {}
    assert len(responses.calls) == 2


@needs_recordings
def test_recorded_entity_by_guid_parses_with_announcement_fields_and_connection():
    asset = parse_asset(recording("get_by_guid.json")["entity"])

    assert asset.guid == "558c5cc8-0b18-4b27-b7c7-0c1693c9d1e5"
    assert asset.type_name == "Table"
    assert asset.name == "PaymentMethods_Archive"
    assert asset.connection_qualified_name == "default/mssql/1709355572"
    assert asset.create_time == 1709355972663
    assert (asset.announcement_type, asset.announcement_title, asset.announcement_message) == (
        None,
        None,
        None,
    )
    assert asset.tags == []
    assert asset.custom_metadata == {}


def test_an_asset_keeps_the_attributes_it_has_no_field_for_and_not_the_others_twice():
    entity = {
        "guid": "g-1",
        "typeName": "Column",
        "attributes": {
            "qualifiedName": "default/pg/1/db/s/t/c",
            "name": "c",
            "databaseName": "db",
            "tableQualifiedName": "default/pg/1/db/s/t",
            "viewQualifiedName": None,
            "announcementTitle": "Heads up",
            "SETHASH.ATTRHASH": 0.5,
        },
    }

    asset = parse_asset(entity)

    # What a sync looks up later stays; what has its own field, a null, or custom metadata does not.
    assert asset.attributes == {"databaseName": "db", "tableQualifiedName": "default/pg/1/db/s/t"}
    assert (asset.qualified_name, asset.name, asset.announcement_title) == (
        "default/pg/1/db/s/t/c",
        "c",
        "Heads up",
    )
    assert asset.custom_metadata == {"SETHASH": {"ATTRHASH": 0.5}}


@needs_recordings
def test_recorded_classification_event_gives_a_direct_tag():
    entity = recording("classification_add.json")["message"]["entity"]

    asset = parse_asset(entity)

    assert asset.tags == [
        AtlanTagRef(hash="jUQpLPdg9hWoheH2eL9Ha2", propagated=False, source_guid=asset.guid)
    ]


@needs_recordings
def test_recorded_business_attribute_values_parse_as_custom_metadata():
    message = recording("business_attribute_update.json")["message"]
    entity = dict(message["entity"], businessAttributes=message["mutatedDetails"])

    asset = parse_asset(entity)

    assert asset.custom_metadata == {"UuPz0CjWHFuuKTCiTRwapk": {"jpf1oz5ux6MjmaOGPn9jMD": "ssjmdvddf\n"}}
    assert asset.connection_qualified_name == "default/postgres/1665131987"


@needs_recordings
def test_recorded_mutation_answers_parse():
    update = parse_mutation(recording("asset_mutated_response_update.json"))
    assert [a.guid for a in update.updated] == ["76d54dd6-925b-499b-a455-6f756ae2d522"]
    assert update.updated[0].name == "Metrics Glossary"
    assert update.is_noop is False

    empty = parse_mutation(recording("asset_mutated_response_empty.json"))
    assert empty.is_noop is True
    assert empty.guid_assignments == {}


@needs_recordings
def test_every_recorded_answer_is_valid_json():
    for path in RESPONSES_DIR.glob("*.json"):
        json.loads(path.read_text())


# --- Current user --------------------------------------------------------------------------------


@responses.activate
def test_current_user_parses_an_api_token_user():
    responses.get(
        f"{BASE}/api/service/users/current",
        json={
            "id": "5c3f",
            "username": "service-account-apikey-7d1e",
            "email": None,
            "enabled": True,
            "x": 1,
        },
    )
    client, _ = make_client()

    user = client.current_user()

    assert (user.id, user.username, user.email, user.enabled) == (
        "5c3f",
        "service-account-apikey-7d1e",
        None,
        True,
    )
    assert user.is_api_token
    assert user.raw["x"] == 1
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "answer",
    [
        {"body": "<html><title>Login</title></html>", "content_type": "text/html"},
        {"json": {"hello": "world"}},
        {"json": ["not", "a", "user"]},
        {"status": 404, "body": "Not Found"},
    ],
)
@responses.activate
def test_current_user_says_when_the_server_does_not_look_like_atlan(answer):
    responses.get(f"{BASE}/api/service/users/current", **answer)
    client, _ = make_client()

    with pytest.raises(CatalogMalformedResponseError, match="does not look like an Atlan API"):
        client.current_user()


@responses.activate
def test_current_user_with_a_rejected_token_is_an_authentication_error():
    responses.get(
        f"{BASE}/api/service/users/current",
        status=401,
        json={"errorCode": "ATLAS-401-00-001", "errorMessage": "Unauthorized"},
    )
    client, delays = make_client()

    with pytest.raises(CatalogAuthenticationError) as caught:
        client.current_user()

    assert "ATLAS-401-00-001 Unauthorized" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert delays == []


# --- Typedefs ------------------------------------------------------------------------------------


@responses.activate
def test_tag_typedefs_asks_for_classifications_only():
    responses.get(
        TYPEDEFS_URL,
        json={
            "classificationDefs": [
                {"name": "aaaaaaaaaaaaaaaaaaaaa1", "displayName": "PII", "options": {"color": "#FF00AA"}},
                {"name": "aaaaaaaaaaaaaaaaaaaaa2", "displayName": "<b>x</b>", "options": {"color": "Mauve"}},
                {"name": "aaaaaaaaaaaaaaaaaaaaa3"},
            ],
            "businessMetadataDefs": [],
        },
    )
    client, _ = make_client()

    tags = client.tag_typedefs()

    assert query_of(responses.calls[0]) == {"type": ["CLASSIFICATION"]}
    assert tags["aaaaaaaaaaaaaaaaaaaaa1"].hex_color == "#ff00aa"
    assert tags["aaaaaaaaaaaaaaaaaaaaa2"].hex_color == "#6b7280"
    assert tags["aaaaaaaaaaaaaaaaaaaaa3"].display_name == "aaaaaaaaaaaaaaaaaaaaa3"
    assert tags["aaaaaaaaaaaaaaaaaaaaa3"].hex_color == "#6b7280"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"enumDefs": []}, "no 'classificationDefs' list"),
        ({"classificationDefs": {"a": 1}}, "'classificationDefs' is dict"),
        ({"classificationDefs": [{"displayName": "PII"}]}, "has no hashed 'name'"),
        ([], "expected a JSON object"),
    ],
)
@responses.activate
def test_malformed_tag_typedefs_are_rejected_with_what_was_wrong(body, complaint):
    responses.get(TYPEDEFS_URL, json=body)
    client, _ = make_client()

    with pytest.raises(CatalogMalformedResponseError, match=complaint):
        client.tag_typedefs()


@responses.activate
def test_custom_metadata_typedefs_asks_for_business_metadata():
    responses.get(TYPEDEFS_URL, json={"businessMetadataDefs": [{"name": "SETHASH", "displayName": "DQ"}]})
    client, _ = make_client()

    sets = client.custom_metadata_typedefs()

    assert query_of(responses.calls[0]) == {"type": ["BUSINESS_METADATA"]}
    assert [(s.hash, s.display_name, s.attributes) for s in sets] == [("SETHASH", "DQ", [])]


def _created_answer(request) -> tuple[int, dict, str]:
    sent = json.loads(request.body)
    definition = copy.deepcopy(sent["businessMetadataDefs"][0])
    definition["name"] = "SETHASH0000000000000001"
    for index, attr in enumerate(definition["attributeDefs"]):
        if not attr["name"]:
            attr["name"] = f"ATTRHASH{index:014d}"
        attr.pop("isNew", None)
        attr["options"] = {
            k: str(v).lower() if isinstance(v, bool) else v for k, v in attr["options"].items()
        }
    return 200, {}, json.dumps({**sent, "businessMetadataDefs": [definition]})


@responses.activate
def test_custom_metadata_create_sends_all_six_arrays_and_v2_attribute_options():
    responses.add_callback(responses.POST, TYPEDEFS_URL, callback=_created_answer)
    client, _ = make_client()

    created = client.custom_metadata_create(
        "Plumbline",
        [
            AttributeSpec("Quality Score", "float"),
            AttributeSpec("Link", "url"),
            AttributeSpec("Anomalies", "int"),
        ],
    )

    sent = body_of(responses.calls[0])
    assert set(sent) == {
        "enumDefs",
        "structDefs",
        "classificationDefs",
        "entityDefs",
        "relationshipDefs",
        "businessMetadataDefs",
    }
    definition = sent["businessMetadataDefs"][0]
    assert (definition["category"], definition["name"], definition["displayName"]) == (
        "BUSINESS_METADATA",
        "Plumbline",
        "Plumbline",
    )
    score, link, count = definition["attributeDefs"]
    assert (score["name"], score["displayName"], score["isNew"], score["typeName"]) == (
        "",
        "Quality Score",
        True,
        "float",
    )
    assert score["options"]["customMetadataVersion"] == "v2"
    assert score["options"]["primitiveType"] == "float"
    assert score["options"]["applicableEntityTypes"] == '["Asset"]'
    assert json.loads(score["options"]["assetTypesList"]) == [
        "Schema",
        "Table",
        "View",
        "MaterialisedView",
        "Column",
    ]
    assert "customType" not in score["options"]
    assert (link["typeName"], link["options"]["primitiveType"], link["options"]["customType"]) == (
        "string",
        "url",
        "url",
    )
    assert (count["typeName"], count["options"]["primitiveType"]) == ("int", "int")

    assert created.hash == "SETHASH0000000000000001"
    assert created.attribute("Quality Score").hash == "ATTRHASH00000000000000"
    assert created.attribute("Link").primitive_type == "url"


def test_attribute_spec_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="Unknown attribute kind"):
        AttributeSpec("x", "blob")  # type: ignore[arg-type]


@needs_recordings
@responses.activate
def test_custom_metadata_extend_puts_the_full_definition_keeping_existing_hashes():
    existing = custom_metadata_by_display_name(
        parse_custom_metadata_typedefs(recording("typedefs.json")), "Monte Carlo"
    )
    responses.add_callback(responses.PUT, TYPEDEFS_URL, callback=_created_answer)
    client, _ = make_client()

    extended = client.custom_metadata_extend(
        existing, [AttributeSpec("Monte Carlo Table URL", "url"), AttributeSpec("Score", "float")]
    )

    sent = body_of(responses.calls[0])["businessMetadataDefs"][0]
    assert sent["name"] == "VAyiOnGbcBi9kQAvj8dkjS"
    assert sent["guid"] == existing.guid
    assert [(a["name"], a["displayName"], a.get("isNew")) for a in sent["attributeDefs"]] == [
        ("igncTH6FJjc6qA8k0KH5cy", "Monte Carlo Table URL", None),
        ("", "Score", True),
    ]
    assert isinstance(extended, AtlanCustomMetadataDef)
    assert [a.display_name for a in extended.attributes] == ["Monte Carlo Table URL", "Score"]
    assert extended.attribute("Monte Carlo Table URL").hash == "igncTH6FJjc6qA8k0KH5cy"


@needs_recordings
@responses.activate
def test_custom_metadata_extend_with_nothing_missing_sends_nothing():
    existing = parse_custom_metadata_typedefs(recording("typedefs.json"))[0]
    client, _ = make_client()

    assert (
        client.custom_metadata_extend(existing, [AttributeSpec("monte carlo table url", "url")]) is existing
    )
    assert len(responses.calls) == 0


# --- Search --------------------------------------------------------------------------------------


def _entity(guid: str, create_time: int = 1, **attributes) -> dict:
    return {
        "typeName": "Table",
        "guid": guid,
        "status": "ACTIVE",
        "attributes": {"qualifiedName": f"default/snowflake/1/DB/SCH/{guid}", "name": guid, **attributes},
        "classificationNames": [],
        "classifications": [],
        "createTime": create_time,
    }


def test_query_connection_assets_builds_the_reference_filter():
    assert query_connection_assets(
        "default/snowflake/1700000000", ["Table"], "default/snowflake/1700000000/DB/"
    ) == {
        "bool": {
            "filter": [
                {"term": {"__state": {"value": "ACTIVE", "case_insensitive": False}}},
                {"term": {"__typeName.keyword": {"value": "Table", "case_insensitive": False}}},
                {
                    "term": {
                        "connectionQualifiedName": {
                            "value": "default/snowflake/1700000000",
                            "case_insensitive": False,
                        }
                    }
                },
                {
                    "prefix": {
                        "qualifiedName": {
                            "value": "default/snowflake/1700000000/DB/",
                            "case_insensitive": False,
                        }
                    }
                },
            ]
        }
    }
    several = query_connection_assets("c", ["Table", "View"])
    assert several["bool"]["filter"][1] == {"terms": {"__typeName.keyword": ["Table", "View"]}}
    assert len(several["bool"]["filter"]) == 3


def test_query_connections_filters_on_connector():
    clauses = query_connections("snowflake")["bool"]["filter"]
    assert {"term": {"__typeName.keyword": {"value": "Connection", "case_insensitive": False}}} in clauses
    assert {"term": {"connectorName": {"value": "snowflake", "case_insensitive": False}}} in clauses
    assert len(query_connections()["bool"]["filter"]) == 2


@responses.activate
def test_search_pages_by_offset_with_a_guid_sort_lazily_and_requested_attributes():
    responses.post(SEARCH_URL, json={"approximateCount": 5, "entities": [_entity("a"), _entity("b")]})
    responses.post(SEARCH_URL, json={"approximateCount": 5, "entities": [_entity("c"), _entity("d")]})
    responses.post(SEARCH_URL, json={"approximateCount": 5, "entities": [_entity("e")]})
    client, _ = make_client()
    query = query_connection_assets("default/snowflake/1", ["Table"])

    assets = client.search_assets(
        query, attributes=["CMHASH.ATTR1"], relation_attributes=["name"], page_size=2
    )
    assert len(responses.calls) == 0  # nothing is fetched until someone iterates
    assert next(assets).guid == "a"
    assert len(responses.calls) <= 2  # the first page, and at most the next one fetched ahead
    assert [a.guid for a in assets] == ["b", "c", "d", "e"]

    bodies = [body_of(c) for c in responses.calls]
    # A short page is the last one: no request for an empty page after it.
    assert [b["dsl"]["from"] for b in bodies] == [0, 2, 4]
    first = bodies[0]
    assert first["dsl"]["size"] == 2
    assert first["dsl"]["track_total_hits"] is True
    assert first["dsl"]["sort"] == [{"__guid": {"order": "asc"}}]
    assert first["dsl"]["query"] == query
    assert "CMHASH.ATTR1" in first["attributes"]
    assert {"qualifiedName", "name", "connectionQualifiedName", "announcementType"} <= set(
        first["attributes"]
    )
    assert first["relationAttributes"] == ["name"]
    assert client.counts.reads == 3 and client.counts.writes == 0


@responses.activate
def test_a_searchs_repeated_strings_are_held_once_across_its_pages_without_the_interpreters_intern_table():
    table = "default/snowflake/1/DB/SCH/ORDERS"
    columns = [_entity(f"c{n}", schemaName="SCH", tableQualifiedName=table) for n in range(3)]
    responses.post(SEARCH_URL, json={"approximateCount": 3, "entities": columns[:2]})
    responses.post(SEARCH_URL, json={"approximateCount": 3, "entities": columns[2:]})  # short: the last
    client, _ = make_client()

    assets = list(
        client.search_assets(query_connection_assets("default/snowflake/1", ["Column"]), page_size=2)
    )

    parents = [a.attributes["tableQualifiedName"] for a in assets]
    assert parents == [table] * 3
    assert all(p is parents[0] for p in parents)  # one string for the three columns on two pages
    assert all(a.attributes["schemaName"] is assets[0].attributes["schemaName"] for a in assets)
    # Not interned: a million table names passing through would grow the intern table for good.
    assert sys.intern(table) is not parents[0]


def _fake_index(entities: list[dict]):
    """A tiny index: sorts by (__timestamp, __guid), applies the client's "after" clause, pages."""
    requests_seen: list[tuple[int, tuple[int, str] | None, list]] = []

    def callback(request):
        dsl = json.loads(request.body)["dsl"]
        after = None
        for clause in dsl["query"].get("bool", {}).get("filter", []):
            should = clause.get("bool", {}).get("should")
            if should:
                inner = should[1]["bool"]["filter"]
                after = (inner[0]["term"]["__timestamp"]["value"], inner[1]["range"]["__guid"]["gt"])
        requests_seen.append((dsl["from"], after, dsl["sort"]))
        keyed = sorted(entities, key=lambda e: (e["createTime"], e["guid"]))
        if "__timestamp" not in dsl["sort"][0]:
            keyed = sorted(entities, key=lambda e: e["guid"])
        hits = [e for e in keyed if after is None or (e["createTime"], e["guid"]) > after]
        page = hits[dsl["from"] : dsl["from"] + dsl["size"]]
        answer = {"approximateCount": len(hits)}
        if page:
            answer["entities"] = page
        return 200, {}, json.dumps(answer)

    return callback, requests_seen


@responses.activate
def test_search_switches_to_keyset_paging_by_timestamp_above_the_threshold():
    data = [
        _entity("e1", 100),
        _entity("e2", 200),
        _entity("e3", 300),
        _entity("e4", 300),
        _entity("e5", 300),
        _entity("e6", 400),
    ]
    callback, seen = _fake_index(data)
    responses.add_callback(responses.POST, SEARCH_URL, callback=callback)
    client, _ = make_client(bulk_paging_threshold=3)
    query = query_connection_assets("default/snowflake/1", ["Table"])
    original = copy.deepcopy(query)

    guids = [a.guid for a in client.search_assets(query, page_size=2)]

    assert guids == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert query == original  # the caller's query is not mutated by the "after" filter
    # Always from 0, after the last (createTime, guid) seen, even where createTimes repeat.
    assert [(offset, after) for offset, after, _ in seen] == [
        (0, None),  # offset paging: 6 hits > 3, so start over by timestamp
        (0, None),
        (0, (200, "e2")),
        (0, (300, "e4")),
        (0, (400, "e6")),
    ]
    assert seen[0][2] == [{"__guid": {"order": "asc"}}]
    assert all(
        sort == [{"__timestamp": {"order": "asc"}}, {"__guid": {"order": "asc"}}] for _, _, sort in seen[1:]
    )


@responses.activate
def test_keyset_paging_never_needs_an_offset_when_thousands_share_a_create_time():
    data = [_entity(f"g{i:05d}", 500) for i in range(1200)]
    callback, seen = _fake_index(data)
    responses.add_callback(responses.POST, SEARCH_URL, callback=callback)
    client, _ = make_client(bulk_paging_threshold=100)

    guids = [a.guid for a in client.search_assets(query_connections(), page_size=300)]

    assert len(guids) == 1200 and len(set(guids)) == 1200
    assert {offset for offset, _, _ in seen} == {0}


@responses.activate
def test_search_count_returns_approximate_count():
    responses.post(SEARCH_URL, json={"approximateCount": 1234, "entities": [_entity("a")]})
    client, _ = make_client()

    assert client.search_count(query_connections()) == 1234
    assert body_of(responses.calls[0])["dsl"]["size"] == 1


@responses.activate
def test_search_assets_carry_tags_custom_metadata_and_announcements():
    entity = _entity(
        "t1",
        **{
            "SETHASH.ATTR1": 87.5,
            "SETHASH.ATTR2": None,
            "announcementType": "warning",
            "announcementTitle": "3 active anomalies",
            "announcementMessage": "See Plumbline",
            "announcementUpdatedBy": "service-account-apikey-1",
            "connectionQualifiedName": "default/snowflake/1",
        },
    )
    entity["classifications"] = [
        {"typeName": "DIRECTHASH", "entityGuid": "t1", "propagate": True},
        {"typeName": "PROPHASH", "entityGuid": "schema-guid", "propagate": True},
    ]
    entity["businessAttributes"] = {"OTHERSET": {"A": "x"}}
    responses.post(SEARCH_URL, json={"approximateCount": 1, "entities": [entity]})
    responses.post(SEARCH_URL, json={"approximateCount": 1})
    client, _ = make_client()

    (asset,) = client.search_assets(query_connections())

    assert asset.tags == [
        AtlanTagRef("DIRECTHASH", propagated=False, source_guid="t1"),
        AtlanTagRef("PROPHASH", propagated=True, source_guid="schema-guid"),
    ]
    assert asset.custom_metadata == {"SETHASH": {"ATTR1": 87.5}, "OTHERSET": {"A": "x"}}
    assert (asset.announcement_type, asset.announcement_title, asset.announcement_message) == (
        "warning",
        "3 active anomalies",
        "See Plumbline",
    )
    assert asset.announcement_updated_by == "service-account-apikey-1"
    assert asset.connection_qualified_name == "default/snowflake/1"


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ({"entities": {"a": 1}}, "'entities' is not a list"),
        ({"entities": [{"typeName": "Table"}]}, "an entity has no 'guid'"),
        ({"entities": [{"guid": "g1"}]}, "entity g1 has no 'typeName'"),
        ({"entities": [{"guid": "g1", "typeName": "T", "attributes": []}]}, "'attributes' of entity g1"),
        (
            {"entities": [{"guid": "g1", "typeName": "T", "classifications": [{}]}]},
            "classification #0 of asset g1",
        ),
        ({"approximateCount": "many"}, "'approximateCount' is not a number"),
    ],
)
@responses.activate
def test_malformed_search_answers_are_rejected_with_what_was_wrong(answer, complaint):
    responses.post(SEARCH_URL, json=answer)
    client, _ = make_client()

    with pytest.raises(CatalogMalformedResponseError, match=complaint):
        list(client.search_assets(query_connections()))


@responses.activate
def test_a_search_without_rights_is_a_permission_error():
    responses.post(
        SEARCH_URL, status=403, json={"errorCode": "ATLAS-403-00-001", "errorMessage": "not allowed"}
    )
    client, _ = make_client()

    with pytest.raises(CatalogPermissionError, match="ATLAS-403-00-001 not allowed"):
        list(client.search_assets(query_connections()))


@responses.activate
def test_a_rate_limited_search_waits_as_asked_and_reports_it():
    responses.post(SEARCH_URL, status=429, headers={"Retry-After": "3"})
    responses.post(SEARCH_URL, json={"approximateCount": 0})
    waits: list[tuple[float, str]] = []
    client, delays = make_client(on_wait=lambda seconds, reason: waits.append((seconds, reason)))

    assert list(client.search_assets(query_connections())) == []

    assert delays == [3.0]
    assert waits == [(3.0, "Atlan answered 429 (rate limited)")]


@responses.activate
def test_a_search_that_stays_rate_limited_gives_up_with_a_typed_error():
    responses.post(SEARCH_URL, status=429, headers={"Retry-After": "1"})
    client, delays = make_client(max_retries=2)

    with pytest.raises(CatalogRateLimitedError):
        list(client.search_assets(query_connections()))
    assert delays == [1.0, 1.0]


# --- Custom-metadata values ----------------------------------------------------------------------


@responses.activate
def test_custom_metadata_merge_chunks_into_batches_with_the_merge_flags():
    def answer(request):
        sent = json.loads(request.body)["entities"]
        updated = [_entity(e["guid"]) for e in sent]
        return 200, {}, json.dumps({"mutatedEntities": {"UPDATE": updated}, "guidAssignments": {}})

    responses.add_callback(responses.POST, BULK_URL, callback=answer)
    client, _ = make_client()
    updates = [
        CustomMetadataUpdate(
            "Table", f"default/snowflake/1/DB/SCH/T{i}", f"T{i}", {"SET": {"A": i}}, guid=f"g{i}"
        )
        for i in range(45)
    ]

    result = client.custom_metadata_merge(updates)

    assert [len(body_of(c)["entities"]) for c in responses.calls] == [20, 20, 5]
    for call in responses.calls:
        assert query_of(call) == {
            "replaceBusinessAttributes": ["true"],
            "overwriteBusinessAttributes": ["false"],
        }
    assert body_of(responses.calls[0])["entities"][0] == {
        "typeName": "Table",
        "guid": "g0",
        "attributes": {"qualifiedName": "default/snowflake/1/DB/SCH/T0", "name": "T0"},
        "businessAttributes": {"SET": {"A": 0}},
    }
    assert len(result.updated) == 45
    assert client.counts.writes == 3


@responses.activate
def test_custom_metadata_merge_understands_a_no_op_and_a_custom_batch_size():
    responses.post(BULK_URL, json={"guidAssignments": {}})
    client, _ = make_client()
    updates = [CustomMetadataUpdate("Column", f"qn{i}", f"c{i}", {"S": {"A": None}}) for i in range(3)]

    result = client.custom_metadata_merge(updates, batch_size=2)

    assert result.is_noop
    assert len(responses.calls) == 2
    assert "guid" not in body_of(responses.calls[0])["entities"][0]


@responses.activate
def test_custom_metadata_merge_of_nothing_sends_nothing():
    client, _ = make_client()
    assert client.custom_metadata_merge([]).is_noop
    assert len(responses.calls) == 0


def test_mutation_parsing_merges_partial_updates_without_duplicates():
    result = parse_mutation(
        {
            "mutatedEntities": {"CREATE": [_entity("new")], "PARTIAL_UPDATE": [_entity("p1")]},
            "partialUpdatedEntities": [_entity("p1"), _entity("p2")],
            "guidAssignments": {"-123": "new"},
        }
    )
    assert [a.guid for a in result.created] == ["new"]
    assert [a.guid for a in result.partially_updated] == ["p1", "p2"]
    assert result.guid_assignments == {"-123": "new"}


# --- Announcements -------------------------------------------------------------------------------


QN = "default/snowflake/1/DB/SCH/ORDERS"
BY_QN_URL = f"{BASE}/api/meta/entity/uniqueAttribute/type/Table"


@responses.activate
def test_announcement_set_puts_the_partial_entity_by_qualified_name():
    responses.put(
        BY_QN_URL, json={"mutatedEntities": {"PARTIAL_UPDATE": [_entity("g1")]}, "guidAssignments": {}}
    )
    client, _ = make_client()

    result = client.announcement_set(
        "Table",
        QN,
        "ORDERS",
        announcement_type="warning",
        title="2 active anomalies",
        message="See Plumbline",
    )

    call = responses.calls[0]
    assert query_of(call) == {"attr:qualifiedName": [QN]}
    assert body_of(call) == {
        "entity": {
            "typeName": "Table",
            "attributes": {
                "qualifiedName": QN,
                "name": "ORDERS",
                "announcementType": "warning",
                "announcementTitle": "2 active anomalies",
                "announcementMessage": "See Plumbline",
            },
        }
    }
    assert [a.guid for a in result.partially_updated] == ["g1"]


@responses.activate
def test_announcement_clear_sends_the_announcement_and_its_updater_as_null():
    responses.put(BY_QN_URL, json={"guidAssignments": {}})
    client, _ = make_client()

    client.announcement_clear("Table", QN, "ORDERS")

    attributes = body_of(responses.calls[0])["entity"]["attributes"]
    assert attributes == {
        "qualifiedName": QN,
        "name": "ORDERS",
        "announcementType": None,
        "announcementTitle": None,
        "announcementMessage": None,
        "announcementUpdatedBy": None,
        "announcementUpdatedAt": None,
    }


@responses.activate
def test_announcement_set_names_its_updater_and_time_when_given():
    responses.put(BY_QN_URL, json={"guidAssignments": {}})
    client, _ = make_client()

    client.announcement_set(
        "Table", QN, "ORDERS", announcement_type="warning", title="t", message="m", updated_by="svc-plumbline"
    )

    attributes = body_of(responses.calls[0])["entity"]["attributes"]
    assert attributes["announcementUpdatedBy"] == "svc-plumbline"
    assert isinstance(attributes["announcementUpdatedAt"], int) and attributes["announcementUpdatedAt"] > 0


def test_announcement_set_refuses_an_unknown_type():
    client, _ = make_client()
    with pytest.raises(ValueError):
        client.announcement_set("Table", QN, "ORDERS", announcement_type="alarm", title="x")


# --- Construction --------------------------------------------------------------------------------


def test_base_url_is_normalised_to_scheme_and_host():
    assert normalise_base_url("https://tenant.atlan.com/") == "https://tenant.atlan.com"
    assert normalise_base_url(" https://tenant.atlan.com/assets?x=1 ") == "https://tenant.atlan.com"
    assert normalise_base_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    for bad in ("tenant.atlan.com", "ftp://x", "https://"):
        with pytest.raises(ValueError):
            normalise_base_url(bad)


@responses.activate
def test_client_uses_the_normalised_url_and_keeps_the_token_out_of_its_repr():
    responses.get(f"{BASE}/api/service/users/current", json={"username": "u"})
    client = AtlanClient(BASE + "/some/page/", TOKEN, timeout=(2, 9))

    client.current_user()

    assert responses.calls[0].request.url == f"{BASE}/api/service/users/current"
    assert responses.calls[0].request.req_kwargs["timeout"] == (2, 9)
    assert TOKEN not in repr(client) and TOKEN not in str(client) and TOKEN not in repr(client.http)


@responses.activate
def test_a_search_stopped_early_finishes_its_page_in_flight_and_leaves_no_thread():
    import threading

    for name in ("a", "c", "e"):
        responses.post(
            SEARCH_URL, json={"approximateCount": 6, "entities": [_entity(name), _entity(name + "2")]}
        )
    client, _ = make_client()
    assets = client.search_assets(query_connections(), page_size=2)
    assert next(assets).guid == "a"
    assets.close()
    assert len(responses.calls) <= 2
    assert not [t for t in threading.enumerate() if t.name.startswith("atlan-search")]


@responses.activate
def test_retry_notices_of_a_prefetched_page_reach_the_caller_on_its_own_thread():
    import threading

    seen = []
    responses.post(SEARCH_URL, json={"approximateCount": 3, "entities": [_entity("a"), _entity("b")]})
    responses.post(
        SEARCH_URL, status=429, headers={"Retry-After": "2"}, json={"errorCode": "ATLAS-429-00-001"}
    )
    responses.post(SEARCH_URL, json={"approximateCount": 3, "entities": [_entity("c")]})
    client, _ = make_client(on_wait=lambda s, why: seen.append((s, threading.current_thread().name)))
    assert [a.guid for a in client.search_assets(query_connections(), page_size=2)] == ["a", "b", "c"]
    assert seen == [(2.0, threading.current_thread().name)]
