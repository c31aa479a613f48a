"""Every sandbox endpoint driven over real HTTP with `requests`, checking Atlan's shapes."""

from __future__ import annotations

import json
from typing import Any

import requests

SF = "default/snowflake/1700000000"
ORDERS = f"{SF}/SALES/PUBLIC/ORDERS"
CUSTOMERS = f"{SF}/SALES/PUBLIC/CUSTOMERS"


def _search(sandbox, query: dict[str, Any], **extra: Any) -> requests.Response:
    body = {"dsl": {"from": 0, "size": 100, "query": query, **extra.pop("dsl", {})}, **extra}
    return requests.post(f"{sandbox.url}/api/meta/search/indexsearch", json=body, headers=sandbox.headers())


def _filter(*clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": list(clauses)}}


def _term(field: str, value: Any) -> dict[str, Any]:
    return {"term": {field: {"value": value, "case_insensitive": False}}}


def _names(response: requests.Response) -> list[str]:
    return [e["attributes"]["name"] for e in response.json().get("entities", [])]


def _guid(sandbox, qn: str) -> str:
    return sandbox.store.find_qn(qn)["guid"]


# ----- users ----------------------------------------------------------------------------------
def test_current_user_answers_the_tokens_username(atlan_sandbox):
    r = requests.get(f"{atlan_sandbox.url}/api/service/users/current", headers=atlan_sandbox.headers())
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "service-account-apikey-plumbline-demo"
    assert {"id", "enabled", "attributes", "createdTimestamp"} <= body.keys()


def test_whoami_lists_the_api_token_role(atlan_sandbox):
    r = requests.get(f"{atlan_sandbox.url}/api/service/whoami", headers=atlan_sandbox.headers())
    assert r.status_code == 200
    assert {"name": "$api-token-default-access"}.items() <= r.json()["roles"][0].items()


# ----- typedefs -------------------------------------------------------------------------------
def test_typedefs_filtered_by_type_return_six_arrays_with_unasked_ones_empty(atlan_sandbox):
    r = requests.get(
        f"{atlan_sandbox.url}/api/meta/types/typedefs",
        params=[("type", "CLASSIFICATION"), ("type", "STRUCT")],
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "enumDefs",
        "structDefs",
        "classificationDefs",
        "entityDefs",
        "relationshipDefs",
        "businessMetadataDefs",
    }
    assert body["businessMetadataDefs"] == [] and body["enumDefs"] == []
    assert body["structDefs"], "pyatlan's caches treat no structs as an expired token"
    tags = {d["displayName"]: d for d in body["classificationDefs"]}
    assert {"PII", "Confidential", "FINANCE", "Gold Layer", "Deprecated <legacy>"} <= tags.keys()
    pii = tags["PII"]
    assert len(pii["name"]) == 22 and pii["name"] != "PII"
    assert pii["category"] == "CLASSIFICATION" and pii["options"]["color"] == "Red"


def test_custom_metadata_typedefs_have_hashed_attributes_and_string_booleans(atlan_sandbox):
    r = requests.get(
        f"{atlan_sandbox.url}/api/meta/types/typedefs",
        params={"type": "BUSINESS_METADATA"},
        headers=atlan_sandbox.headers(),
    )
    (ownership,) = r.json()["businessMetadataDefs"]
    assert ownership["displayName"] == "Data Ownership" and len(ownership["name"]) == 22
    steward = ownership["attributeDefs"][0]
    assert steward["displayName"] == "Steward" and len(steward["name"]) == 22
    assert steward["options"]["isEnum"] == "false" and steward["options"]["allowFiltering"] == "true"
    assert r.json()["classificationDefs"] == []


def test_typedef_by_name_returns_one_def_or_404(atlan_sandbox):
    tag_hash = atlan_sandbox.store.tag_hash("PII")
    r = requests.get(
        f"{atlan_sandbox.url}/api/meta/types/typedef/name/{tag_hash}", headers=atlan_sandbox.headers()
    )
    assert r.status_code == 200 and r.json()["displayName"] == "PII"
    missing = requests.get(
        f"{atlan_sandbox.url}/api/meta/types/typedef/name/nope", headers=atlan_sandbox.headers()
    )
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "ATLAS-404-00-001"


def _cm_request(name: str, *attrs: str) -> dict[str, Any]:
    return {
        "enumDefs": [],
        "structDefs": [],
        "classificationDefs": [],
        "entityDefs": [],
        "relationshipDefs": [],
        "businessMetadataDefs": [
            {
                "category": "BUSINESS_METADATA",
                "name": name,
                "displayName": name,
                "attributeDefs": [
                    {
                        "name": "",
                        "displayName": a,
                        "isNew": True,
                        "typeName": "float",
                        "options": {
                            "primitiveType": "float",
                            "allowSearch": False,
                            "multiValueSelect": False,
                        },
                    }
                    for a in attrs
                ],
            }
        ],
    }


def test_creating_a_custom_metadata_set_assigns_hashes_and_stringifies_options(atlan_sandbox):
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/types/typedefs",
        json=_cm_request("DQ Scores", "Score", "Completeness"),
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 200
    (created,) = r.json()["businessMetadataDefs"]
    assert created["displayName"] == "DQ Scores" and len(created["name"]) == 22
    assert [a["displayName"] for a in created["attributeDefs"]] == ["Score", "Completeness"]
    for attr in created["attributeDefs"]:
        assert len(attr["name"]) == 22 and "isNew" not in attr
        assert attr["options"]["allowSearch"] == "false" and attr["options"]["multiValueSelect"] == "false"
    assert r.json()["classificationDefs"] == []
    again = requests.post(
        f"{atlan_sandbox.url}/api/meta/types/typedefs",
        json=_cm_request("DQ Scores", "Score"),
        headers=atlan_sandbox.headers(),
    )
    assert again.status_code == 409


def test_updating_a_custom_metadata_set_keeps_existing_hashes_and_adds_new_attributes(atlan_sandbox):
    created = requests.post(
        f"{atlan_sandbox.url}/api/meta/types/typedefs",
        json=_cm_request("DQ Scores", "Score"),
        headers=atlan_sandbox.headers(),
    ).json()["businessMetadataDefs"][0]
    score_hash = created["attributeDefs"][0]["name"]
    update = _cm_request("DQ Scores", "Accuracy")
    update["businessMetadataDefs"][0]["name"] = created["name"]
    update["businessMetadataDefs"][0]["attributeDefs"].insert(0, created["attributeDefs"][0])
    r = requests.put(
        f"{atlan_sandbox.url}/api/meta/types/typedefs", json=update, headers=atlan_sandbox.headers()
    )
    assert r.status_code == 200
    (updated,) = r.json()["businessMetadataDefs"]
    assert updated["name"] == created["name"]
    attrs = {a["displayName"]: a["name"] for a in updated["attributeDefs"]}
    assert attrs["Score"] == score_hash
    assert len(attrs["Accuracy"]) == 22 and attrs["Accuracy"] != score_hash


def test_creating_a_tag_typedef_assigns_a_hash_and_keeps_the_display_name(atlan_sandbox):
    body = {
        "classificationDefs": [
            {"name": "Quality Alert", "displayName": "Quality Alert", "options": {"color": "Red"}}
        ]
    }
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/types/typedefs", json=body, headers=atlan_sandbox.headers()
    )
    assert r.status_code == 200
    (tag,) = r.json()["classificationDefs"]
    assert tag["displayName"] == "Quality Alert" and len(tag["name"]) == 22
    assert atlan_sandbox.store.tag_hash("Quality Alert") == tag["name"]


