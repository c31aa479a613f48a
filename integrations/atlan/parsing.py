"""Atlan's answers turned into records.

Parsing is lenient (unknown fields are kept in `raw`, never rejected) but a known field of the
wrong shape raises `CatalogMalformedResponseError` saying what was wrong.
"""

from __future__ import annotations

import sys
from typing import Any

from integrations.atlan.records import (
    AtlanAsset,
    AtlanAttributeDef,
    AtlanCustomMetadataDef,
    AtlanMutationResult,
    AtlanTagDef,
    AtlanTagRef,
    AtlanUser,
    optional_str,
)
from integrations.http import (
    CatalogMalformedResponseError,
)

# --- Parsing helpers ---------------------------------------------------------------------------


def malformed(what: str, detail: str) -> CatalogMalformedResponseError:
    return CatalogMalformedResponseError(f"Atlan's answer to {what} is malformed: {detail}.")


def require_dict(value: Any, what: str, name: str = "the answer") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise malformed(what, f"{name} is {type(value).__name__}, expected a JSON object")
    return value


def optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


# --- Parsers (public so the sandbox's tests and fixtures can reuse them) -----------------------


def parse_user(body: Any) -> AtlanUser:
    what = "the current-user call"
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) or not body["username"]:
        raise CatalogMalformedResponseError(
            "The server answered the current-user call, but not with an Atlan user: "
            "it does not look like an Atlan API. Check the URL (it should be your tenant, "
            "e.g. https://yourcompany.atlan.com)."
        )
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise malformed(what, "'enabled' is not a boolean")
    return AtlanUser(
        id=optional_str(body.get("id")),
        username=body["username"],
        email=optional_str(body.get("email")),
        first_name=optional_str(body.get("firstName")),
        last_name=optional_str(body.get("lastName")),
        enabled=enabled,
        raw=body,
    )


def _typedef_list(body: Any, key: str, what: str) -> list[dict[str, Any]]:
    body = require_dict(body, what)
    defs = body.get(key)
    if defs is None:
        raise malformed(what, f"it has no '{key}' list")
    if not isinstance(defs, list):
        raise malformed(what, f"'{key}' is {type(defs).__name__}, expected a list")
    for index, item in enumerate(defs):
        require_dict(item, what, f"{key}[{index}]")
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise malformed(what, f"{key}[{index}] has no hashed 'name'")
    return defs


def parse_tag_typedefs(body: Any) -> dict[str, AtlanTagDef]:
    tags: dict[str, AtlanTagDef] = {}
    for item in _typedef_list(body, "classificationDefs", "the tag typedefs call"):
        options = item["options"] if isinstance(item.get("options"), dict) else {}
        tags[item["name"]] = AtlanTagDef(
            hash=item["name"],
            # A tag without a display name is odd but survivable: show its hash.
            display_name=optional_str(item.get("displayName")) or item["name"],
            color=optional_str(options.get("color")),
            description=optional_str(item.get("description")) or "",
            guid=optional_str(item.get("guid")),
            raw=item,
        )
    return tags


def parse_custom_metadata_def(
    item: Any, what: str = "the custom-metadata typedefs call"
) -> AtlanCustomMetadataDef:
    item = require_dict(item, what, "a custom-metadata definition")
    if not isinstance(item.get("name"), str) or not item["name"]:
        raise malformed(what, "a custom-metadata definition has no hashed 'name'")
    raw_attrs = item.get("attributeDefs") or []
    if not isinstance(raw_attrs, list):
        raise malformed(what, f"'attributeDefs' of {item['name']} is not a list")
    attributes = []
    for index, attr in enumerate(raw_attrs):
        attr = require_dict(attr, what, f"attribute #{index} of {item['name']}")
        if not isinstance(attr.get("name"), str) or not attr["name"]:
            raise malformed(what, f"attribute #{index} of {item['name']} has no hashed 'name'")
        options = attr["options"] if isinstance(attr.get("options"), dict) else {}
        attributes.append(
            AtlanAttributeDef(
                hash=attr["name"],
                display_name=optional_str(attr.get("displayName")) or attr["name"],
                type_name=optional_str(attr.get("typeName")) or "string",
                options=options,
                description=optional_str(attr.get("description")) or "",
                raw=attr,
            )
        )
    options = item.get("options") if isinstance(item.get("options"), dict) else {}
    return AtlanCustomMetadataDef(
        hash=item["name"],
        display_name=optional_str(item.get("displayName")) or item["name"],
        attributes=attributes,
        description=optional_str(item.get("description")) or "",
        guid=optional_str(item.get("guid")),
        options=options,
        raw=item,
    )


def parse_custom_metadata_typedefs(body: Any) -> list[AtlanCustomMetadataDef]:
    what = "the custom-metadata typedefs call"
    return [
        parse_custom_metadata_def(item, what) for item in _typedef_list(body, "businessMetadataDefs", what)
    ]


