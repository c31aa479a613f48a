"""Typedef shapes: tag (classification) defs, custom-metadata (business metadata) defs, structs.

The real server assigns 22-character hashes as internal names and returns option booleans as
strings ("true"/"false"); these helpers reproduce both.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

CATEGORIES = {
    "ENUM": "enumDefs",
    "STRUCT": "structDefs",
    "CLASSIFICATION": "classificationDefs",
    "ENTITY": "entityDefs",
    "RELATIONSHIP": "relationshipDefs",
    "BUSINESS_METADATA": "businessMetadataDefs",
}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def static_hash(seed: str) -> str:
    """A stable 22-char base62 name, like Atlan's hashed internal names."""
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big")
    chars = []
    for _ in range(22):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(chars)


def stable_guid(seed: str) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(seed.encode("utf-8")).digest(), version=4))


def empty_typedefs() -> dict[str, list[Any]]:
    return {key: [] for key in CATEGORIES.values()}


def stringify_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """Option booleans come back from the real server as strings."""
    result: dict[str, Any] = {}
    for key, value in (options or {}).items():
        result[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return result


def _audit(created_by: str, now_ms: int) -> dict[str, Any]:
    return {
        "createdBy": created_by,
        "updatedBy": created_by,
        "createTime": now_ms,
        "updateTime": now_ms,
        "version": 1,
        "typeVersion": "1.0",
    }


def classification_def(
    name_hash: str,
    display_name: str,
    *,
    description: str = "",
    color: str = "Gray",
    created_by: str = "admin",
    now_ms: int = 0,
) -> dict[str, Any]:
    return {
        "category": "CLASSIFICATION",
        "guid": stable_guid("classification:" + name_hash),
        **_audit(created_by, now_ms),
        "name": name_hash,
        "displayName": display_name,
        "description": description,
        "options": {"color": color},
        "attributeDefs": [],
        "superTypes": [],
        "entityTypes": [],
        "subTypes": [],
        "serviceType": "atlan",
    }


def _struct_attr(name: str, type_name: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "typeName": type_name,
        "isOptional": True,
        "cardinality": "SINGLE",
        "valuesMinCount": 0,
        "valuesMaxCount": 1,
        "isUnique": False,
        "isIndexable": True,
        "includeInNotification": False,
        "skipScrubbing": False,
        "searchWeight": -1,
    }


def struct_defs() -> list[dict[str, Any]]:
    """The structs a tenant always has; pyatlan's caches treat an empty list as an expired token."""
    value = {
        "category": "STRUCT",
        "guid": stable_guid("struct:SourceTagAttachmentValue"),
        **_audit("service-account-atlan-argo", 1652745666430),
        "name": "SourceTagAttachmentValue",
        "description": "Atlas Type representing a source tag attachment key/value",
        "serviceType": "atlan",
        "attributeDefs": [_struct_attr("tagAttachmentKey"), _struct_attr("tagAttachmentValue")],
    }
    attachment = {
        "category": "STRUCT",
        "guid": stable_guid("struct:SourceTagAttachment"),
        **_audit("service-account-atlan-argo", 1652745666430),
        "name": "SourceTagAttachment",
        "description": "Atlas Type representing a source tag attached to an asset",
        "serviceType": "atlan",
        "attributeDefs": [
            _struct_attr("sourceTagName"),
            _struct_attr("sourceTagQualifiedName"),
            _struct_attr("sourceTagGuid"),
            _struct_attr("sourceTagConnectorName"),
            _struct_attr("sourceTagValue", "array<SourceTagAttachmentValue>"),
            _struct_attr("isSourceTagSynced", "boolean"),
            _struct_attr("sourceTagSyncTimestamp", "long"),
            _struct_attr("sourceTagSyncError"),
            _struct_attr("sourceTagType"),
        ],
    }
    return [value, attachment]


_ATTR_DEFAULTS: dict[str, Any] = {
    "typeName": "string",
    "isOptional": True,
    "cardinality": "SINGLE",
    "valuesMinCount": 0,
    "valuesMaxCount": 1,
    "isUnique": False,
    "isIndexable": True,
    "includeInNotification": False,
    "skipScrubbing": False,
    "description": "",
    "searchWeight": -1,
}
_OPTION_DEFAULTS: dict[str, Any] = {
    "customMetadataVersion": "v2",
    "applicableEntityTypes": '["Asset"]',
    "allowSearch": False,
    "maxStrLength": "100000000",
    "allowFiltering": True,
    "multiValueSelect": False,
    "showInOverview": False,
    "isEnum": False,
    "isRichText": False,
}


def cm_attribute_def(request_attr: dict[str, Any], name_hash: str) -> dict[str, Any]:
    """Store one custom-metadata attribute as the server would answer it."""
    attr = copy.deepcopy(request_attr)
    attr.pop("isNew", None)
    attr["name"] = name_hash
    for key, value in _ATTR_DEFAULTS.items():
        attr.setdefault(key, value)
    options = {**_OPTION_DEFAULTS, **(attr.get("options") or {})}
    options.setdefault("primitiveType", attr["typeName"])
    attr["options"] = stringify_options(options)
    attr.setdefault("displayName", name_hash)
    attr.setdefault("indexType", "STRING")
    attr.setdefault("indexTypeESConfig", {"normalizer": "atlan_normalizer"})
    attr.setdefault("indexTypeESFields", {"text": {"analyzer": "atlan_text_analyzer", "type": "text"}})
    return attr


def cm_set_def(
    name_hash: str,
    display_name: str,
    attributes: list[dict[str, Any]],
    *,
    description: str = "",
    options: dict[str, Any] | None = None,
    created_by: str = "admin",
    now_ms: int = 0,
) -> dict[str, Any]:
    return {
        "category": "BUSINESS_METADATA",
        "guid": stable_guid("cm:" + name_hash),
        **_audit(created_by, now_ms),
        "name": name_hash,
        "displayName": display_name,
        "description": description,
        "options": stringify_options(options or {"logoType": "emoji", "emoji": "\U0001f4ca"}),
        "attributeDefs": attributes,
    }


def simple_attribute(display_name: str, type_name: str = "string") -> dict[str, Any]:
    """A request-shaped attribute def (as a client sends it) for scenario files."""
    primitive = "url" if type_name == "url" else type_name
    options: dict[str, Any] = {"primitiveType": primitive}
    if type_name == "url":
        options["customType"] = "url"
    return {
        "name": "",
        "displayName": display_name,
        "isNew": True,
        "typeName": "string" if type_name == "url" else type_name,
        "options": options,
    }