def test_deleting_a_typedef_answers_204_with_an_empty_body(atlan_sandbox):
    tag_hash = atlan_sandbox.store.tag_hash("Gold Layer")
    r = requests.delete(
        f"{atlan_sandbox.url}/api/meta/types/typedef/name/{tag_hash}", headers=atlan_sandbox.headers()
    )
    assert r.status_code == 204 and r.content == b""


# ----- search ---------------------------------------------------------------------------------
def test_search_echoes_parameters_counts_and_returns_headers(atlan_sandbox):
    query = _filter(_term("__typeName.keyword", "Table"), _term("connectionQualifiedName", SF))
    r = _search(atlan_sandbox, query, dsl={"sort": [{"name.keyword": {"order": "asc"}}]})
    assert r.status_code == 200
    body = r.json()
    assert body["queryType"] == "INDEX"
    assert body["approximateCount"] == 7
    assert json.loads(body["searchParameters"]["query"]) == body["searchParameters"]["dsl"]
    names = _names(r)
    assert names == sorted(names) and "ORDERS_ARCHIVE" in names
    entity = body["entities"][0]
    assert set(entity["attributes"]) == {"qualifiedName", "name"}
    assert {
        "classificationNames",
        "classifications",
        "meaningNames",
        "createTime",
        "updateTime",
    } <= entity.keys()


