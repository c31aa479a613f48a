"""Index-search query builders and the request bodies Atlan's write endpoints take."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from typing import Any

from integrations.atlan.records import (
    KIND_TYPES,
    AtlanAttributeDef,
    AtlanCustomMetadataDef,
    AttributeSpec,
    CustomMetadataUpdate,
)

# --- Query helpers -----------------------------------------------------------------------------


def term(field_name: str, value: Any) -> dict[str, Any]:
    return {"term": {field_name: {"value": value, "case_insensitive": False}}}


def terms(field_name: str, values: Iterable[Any]) -> dict[str, Any]:
    return {"terms": {field_name: list(values)}}


def prefix(field_name: str, value: str) -> dict[str, Any]:
    return {"prefix": {field_name: {"value": value, "case_insensitive": False}}}


def bool_filter(*clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": list(clauses)}}


def _type_clause(type_names: Sequence[str]) -> dict[str, Any]:
    if len(type_names) == 1:
        return term("__typeName.keyword", type_names[0])
    return terms("__typeName.keyword", type_names)


def query_connection_assets(
    connection_qn: str, type_names: Sequence[str], qn_prefix: str | None = None
) -> dict[str, Any]:
    """Active assets of these types in one connection, optionally under a qualifiedName prefix."""
    if not type_names:
        raise ValueError("At least one type name is needed.")
    clauses = [
        term("__state", "ACTIVE"),
        _type_clause(type_names),
        term("connectionQualifiedName", connection_qn),
    ]
    if qn_prefix:
        clauses.append(prefix("qualifiedName", qn_prefix))
    return bool_filter(*clauses)


def query_connections(connector_name: str | None = None) -> dict[str, Any]:
    """Active connections, optionally of one connector (e.g. "snowflake")."""
    clauses = [term("__state", "ACTIVE"), term("__typeName.keyword", "Connection")]
    if connector_name:
        clauses.append(term("connectorName", connector_name))
    return bool_filter(*clauses)


def after_clause(create_time: int, guid: str) -> dict[str, Any]:
    """Assets sorted after (create_time, guid): a later createTime, or the same one and a later guid."""
    return {
        "bool": {
            "should": [
                {"range": {"__timestamp": {"gt": create_time}}},
                {
                    "bool": {
                        "filter": [
                            {"term": {"__timestamp": {"value": create_time}}},
                            {"range": {"__guid": {"gt": guid}}},
                        ]
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def with_filter(query: dict[str, Any], clause: dict[str, Any]) -> dict[str, Any]:
    """The query with one more filter clause, leaving the caller's query untouched."""
    query = copy.deepcopy(query)
    inner = query.get("bool") if len(query) == 1 else None
    if isinstance(inner, dict):
        existing = inner.get("filter", [])
        inner["filter"] = [*(existing if isinstance(existing, list) else [existing]), clause]
        return query
    return {"bool": {"must": [query], "filter": [clause]}}


def search_body(
    query: dict[str, Any],
    attributes: Sequence[str],
    relation_attributes: Sequence[str],
    offset: int,
    size: int,
    *,
    by_timestamp: bool,
) -> dict[str, Any]:
    """An index-search request: one page, sorted so that paging is stable."""
    sort: list[dict[str, Any]] = [{"__guid": {"order": "asc"}}]
    if by_timestamp:
        sort.insert(0, {"__timestamp": {"order": "asc"}})
    return {
        "dsl": {
            "from": offset,
            "size": size,
            "aggregations": {},
            "track_total_hits": True,
            "query": query,
            "sort": sort,
        },
        "attributes": list(attributes),
        "relationAttributes": list(relation_attributes),
        # Atlan's own SDK turns search logging off: it avoids memory trouble in the metastore.
        "requestMetadata": {"saveSearchLog": False, "utmTags": ["project_plumbline"]},
    }


# --- Request bodies ----------------------------------------------------------------------------


def typedefs_request(definition: dict[str, Any]) -> dict[str, Any]:
    # Atlan wants all six arrays present, even empty (reference §5).
    return {
        "enumDefs": [],
        "structDefs": [],
        "classificationDefs": [],
        "entityDefs": [],
        "relationshipDefs": [],
        "businessMetadataDefs": [definition],
    }


def attribute_body(spec: AttributeSpec, asset_types: Sequence[str]) -> dict[str, Any]:
    type_name, primitive = KIND_TYPES[spec.kind]
    options: dict[str, Any] = {
        "customMetadataVersion": "v2",
        "primitiveType": primitive,
        # Both are JSON-encoded strings inside the options, exactly as Atlan stores them.
        "applicableEntityTypes": json.dumps(["Asset"]),
        "assetTypesList": json.dumps(list(asset_types)),
        "allowSearch": False,
        "maxStrLength": "100000000",
        "allowFiltering": True,
        "multiValueSelect": False,
        "showInOverview": False,
        "isEnum": False,
        "isRichText": False,
    }
    if spec.kind == "url":
        options["customType"] = "url"
    return {
        "name": "",
        "displayName": spec.display_name,
        "description": spec.description,
        "isNew": True,
        "typeName": type_name,
        "cardinality": "SINGLE",
        "isIndexable": True,
        "isOptional": True,
        "isUnique": False,
        "includeInNotification": False,
        "valuesMinCount": 0,
        "valuesMaxCount": 1,
        "options": options,
    }


def existing_attribute_body(attr: AtlanAttributeDef) -> dict[str, Any]:
    return {
        "name": attr.hash,
        "displayName": attr.display_name,
        "description": attr.description,
        "typeName": attr.type_name,
        "options": dict(attr.options),
    }


def def_body(definition: AtlanCustomMetadataDef) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "BUSINESS_METADATA",
        "name": definition.hash,
        "displayName": definition.display_name,
        "description": definition.description,
        "options": dict(definition.options),
    }
    if definition.guid:
        body["guid"] = definition.guid
    return body


def merge_entity(update: CustomMetadataUpdate) -> dict[str, Any]:
    entity: dict[str, Any] = {"typeName": update.type_name}
    if update.guid:
        entity["guid"] = update.guid
    entity["attributes"] = {"qualifiedName": update.qualified_name, "name": update.name}
    entity["businessAttributes"] = update.values
    return entity