def _parse_tags(entity: dict[str, Any], guid: str, what: str) -> list[AtlanTagRef]:
    classifications = entity.get("classifications")
    tags: list[AtlanTagRef] = []
    if classifications is None:
        # Some answers carry only the hash list; those are the asset's own (direct) tags.
        names = entity.get("classificationNames") or []
        if not isinstance(names, list):
            raise malformed(what, f"'classificationNames' of asset {guid} is not a list")
        return [AtlanTagRef(hash=str(n), propagated=False, source_guid=guid) for n in dict.fromkeys(names)]
    if not isinstance(classifications, list):
        raise malformed(what, f"'classifications' of asset {guid} is not a list")
    for index, item in enumerate(classifications):
        if not isinstance(item, dict) or not isinstance(item.get("typeName"), str):
            raise malformed(what, f"classification #{index} of asset {guid} has no 'typeName'")
        # Atlas semantics: a propagated tag points at the asset it was attached to.
        source = optional_str(item.get("entityGuid")) or guid
        ref = AtlanTagRef(hash=item["typeName"], propagated=source != guid, source_guid=source)
        if ref not in tags:
            tags.append(ref)
    return tags


def _parse_custom_metadata(
    entity: dict[str, Any], attributes: dict[str, Any], guid: str, what: str
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    # Search answers flatten values as "setHash.attrHash" keys inside `attributes`.
    for key, value in attributes.items():
        if value is None or key.count(".") != 1:
            continue
        set_hash, attr_hash = key.split(".")
        if set_hash and attr_hash:
            values.setdefault(set_hash, {})[attr_hash] = value
    business = entity.get("businessAttributes")
    if business is not None:
        if not isinstance(business, dict):
            raise malformed(what, f"'businessAttributes' of asset {guid} is not an object")
        for set_hash, attrs in business.items():
            if not isinstance(attrs, dict):
                raise malformed(what, f"custom metadata set {set_hash} of asset {guid} is not an object")
            for attr_hash, value in attrs.items():
                if value is not None:
                    values.setdefault(set_hash, {})[attr_hash] = value
    return values


# Attributes parse_asset reads into AtlanAsset's own fields (custom metadata too: "setHash.attrHash").
_FIELDS = frozenset(
    {
        "qualifiedName",
        "name",
        "announcementType",
        "announcementTitle",
        "announcementMessage",
        "announcementUpdatedBy",
        "connectionQualifiedName",
    }
)


def _shared(value: Any, shared: dict[str, str]) -> Any:
    # Connections, databases, schemas and parent tables repeat across a search: one string each
    # instead of one per asset. Shared within the search, not through sys.intern: the interpreter's
    # table of interned strings never shrinks (a 200k-asset sync's table names grew it by 2 MB
    # that stayed).
    return shared.setdefault(value, value) if isinstance(value, str) else value


def parse_asset(entity: Any, what: str = "the search", shared: dict[str, str] | None = None) -> AtlanAsset:
    """One entity; `shared` holds the strings already seen by the same search (or listing)."""
    shared = {} if shared is None else shared
    entity = require_dict(entity, what, "an entity")
    guid = entity.get("guid")
    if not isinstance(guid, str) or not guid:
        raise malformed(what, "an entity has no 'guid'")
    type_name = entity.get("typeName")
    if not isinstance(type_name, str) or not type_name:
        raise malformed(what, f"entity {guid} has no 'typeName'")
    attributes = entity.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise malformed(what, f"'attributes' of entity {guid} is not an object")
    return AtlanAsset(
        guid=guid,
        type_name=sys.intern(type_name),
        qualified_name=optional_str(attributes.get("qualifiedName")) or "",
        name=optional_str(attributes.get("name")) or optional_str(entity.get("displayText")) or "",
        attributes={
            k: _shared(v, shared)
            for k, v in attributes.items()
            if v is not None and k not in _FIELDS and k.count(".") != 1
        },
        tags=_parse_tags(entity, guid, what),
        custom_metadata=_parse_custom_metadata(entity, attributes, guid, what),
        announcement_type=optional_str(attributes.get("announcementType")),
        announcement_title=optional_str(attributes.get("announcementTitle")),
        announcement_message=optional_str(attributes.get("announcementMessage")),
        announcement_updated_by=optional_str(attributes.get("announcementUpdatedBy")),
        create_time=optional_int(entity.get("createTime")),
        connection_qualified_name=_shared(optional_str(attributes.get("connectionQualifiedName")), shared),
        status=_shared(optional_str(entity.get("status")), shared),
    )


def parse_mutation(body: Any, what: str = "the entity update") -> AtlanMutationResult:
    if body is None:  # a 204 is a successful no-op
        return AtlanMutationResult()
    body = require_dict(body, what)
    mutated = body.get("mutatedEntities") or {}
    if not isinstance(mutated, dict):
        raise malformed(what, "'mutatedEntities' is not an object")

    def assets(items: Any, key: str) -> list[AtlanAsset]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise malformed(what, f"'{key}' is not a list")
        return [parse_asset(item, what) for item in items]

    partial = assets(mutated.get("PARTIAL_UPDATE"), "PARTIAL_UPDATE")
    seen = {a.guid for a in partial}
    # pyatlan dedupes the two places a partial update can be reported, by guid.
    for extra in assets(body.get("partialUpdatedEntities"), "partialUpdatedEntities"):
        if extra.guid not in seen:
            partial.append(extra)
            seen.add(extra.guid)
    assignments = body.get("guidAssignments") or {}
    if not isinstance(assignments, dict):
        raise malformed(what, "'guidAssignments' is not an object")
    return AtlanMutationResult(
        created=assets(mutated.get("CREATE"), "CREATE"),
        updated=assets(mutated.get("UPDATE"), "UPDATE"),
        partially_updated=partial,
        deleted=assets(mutated.get("DELETE"), "DELETE"),
        guid_assignments={str(k): str(v) for k, v in assignments.items()},
    )