def test_search_without_hits_leaves_entities_out(atlan_sandbox):
    r = _search(atlan_sandbox, _filter(_term("__typeName.keyword", "Table"), _term("name.keyword", "NOPE")))
    assert r.status_code == 200
    assert "entities" not in r.json() and r.json()["approximateCount"] == 0


def test_search_returns_requested_attributes_relations_and_flattened_custom_metadata(atlan_sandbox):
    cm = atlan_sandbox.store.cm_set_by_name("Data Ownership")
    steward = f"{cm['name']}.{atlan_sandbox.store.cm_attr_hash(cm, 'Steward')}"
    r = _search(
        atlan_sandbox,
        _filter(_term("qualifiedName", ORDERS)),
        attributes=["announcementType", "announcementUpdatedBy", "columns", steward],
        relationAttributes=["dataType"],
    )
    (orders,) = r.json()["entities"]
    attrs = orders["attributes"]
    assert attrs[steward] == "jsmith"
    assert attrs["announcementType"] == "information" and attrs["announcementUpdatedBy"] == "jsmith"
    columns = {c["attributes"]["name"]: c for c in attrs["columns"]}
    assert columns["ORDER_ID"]["attributes"]["dataType"] == "NUMBER"
    assert columns["ORDER_ID"]["typeName"] == "Column"


def test_search_returns_direct_and_propagated_tags_with_the_source_guid(atlan_sandbox):
    table_guid = _guid(atlan_sandbox, CUSTOMERS)
    pii = atlan_sandbox.store.tag_hash("PII")
    confidential = atlan_sandbox.store.tag_hash("Confidential")
    r = _search(atlan_sandbox, _filter(_term("qualifiedName", f"{CUSTOMERS}/EMAIL")))
    (email,) = r.json()["entities"]
    by_tag = {c["typeName"]: c for c in email["classifications"]}
    assert by_tag[confidential]["entityGuid"] == email["guid"]
    assert by_tag[pii]["entityGuid"] == table_guid and by_tag[pii]["propagate"] is True
    assert set(email["classificationNames"]) == {pii, confidential}


def test_search_on_trait_fields_separates_direct_from_propagated_tags(atlan_sandbox):
    pii = atlan_sandbox.store.tag_hash("PII")
    direct = _search(
        atlan_sandbox, _filter({"terms": {"__traitNames": [pii]}}, _term("connectionQualifiedName", SF))
    )
    propagated = _search(
        atlan_sandbox,
        _filter({"terms": {"__propagatedTraitNames": [pii]}}, _term("connectionQualifiedName", SF)),
    )
    assert set(_names(direct)) == {"CUSTOMERS", "SHIPPING_ADDRESS", "CARD_LAST4"}
    assert "EMAIL" in _names(propagated) and "CUSTOMERS" not in _names(propagated)
    either = _search(
        atlan_sandbox,
        {
            "bool": {
                "filter": [_term("__typeName.keyword", "Column"), _term("connectionQualifiedName", SF)],
                "should": [
                    {"exists": {"field": "__traitNames"}},
                    {"exists": {"field": "__propagatedTraitNames"}},
                ],
                "minimum_should_match": 1,
            }
        },
    )
    assert r_count(either) == 9  # 7 CUSTOMERS columns + SHIPPING_ADDRESS + CARD_LAST4


def r_count(response: requests.Response) -> int:
    return response.json()["approximateCount"]


def test_search_dsl_must_not_prefix_terms_range_and_case_insensitive_term(atlan_sandbox):
    tables = _term("__typeName.keyword", "Table")
    prefix = {"prefix": {"qualifiedName": {"value": f"{SF}/SALES/PUBLIC/ORD", "case_insensitive": False}}}
    assert set(_names(_search(atlan_sandbox, _filter(tables, prefix)))) == {
        "ORDERS",
        "ORDER_ITEMS",
        "ORDERS_ARCHIVE",
    }
    no_archive = {"bool": {"filter": [tables, prefix], "must_not": [_term("name.keyword", "ORDERS_ARCHIVE")]}}
    assert set(_names(_search(atlan_sandbox, no_archive))) == {"ORDERS", "ORDER_ITEMS"}
    insensitive = {"term": {"name.keyword": {"value": "orders", "case_insensitive": True}}}
    assert set(_names(_search(atlan_sandbox, _filter(tables, insensitive)))) == {"ORDERS"}
    short_form = _search(atlan_sandbox, {"bool": {"must": [{"term": {"name.keyword": "ORDERS"}}, tables]}})
    assert _names(short_form) == ["ORDERS"]
    kinds = _search(atlan_sandbox, _filter({"terms": {"__typeName.keyword": ["View", "MaterialisedView"]}}))
    assert set(_names(kinds)) == {"REVENUE_DAILY", "CUSTOMER_LTV", "active_users"}
    created = atlan_sandbox.store.find_qn(ORDERS)["createTime"]
    later = _search(atlan_sandbox, _filter(tables, {"range": {"__timestamp": {"gt": created}}}))
    assert "ORDERS" not in _names(later) and r_count(later) > 0
    everything = _search(atlan_sandbox, {"match_all": {}}, dsl={"size": 1})
    assert r_count(everything) == len(atlan_sandbox.store.entities)


def test_search_pages_with_from_and_size_and_multi_key_sort(atlan_sandbox):
    query = _filter(_term("__typeName.keyword", "Column"))
    sort = [{"tableName": {"order": "desc"}}, {"order": {"order": "asc"}}, {"__guid": {"order": "asc"}}]
    seen: list[str] = []
    start = 0
    while True:
        r = _search(
            atlan_sandbox,
            query,
            dsl={"from": start, "size": 7, "sort": sort},
            attributes=["tableName", "order"],
        )
        entities = r.json().get("entities")
        if not entities:
            break
        seen.extend(e["guid"] for e in entities)
        start += 7
    assert len(seen) == len(set(seen)) == r_count(r)
    first = _search(
        atlan_sandbox, query, dsl={"size": 12, "sort": sort}, attributes=["tableName", "order"]
    ).json()
    keys = [(e["attributes"]["tableName"], -e["attributes"]["order"]) for e in first["entities"]]
    assert keys == sorted(keys, reverse=True)
    desc = _search(
        atlan_sandbox,
        _filter(_term("__typeName.keyword", "Table")),
        dsl={"sort": [{"__guid": {"order": "desc"}}]},
    )
    guids = [e["guid"] for e in desc.json()["entities"]]
    assert guids == sorted(guids, reverse=True)


def test_search_beyond_the_ten_thousand_result_window_is_a_400(atlan_sandbox):
    r = _search(atlan_sandbox, {"match_all": {}}, dsl={"from": 9990, "size": 20})
    assert r.status_code == 400
    assert "Result window is too large" in r.json()["errorMessage"]


def test_search_with_an_unsupported_clause_is_a_400(atlan_sandbox):
    r = _search(atlan_sandbox, {"fuzzy": {"name": "ORDRES"}})
    assert r.status_code == 400 and r.json()["errorCode"].startswith("ATLAS-400")


# ----- entity reads ---------------------------------------------------------------------------
def test_entity_by_guid_has_attributes_relationships_tags_and_custom_metadata(atlan_sandbox):
    guid = _guid(atlan_sandbox, ORDERS)
    r = requests.get(f"{atlan_sandbox.url}/api/meta/entity/guid/{guid}", headers=atlan_sandbox.headers())
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"entity", "referredEntities"}
    entity = body["entity"]
    assert entity["typeName"] == "Table" and entity["guid"] == guid
    assert entity["attributes"]["schemaQualifiedName"] == f"{SF}/SALES/PUBLIC"
    assert entity["relationshipAttributes"]["atlanSchema"]["typeName"] == "Schema"
    assert entity["relationshipAttributes"]["atlanSchema"]["relationshipType"] == "schema_tables"
    assert len(entity["relationshipAttributes"]["columns"]) == 7
    cm = atlan_sandbox.store.cm_set_by_name("Data Ownership")
    assert "jsmith" in entity["businessAttributes"][cm["name"]].values()
    assert [c["typeName"] for c in entity["classifications"]] == [atlan_sandbox.store.tag_hash("FINANCE")]


def test_entity_by_unknown_guid_is_a_404(atlan_sandbox):
    r = requests.get(f"{atlan_sandbox.url}/api/meta/entity/guid/not-a-guid", headers=atlan_sandbox.headers())
    assert r.status_code == 404
    assert r.json()["errorCode"] == "ATLAS-404-00-005"


def test_entity_by_unique_attribute_reads_and_404s(atlan_sandbox):
    url = f"{atlan_sandbox.url}/api/meta/entity/uniqueAttribute/type/Column"
    r = requests.get(
        url, params={"attr:qualifiedName": f"{ORDERS}/ORDER_ID"}, headers=atlan_sandbox.headers()
    )
    assert r.status_code == 200
    entity = r.json()["entity"]
    assert entity["attributes"]["tableQualifiedName"] == ORDERS and entity["attributes"]["order"] == 1
    assert entity["relationshipAttributes"]["table"]["guid"] == _guid(atlan_sandbox, ORDERS)
    assert entity["attributes"]["announcementUpdatedAt"] == 0
    missing = requests.get(
        url, params={"attr:qualifiedName": f"{ORDERS}/NOPE"}, headers=atlan_sandbox.headers()
    )
    assert missing.status_code == 404 and missing.json()["errorCode"] == "ATLAS-404-00-009"


# ----- entity bulk ----------------------------------------------------------------------------
def _bulk(
    sandbox, entities: list[dict[str, Any]], token: str | None = None, **flags: bool
) -> requests.Response:
    params = {k: str(v).lower() for k, v in flags.items()}
    return requests.post(
        f"{sandbox.url}/api/meta/entity/bulk",
        params=params,
        json={"entities": entities},
        headers=sandbox.headers(token),
    )


def _table(name: str, guid: str = "-1", **attrs: Any) -> dict[str, Any]:
    schema = f"{SF}/SALES/PUBLIC"
    return {
        "typeName": "Table",
        "guid": guid,
        "attributes": {
            "qualifiedName": f"{schema}/{name}",
            "name": name,
            "atlanSchema": {"typeName": "Schema", "uniqueAttributes": {"qualifiedName": schema}},
            **attrs,
        },
    }


def test_bulk_creates_with_placeholder_guids_and_reports_assignments(atlan_sandbox):
    column = {
        "typeName": "Column",
        "guid": "-2",
        "attributes": {
            "qualifiedName": f"{SF}/SALES/PUBLIC/RETURNS/RETURN_ID",
            "name": "RETURN_ID",
            "order": 1,
        },
    }
    r = _bulk(atlan_sandbox, [_table("RETURNS", "-1"), column])
    assert r.status_code == 200
    body = r.json()
    created = body["mutatedEntities"]["CREATE"]
    assert [e["typeName"] for e in created] == ["Table", "Column"]
    assert set(body["guidAssignments"]) == {"-1", "-2"}
    assert "UPDATE" not in body["mutatedEntities"]
    assert atlan_sandbox.store.find_qn(f"{SF}/SALES/PUBLIC/RETURNS")["guid"] == body["guidAssignments"]["-1"]


def test_bulk_updates_existing_assets_by_type_and_qualified_name(atlan_sandbox):
    r = _bulk(atlan_sandbox, [_table("ORDERS", "-5", description="All orders")])
    body = r.json()
    (updated,) = body["mutatedEntities"]["UPDATE"]
    assert updated["guid"] == _guid(atlan_sandbox, ORDERS)
    assert updated["attributes"]["description"] == "All orders"
    assert "CREATE" not in body["mutatedEntities"]


def test_bulk_save_that_changes_nothing_answers_only_empty_guid_assignments(atlan_sandbox):
    first = _bulk(atlan_sandbox, [_table("ORDERS", description="All orders")])
    assert first.status_code == 200
    again = _bulk(atlan_sandbox, [_table("ORDERS", description="All orders")])
    assert again.json() == {"guidAssignments": {}}


def test_bulk_with_a_missing_parent_is_a_404_and_changes_nothing(atlan_sandbox):
    orphan = {
        "typeName": "Table",
        "guid": "-1",
        "attributes": {"qualifiedName": f"{SF}/SALES/NOSCHEMA/T", "name": "T"},
    }
    before = len(atlan_sandbox.store.entities)
    r = _bulk(atlan_sandbox, [_table("FINE"), orphan])
    assert r.status_code == 404 and r.json()["errorCode"] == "ATLAS-404-00-009"
    assert len(atlan_sandbox.store.entities) == before


def test_bulk_ignores_custom_metadata_unless_asked_to_replace_it(atlan_sandbox):
    store = atlan_sandbox.store
    cm = store.cm_set_by_name("Data Ownership")
    steward = store.cm_attr_hash(cm, "Steward")
    domain = store.cm_attr_hash(cm, "Domain")
    entity = _table("ORDERS")
    entity["businessAttributes"] = {cm["name"]: {steward: "mlee"}}
    assert _bulk(atlan_sandbox, [entity]).json() == {"guidAssignments": {}}
    assert store.custom_metadata(ORDERS)["Data Ownership"]["Steward"] == "jsmith"

    merged = _bulk(atlan_sandbox, [entity], replaceBusinessAttributes=True, overwriteBusinessAttributes=False)
    assert merged.json()["mutatedEntities"]["UPDATE"]
    values = store.custom_metadata(ORDERS)["Data Ownership"]
    assert values["Steward"] == "mlee" and values["Domain"] == "Sales"

    entity["businessAttributes"] = {cm["name"]: {steward: "mlee", domain: None}}
    _bulk(atlan_sandbox, [entity], replaceBusinessAttributes=True, overwriteBusinessAttributes=True)
    assert store.custom_metadata(ORDERS) == {"Data Ownership": {"Steward": "mlee"}}


def test_bulk_appends_replaces_and_rejects_unknown_tags(atlan_sandbox):
    store = atlan_sandbox.store
    pii, gold = store.tag_hash("PII"), store.tag_hash("Gold Layer")
    entity = _table("ORDERS")
    entity["addOrUpdateClassifications"] = [{"typeName": pii, "propagate": True}]
    entity["removeClassifications"] = [{"typeName": store.tag_hash("FINANCE")}]
    _bulk(atlan_sandbox, [entity], appendTags=True)
    assert store.tags_of(ORDERS, propagated=False) == ["PII"]
    assert "PII" in store.tags_of(f"{ORDERS}/ORDER_ID")

    replace = _table("ORDERS")
    replace["classifications"] = [{"typeName": gold}]
    _bulk(atlan_sandbox, [replace], replaceTags=True)
    assert store.tags_of(ORDERS) == ["Gold Layer"]

    ignored = _table("ORDERS")
    ignored["classifications"] = []
    assert _bulk(atlan_sandbox, [ignored]).json() == {"guidAssignments": {}}

    unknown = _table("ORDERS")
    unknown["addOrUpdateClassifications"] = [{"typeName": "NotARealTagHash000000"}]
    r = _bulk(atlan_sandbox, [unknown], appendTags=True)
    assert r.status_code == 404 and r.json()["errorCode"] == "ATLAS-404-00-008"


def test_bulk_with_an_unknown_type_or_no_qualified_name_is_rejected(atlan_sandbox):
    assert (
        _bulk(
            atlan_sandbox, [{"typeName": "Spaceship", "attributes": {"qualifiedName": "x", "name": "x"}}]
        ).status_code
        == 404
    )
    r = _bulk(atlan_sandbox, [{"typeName": "Table", "attributes": {"name": "x"}}])
    assert r.status_code == 400
    assert (
        requests.post(
            f"{atlan_sandbox.url}/api/meta/entity/bulk", data="{not json", headers=atlan_sandbox.headers()
        ).status_code
        == 400
    )


# ----- partial update: announcements ------------------------------------------------------------
def _put_announcement(
    sandbox, qn: str, kind: str | None, title: str | None, message: str | None = None, token=None
):
    entity = {
        "typeName": "Table",
        "attributes": {
            "qualifiedName": qn,
            "name": qn.rsplit("/", 1)[-1],
            "announcementType": kind,
            "announcementTitle": title,
            "announcementMessage": message,
        },
    }
    return requests.put(
        f"{sandbox.url}/api/meta/entity/uniqueAttribute/type/Table",
        params={"attr:qualifiedName": qn},
        json={"entity": entity},
        headers=sandbox.headers(token),
    )


def test_partial_update_sets_and_clears_an_announcement(atlan_sandbox):
    qn = f"{SF}/SALES/PUBLIC/PAYMENTS"
    r = _put_announcement(atlan_sandbox, qn, "warning", "2 active anomalies", "See Plumbline")
    assert r.status_code == 200
    (partial,) = r.json()["mutatedEntities"]["PARTIAL_UPDATE"]
    assert partial["attributes"]["announcementType"] == "warning"
    assert partial["attributes"]["announcementUpdatedBy"] == "service-account-apikey-plumbline-demo"
    assert partial["attributes"]["announcementUpdatedAt"] > 0
    assert atlan_sandbox.store.announcement(qn)["title"] == "2 active anomalies"

    same = _put_announcement(atlan_sandbox, qn, "warning", "2 active anomalies", "See Plumbline")
    assert same.json() == {"guidAssignments": {}}

    cleared = _put_announcement(atlan_sandbox, qn, None, None, None)
    attrs = cleared.json()["mutatedEntities"]["PARTIAL_UPDATE"][0]["attributes"]
    assert attrs["announcementUpdatedAt"] == 0 and "announcementType" not in attrs
    assert atlan_sandbox.store.announcement(qn) is None
    actions = [e["action"] for e in atlan_sandbox.store.announcement_log if e["qualifiedName"] == qn]
    assert actions == ["set", "cleared"]


def test_partial_update_of_a_missing_asset_is_a_404(atlan_sandbox):
    r = _put_announcement(atlan_sandbox, f"{SF}/SALES/PUBLIC/NOPE", "warning", "x")
    assert r.status_code == 404 and r.json()["errorCode"] == "ATLAS-404-00-009"


# ----- custom metadata endpoints --------------------------------------------------------------
def test_setting_one_custom_metadata_set_by_guid_answers_204_and_merges(atlan_sandbox):
    store = atlan_sandbox.store
    cm = store.cm_set_by_name("Data Ownership")
    guid = _guid(atlan_sandbox, ORDERS)
    body = {store.cm_attr_hash(cm, "Domain"): "Commerce", store.cm_attr_hash(cm, "Runbook"): None}
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/guid/{guid}/businessmetadata/{cm['name']}",
        json=body,
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 204 and r.content == b""
    assert store.custom_metadata(ORDERS) == {"Data Ownership": {"Steward": "jsmith", "Domain": "Commerce"}}


def test_setting_all_custom_metadata_merges_or_overwrites(atlan_sandbox):
    store = atlan_sandbox.store
    cm = store.cm_set_by_name("Data Ownership")
    guid = _guid(atlan_sandbox, ORDERS)
    url = f"{atlan_sandbox.url}/api/meta/entity/guid/{guid}/businessmetadata"
    body = {cm["name"]: {store.cm_attr_hash(cm, "Domain"): "Commerce"}}
    r = requests.post(url, params={"isOverwrite": "false"}, json=body, headers=atlan_sandbox.headers())
    assert r.status_code == 204 and r.content == b""
    assert store.custom_metadata(ORDERS)["Data Ownership"]["Steward"] == "jsmith"
    r = requests.post(url, params={"isOverwrite": "true"}, json=body, headers=atlan_sandbox.headers())
    assert r.status_code == 204
    assert store.custom_metadata(ORDERS) == {"Data Ownership": {"Domain": "Commerce"}}


def test_custom_metadata_for_an_unknown_guid_or_attribute_is_rejected(atlan_sandbox):
    store = atlan_sandbox.store
    cm = store.cm_set_by_name("Data Ownership")
    url = f"{atlan_sandbox.url}/api/meta/entity/guid"
    r = requests.post(f"{url}/nope/businessmetadata/{cm['name']}", json={}, headers=atlan_sandbox.headers())
    assert r.status_code == 404 and r.json()["errorCode"] == "ATLAS-404-00-005"
    guid = _guid(atlan_sandbox, ORDERS)
    r = requests.post(
        f"{url}/{guid}/businessmetadata/{cm['name']}", json={"bogus": 1}, headers=atlan_sandbox.headers()
    )
    assert r.status_code == 400


def test_unknown_api_path_answers_an_atlan_shaped_404(atlan_sandbox):
    r = requests.get(f"{atlan_sandbox.url}/api/meta/lineage/list", headers=atlan_sandbox.headers())
    assert r.status_code == 404 and set(r.json()) == {"errorCode", "errorMessage"}
