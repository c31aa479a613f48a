"""The Atlan client: the only place in Plumbline that talks to Atlan.

Every call goes through `integrations.http.HttpClient` (token, timeouts, retries, typed errors);
this module knows Atlan's endpoints and request shapes, and turns answers into typed records.
Parsing is lenient (unknown fields are kept in `raw`, never rejected) but a known field of the
wrong shape raises `CatalogMalformedResponseError` saying what was wrong.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import logging
import queue
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from integrations.http import (
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    HttpClient,
    OnWaitFn,
    RequestCounts,
    SleepFn,
    Timeout,
)

logger = logging.getLogger("integrations.atlan.client")

CURRENT_USER_PATH = "api/service/users/current"
TYPEDEFS_PATH = "api/meta/types/typedefs"
INDEX_SEARCH_PATH = "api/meta/search/indexsearch"
ENTITY_BULK_PATH = "api/meta/entity/bulk"
ENTITY_BY_QN_PATH = "api/meta/entity/uniqueAttribute/type/{type_name}"

# pyatlan switches to timestamp paging above 100 000 - 300 hits: deep `from` offsets get
# expensive (and eventually refused) in Elasticsearch.
BULK_PAGING_THRESHOLD = 99_700
DEFAULT_PAGE_SIZE = 100
DEFAULT_MERGE_BATCH_SIZE = 20

# Attributes every search asks for, whatever the caller wants on top: matching and the
# announcement rules need them on every asset.
BASE_SEARCH_ATTRIBUTES = (
    "qualifiedName",
    "name",
    "connectionQualifiedName",
    "announcementType",
    "announcementTitle",
    "announcementMessage",
    "announcementUpdatedBy",
)

DEFAULT_CM_ASSET_TYPES = ("Schema", "Table", "View", "MaterialisedView", "Column")
ANNOUNCEMENT_TYPES = ("information", "warning", "issue")

# Atlan's tag colour names, mapped to hex for Plumbline's chips. Unknown colours fall back to grey.
TAG_COLOR_HEX = {
    "green": "#16a34a",
    "yellow": "#ca8a04",
    "red": "#dc2626",
    "gray": "#6b7280",
    "grey": "#6b7280",
    "blue": "#2563eb",
    "purple": "#9333ea",
    "orange": "#ea580c",
    "pink": "#db2777",
}
DEFAULT_TAG_HEX = "#6b7280"
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

AttributeKind = Literal["string", "url", "float", "int"]
# kind -> (typeName, options.primitiveType); URL is a string with a custom type (reference §5).
_KIND_TYPES: dict[str, tuple[str, str]] = {
    "string": ("string", "string"),
    "url": ("string", "url"),
    "float": ("float", "float"),
    "int": ("int", "int"),
}


# --- Parsing helpers ---------------------------------------------------------------------------


def _malformed(what: str, detail: str) -> CatalogMalformedResponseError:
    return CatalogMalformedResponseError(f"Atlan's answer to {what} is malformed: {detail}.")


def _require_dict(value: Any, what: str, name: str = "the answer") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _malformed(what, f"{name} is {type(value).__name__}, expected a JSON object")
    return value


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def option_true(value: Any) -> bool:
    """Typedef option booleans come back as strings ("true"/"false") from real tenants."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# --- Records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtlanUser:
    id: str | None
    username: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    enabled: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_api_token(self) -> bool:
        return self.username.startswith("service-account-apikey-")


@dataclass(frozen=True)
class AtlanTagDef:
    hash: str
    display_name: str
    color: str | None = None
    description: str = ""
    guid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def hex_color(self) -> str:
        color = (self.color or "").strip()
        if _HEX_COLOR.match(color):
            return color.lower()
        return TAG_COLOR_HEX.get(color.lower(), DEFAULT_TAG_HEX)


@dataclass(frozen=True)
class AtlanAttributeDef:
    hash: str
    display_name: str
    type_name: str
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_archived(self) -> bool:
        return option_true(self.options.get("isArchived"))

    @property
    def primitive_type(self) -> str | None:
        return _optional_str(self.options.get("primitiveType"))

    @property
    def custom_type(self) -> str | None:
        return _optional_str(self.options.get("customType"))


@dataclass(frozen=True)
class AtlanCustomMetadataDef:
    hash: str
    display_name: str
    attributes: list[AtlanAttributeDef]
    description: str = ""
    guid: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def active_attributes(self) -> list[AtlanAttributeDef]:
        return [a for a in self.attributes if not a.is_archived]

    def attribute(self, display_name: str) -> AtlanAttributeDef | None:
        """The live (not archived) attribute with this display name, exact match first."""
        return _by_display_name(self.active_attributes, display_name)

    def search_attributes(self) -> list[str]:
        """`setHash.attrHash` names to request in a search so values come back (reference §5)."""
        return [f"{self.hash}.{a.hash}" for a in self.active_attributes]


def _by_display_name(items: Sequence[Any], display_name: str) -> Any:
    for item in items:
        if item.display_name == display_name:
            return item
    folded = display_name.casefold()
    for item in items:
        if item.display_name.casefold() == folded:
            return item
    return None


def custom_metadata_by_display_name(
    defs: Iterable[AtlanCustomMetadataDef], display_name: str
) -> AtlanCustomMetadataDef | None:
    return _by_display_name(list(defs), display_name)


@dataclass(frozen=True)
class AttributeSpec:
    """An attribute to add to a custom-metadata set."""

    display_name: str
    kind: AttributeKind = "string"
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KIND_TYPES:
            raise ValueError(f"Unknown attribute kind {self.kind!r}; use one of {sorted(_KIND_TYPES)}.")
        if not self.display_name.strip():
            raise ValueError("An attribute needs a display name.")


@dataclass(frozen=True)
class AtlanTagRef:
    hash: str
    propagated: bool
    source_guid: str | None = None


@dataclass(frozen=True)
class AtlanAsset:
    guid: str
    type_name: str
    qualified_name: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict, repr=False)
    tags: list[AtlanTagRef] = field(default_factory=list)
    custom_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    announcement_type: str | None = None
    announcement_title: str | None = None
    announcement_message: str | None = None
    announcement_updated_by: str | None = None
    create_time: int | None = None
    connection_qualified_name: str | None = None
    status: str | None = None
    # No `raw` copy here, unlike the typedef records: a sync holds tens of thousands of assets.


@dataclass(frozen=True)
class CustomMetadataUpdate:
    """Custom-metadata values to merge onto one asset: {set hash: {attribute hash: value}}."""

    type_name: str
    qualified_name: str
    name: str
    values: dict[str, dict[str, Any]]
    guid: str | None = None


@dataclass
class AtlanMutationResult:
    created: list[AtlanAsset] = field(default_factory=list)
    updated: list[AtlanAsset] = field(default_factory=list)
    partially_updated: list[AtlanAsset] = field(default_factory=list)
    deleted: list[AtlanAsset] = field(default_factory=list)
    guid_assignments: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> list[AtlanAsset]:
        return [*self.created, *self.updated, *self.partially_updated, *self.deleted]

    @property
    def is_noop(self) -> bool:
        return not self.changed

    def extend(self, other: AtlanMutationResult) -> None:
        self.created.extend(other.created)
        self.updated.extend(other.updated)
        self.partially_updated.extend(other.partially_updated)
        self.deleted.extend(other.deleted)
        self.guid_assignments.update(other.guid_assignments)


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
        raise _malformed(what, "'enabled' is not a boolean")
    return AtlanUser(
        id=_optional_str(body.get("id")),
        username=body["username"],
        email=_optional_str(body.get("email")),
        first_name=_optional_str(body.get("firstName")),
        last_name=_optional_str(body.get("lastName")),
        enabled=enabled,
        raw=body,
    )


def _typedef_list(body: Any, key: str, what: str) -> list[dict[str, Any]]:
    body = _require_dict(body, what)
    defs = body.get(key)
    if defs is None:
        raise _malformed(what, f"it has no '{key}' list")
    if not isinstance(defs, list):
        raise _malformed(what, f"'{key}' is {type(defs).__name__}, expected a list")
    for index, item in enumerate(defs):
        _require_dict(item, what, f"{key}[{index}]")
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise _malformed(what, f"{key}[{index}] has no hashed 'name'")
    return defs


def parse_tag_typedefs(body: Any) -> dict[str, AtlanTagDef]:
    tags: dict[str, AtlanTagDef] = {}
    for item in _typedef_list(body, "classificationDefs", "the tag typedefs call"):
        options = item.get("options") if isinstance(item.get("options"), dict) else {}
        tags[item["name"]] = AtlanTagDef(
            hash=item["name"],
            # A tag without a display name is odd but survivable: show its hash.
            display_name=_optional_str(item.get("displayName")) or item["name"],
            color=_optional_str(options.get("color")),
            description=_optional_str(item.get("description")) or "",
            guid=_optional_str(item.get("guid")),
            raw=item,
        )
    return tags


def parse_custom_metadata_def(
    item: Any, what: str = "the custom-metadata typedefs call"
) -> AtlanCustomMetadataDef:
    item = _require_dict(item, what, "a custom-metadata definition")
    if not isinstance(item.get("name"), str) or not item["name"]:
        raise _malformed(what, "a custom-metadata definition has no hashed 'name'")
    raw_attrs = item.get("attributeDefs") or []
    if not isinstance(raw_attrs, list):
        raise _malformed(what, f"'attributeDefs' of {item['name']} is not a list")
    attributes = []
    for index, attr in enumerate(raw_attrs):
        attr = _require_dict(attr, what, f"attribute #{index} of {item['name']}")
        if not isinstance(attr.get("name"), str) or not attr["name"]:
            raise _malformed(what, f"attribute #{index} of {item['name']} has no hashed 'name'")
        options = attr.get("options") if isinstance(attr.get("options"), dict) else {}
        attributes.append(
            AtlanAttributeDef(
                hash=attr["name"],
                display_name=_optional_str(attr.get("displayName")) or attr["name"],
                type_name=_optional_str(attr.get("typeName")) or "string",
                options=options,
                description=_optional_str(attr.get("description")) or "",
                raw=attr,
            )
        )
    options = item.get("options") if isinstance(item.get("options"), dict) else {}
    return AtlanCustomMetadataDef(
        hash=item["name"],
        display_name=_optional_str(item.get("displayName")) or item["name"],
        attributes=attributes,
        description=_optional_str(item.get("description")) or "",
        guid=_optional_str(item.get("guid")),
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
            raise _malformed(what, f"'classificationNames' of asset {guid} is not a list")
        return [AtlanTagRef(hash=str(n), propagated=False, source_guid=guid) for n in dict.fromkeys(names)]
    if not isinstance(classifications, list):
        raise _malformed(what, f"'classifications' of asset {guid} is not a list")
    for index, item in enumerate(classifications):
        if not isinstance(item, dict) or not isinstance(item.get("typeName"), str):
            raise _malformed(what, f"classification #{index} of asset {guid} has no 'typeName'")
        # Atlas semantics: a propagated tag points at the asset it was attached to.
        source = _optional_str(item.get("entityGuid")) or guid
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
            raise _malformed(what, f"'businessAttributes' of asset {guid} is not an object")
        for set_hash, attrs in business.items():
            if not isinstance(attrs, dict):
                raise _malformed(what, f"custom metadata set {set_hash} of asset {guid} is not an object")
            for attr_hash, value in attrs.items():
                if value is not None:
                    values.setdefault(set_hash, {})[attr_hash] = value
    return values


def parse_asset(entity: Any, what: str = "the search") -> AtlanAsset:
    entity = _require_dict(entity, what, "an entity")
    guid = entity.get("guid")
    if not isinstance(guid, str) or not guid:
        raise _malformed(what, "an entity has no 'guid'")
    type_name = entity.get("typeName")
    if not isinstance(type_name, str) or not type_name:
        raise _malformed(what, f"entity {guid} has no 'typeName'")
    attributes = entity.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise _malformed(what, f"'attributes' of entity {guid} is not an object")
    return AtlanAsset(
        guid=guid,
        type_name=type_name,
        qualified_name=_optional_str(attributes.get("qualifiedName")) or "",
        name=_optional_str(attributes.get("name")) or _optional_str(entity.get("displayText")) or "",
        attributes=attributes,
        tags=_parse_tags(entity, guid, what),
        custom_metadata=_parse_custom_metadata(entity, attributes, guid, what),
        announcement_type=_optional_str(attributes.get("announcementType")),
        announcement_title=_optional_str(attributes.get("announcementTitle")),
        announcement_message=_optional_str(attributes.get("announcementMessage")),
        announcement_updated_by=_optional_str(attributes.get("announcementUpdatedBy")),
        create_time=_optional_int(entity.get("createTime")),
        connection_qualified_name=_optional_str(attributes.get("connectionQualifiedName")),
        status=_optional_str(entity.get("status")),
    )


def parse_mutation(body: Any, what: str = "the entity update") -> AtlanMutationResult:
    if body is None:  # a 204 is a successful no-op
        return AtlanMutationResult()
    body = _require_dict(body, what)
    mutated = body.get("mutatedEntities") or {}
    if not isinstance(mutated, dict):
        raise _malformed(what, "'mutatedEntities' is not an object")

    def assets(items: Any, key: str) -> list[AtlanAsset]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise _malformed(what, f"'{key}' is not a list")
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
        raise _malformed(what, "'guidAssignments' is not an object")
    return AtlanMutationResult(
        created=assets(mutated.get("CREATE"), "CREATE"),
        updated=assets(mutated.get("UPDATE"), "UPDATE"),
        partially_updated=partial,
        deleted=assets(mutated.get("DELETE"), "DELETE"),
        guid_assignments={str(k): str(v) for k, v in assignments.items()},
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


def _after_clause(create_time: int, guid: str) -> dict[str, Any]:
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


def _with_filter(query: dict[str, Any], clause: dict[str, Any]) -> dict[str, Any]:
    """The query with one more filter clause, leaving the caller's query untouched."""
    query = copy.deepcopy(query)
    inner = query.get("bool") if len(query) == 1 else None
    if isinstance(inner, dict):
        existing = inner.get("filter", [])
        inner["filter"] = [*(existing if isinstance(existing, list) else [existing]), clause]
        return query
    return {"bool": {"must": [query], "filter": [clause]}}


# --- The client --------------------------------------------------------------------------------


def normalise_base_url(url: str) -> str:
    """`https://tenant.atlan.com/anything` -> `https://tenant.atlan.com` (Atlan wants no path)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "The Atlan URL must be an http(s) URL with a host, e.g. https://yourcompany.atlan.com."
        )
    return f"{parts.scheme}://{parts.netloc}"


class AtlanClient:
    """Typed calls to one Atlan tenant (or the Plumbline sandbox) with one API token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: Timeout = (5.0, 60.0),
        max_retries: int = 5,
        sleep: SleepFn = time.sleep,
        on_wait: OnWaitFn | None = None,
        bulk_paging_threshold: int = BULK_PAGING_THRESHOLD,
        **http_options: Any,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.bulk_paging_threshold = bulk_paging_threshold
        self.http = HttpClient(
            self.base_url,
            token,
            catalog="Atlan",
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
            on_wait=on_wait,
            **http_options,
        )

    def __repr__(self) -> str:
        return f"AtlanClient(base_url={self.base_url!r})"

    __str__ = __repr__

    @property
    def counts(self) -> RequestCounts:
        return self.http.counts

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AtlanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Who am I -----------------------------------------------------------------------------------

    def current_user(self) -> AtlanUser:
        """The user behind the token; the cheapest way to check URL and token together."""
        try:
            body = self.http.get(CURRENT_USER_PATH)
        except CatalogMalformedResponseError as exc:
            raise CatalogMalformedResponseError(
                f"The server answered, but it does not look like an Atlan API ({exc.message}).",
                status=exc.status,
            ) from None
        except CatalogNotFoundError:
            # Every Atlan tenant has this endpoint, so a 404 means the URL is something else.
            raise CatalogMalformedResponseError(
                "The server does not look like an Atlan API: it has no current-user endpoint (HTTP 404). "
                "Check the URL (it should be your tenant, e.g. https://yourcompany.atlan.com).",
                status=404,
            ) from None
        return parse_user(body)

    # Typedefs -----------------------------------------------------------------------------------

    def tag_typedefs(self) -> dict[str, AtlanTagDef]:
        """Atlan tags by hash."""
        return parse_tag_typedefs(self.http.get(TYPEDEFS_PATH, params={"type": "CLASSIFICATION"}))

    def custom_metadata_typedefs(self) -> list[AtlanCustomMetadataDef]:
        return parse_custom_metadata_typedefs(
            self.http.get(TYPEDEFS_PATH, params={"type": "BUSINESS_METADATA"})
        )

    def custom_metadata_create(
        self,
        display_name: str,
        attributes: Sequence[AttributeSpec],
        *,
        description: str = "",
        asset_types: Sequence[str] = DEFAULT_CM_ASSET_TYPES,
    ) -> AtlanCustomMetadataDef:
        """Create a custom-metadata set; Atlan assigns the hashes and returns the definition."""
        definition = {
            "category": "BUSINESS_METADATA",
            # On create the name is the display name; the server replaces it with a hash.
            "name": display_name,
            "displayName": display_name,
            "description": description,
            "attributeDefs": [_attribute_body(spec, asset_types) for spec in attributes],
        }
        body = self.http.post(TYPEDEFS_PATH, json=_typedefs_request(definition))
        return self._returned_def(body, "the custom-metadata create call", display_name=display_name)

    def custom_metadata_extend(
        self,
        existing: AtlanCustomMetadataDef,
        new_attributes: Sequence[AttributeSpec],
        *,
        asset_types: Sequence[str] = DEFAULT_CM_ASSET_TYPES,
    ) -> AtlanCustomMetadataDef:
        """Add attributes to a set. Attributes it already has (by display name) are skipped."""
        missing = [spec for spec in new_attributes if existing.attribute(spec.display_name) is None]
        if not missing:
            return existing
        definition = copy.deepcopy(existing.raw) if existing.raw else _def_body(existing)
        # Existing attributes go back unchanged, hashes and all, or Atlan would drop them.
        definition["attributeDefs"] = [
            *(copy.deepcopy(a.raw) if a.raw else _existing_attribute_body(a) for a in existing.attributes),
            *(_attribute_body(spec, asset_types) for spec in missing),
        ]
        body = self.http.put(TYPEDEFS_PATH, json=_typedefs_request(definition))
        return self._returned_def(body, "the custom-metadata update call", set_hash=existing.hash)

    def _returned_def(
        self, body: Any, what: str, *, display_name: str | None = None, set_hash: str | None = None
    ) -> AtlanCustomMetadataDef:
        body = _require_dict(body, what)
        defs = body.get("businessMetadataDefs")
        if not isinstance(defs, list) or not defs:
            raise _malformed(what, "it has no 'businessMetadataDefs' list")
        parsed = [parse_custom_metadata_def(item, what) for item in defs]
        for item in parsed:
            if item.hash == set_hash or (display_name is not None and item.display_name == display_name):
                return item
        return parsed[0]

    # Search -------------------------------------------------------------------------------------

    def search_assets(
        self,
        query: dict[str, Any],
        *,
        attributes: Sequence[str] = (),
        relation_attributes: Sequence[str] = (),
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[AtlanAsset]:
        """Every asset matching the query, fetched page by page as the caller iterates.

        The next page is fetched in the background while the caller works on this one, so a
        sync costs about the longer of Atlan's time and ours rather than their sum.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1.")
        wanted = list(dict.fromkeys([*BASE_SEARCH_ATTRIBUTES, *attributes]))
        pages = self._raw_pages(query, wanted, relation_attributes, page_size)
        for entities in self._ahead(pages):
            for entity in entities:
                yield parse_asset(entity)

    def _raw_pages(
        self,
        query: dict[str, Any],
        attributes: list[str],
        relation_attributes: Sequence[str],
        page_size: int,
    ) -> Iterator[list[Any]]:
        offset = 0
        while True:
            page = self._search_page(
                query, attributes, relation_attributes, offset, page_size, by_timestamp=False
            )
            if offset == 0 and page.approximate_count > self.bulk_paging_threshold:
                logger.info(
                    "Atlan reports %d matching assets; switching to timestamp paging",
                    page.approximate_count,
                )
                yield from self._raw_pages_by_timestamp(query, attributes, relation_attributes, page_size)
                return
            if page.entities:
                yield page.entities
            if len(page.entities) < page_size:
                return  # a short page is the last one
            offset += page_size

    def _raw_pages_by_timestamp(
        self,
        query: dict[str, Any],
        attributes: list[str],
        relation_attributes: Sequence[str],
        page_size: int,
    ) -> Iterator[list[Any]]:
        # Reference §2 "bulk paging": sort by creation time then guid and always ask from=0,
        # filtering for what comes after the last asset seen. Keying on (createTime, guid)
        # rather than createTime alone means bulk-loaded assets that share one createTime
        # never push the offset past the index's result window.
        after: tuple[int, str] | None = None
        while True:
            page_query = query if after is None else _with_filter(query, _after_clause(*after))
            page = self._search_page(
                page_query, attributes, relation_attributes, 0, page_size, by_timestamp=True
            )
            if not page.entities:
                return
            yield page.entities
            last = _require_dict(page.entities[-1], "the search", "an entity")
            created, guid = _optional_int(last.get("createTime")), last.get("guid")
            if created is None or not isinstance(guid, str):
                raise _malformed("the search", f"asset {guid} has no createTime to page on")
            after = (created, guid)
            if len(page.entities) < page_size:
                return

    def _ahead(self, pages: Iterator[list[Any]]) -> Iterator[list[Any]]:
        """Yield the pages, always fetching the next one in a background thread meanwhile.

        Retries' on_wait notices are held back and given on the caller's thread (a sync logs
        them to its database, which belongs to the caller's thread).
        """
        notices: queue.SimpleQueue[tuple[float, str]] = queue.SimpleQueue()
        caller_on_wait = self.http.on_wait

        def fetch() -> list[Any] | None:
            return next(pages, None)

        def relay() -> None:
            while not notices.empty() and caller_on_wait is not None:
                caller_on_wait(*notices.get())

        self.http.on_wait = lambda seconds, reason: notices.put((seconds, reason))
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="atlan-search")
        try:
            pending = pool.submit(fetch)
            while True:
                page = pending.result()
                relay()
                if page is None:
                    return
                pending = pool.submit(fetch)
                yield page
        finally:
            # The caller may stop early (a cancel): let the page in flight finish, then close.
            pool.shutdown(wait=True, cancel_futures=True)
            self.http.on_wait = caller_on_wait
            relay()
            pages.close()

    def search_count(self, query: dict[str, Any]) -> int:
        return self._search_page(query, ["qualifiedName"], (), 0, 1, by_timestamp=False).approximate_count

    def _search_page(
        self,
        query: dict[str, Any],
        attributes: Sequence[str],
        relation_attributes: Sequence[str],
        offset: int,
        size: int,
        *,
        by_timestamp: bool,
    ) -> _SearchPage:
        sort: list[dict[str, Any]] = [{"__guid": {"order": "asc"}}]
        if by_timestamp:
            sort.insert(0, {"__timestamp": {"order": "asc"}})
        body = {
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
        answer = _require_dict(self.http.post(INDEX_SEARCH_PATH, json=body, read=True), "the search")
        entities = answer.get("entities")
        if entities is None:
            entities = []
        if not isinstance(entities, list):
            raise _malformed("the search", "'entities' is not a list")
        count = answer.get("approximateCount", len(entities) if offset == 0 else 0)
        if isinstance(count, bool) or not isinstance(count, int):
            raise _malformed("the search", "'approximateCount' is not a number")
        return _SearchPage(entities=entities, approximate_count=count)

    # Custom-metadata values ------------------------------------------------------------------------

    def custom_metadata_merge(
        self, entities: Sequence[CustomMetadataUpdate], *, batch_size: int = DEFAULT_MERGE_BATCH_SIZE
    ) -> AtlanMutationResult:
        """Merge values onto assets: attributes not mentioned keep their values (bulk upsert)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1.")
        result = AtlanMutationResult()
        for start in range(0, len(entities), batch_size):
            batch = entities[start : start + batch_size]
            body = self.http.post(
                ENTITY_BULK_PATH,
                params={"replaceBusinessAttributes": "true", "overwriteBusinessAttributes": "false"},
                json={"entities": [_merge_entity(update) for update in batch]},
            )
            result.extend(parse_mutation(body, "the custom-metadata update"))
        return result

    # Announcements -------------------------------------------------------------------------------

    def announcement_set(
        self,
        type_name: str,
        qualified_name: str,
        name: str,
        *,
        announcement_type: str,
        title: str,
        message: str | None = None,
    ) -> AtlanMutationResult:
        if announcement_type not in ANNOUNCEMENT_TYPES:
            raise ValueError(f"announcement_type must be one of {ANNOUNCEMENT_TYPES}.")
        return self._announcement(type_name, qualified_name, name, announcement_type, title, message)

    def announcement_clear(self, type_name: str, qualified_name: str, name: str) -> AtlanMutationResult:
        return self._announcement(type_name, qualified_name, name, None, None, None)

    def _announcement(
        self,
        type_name: str,
        qualified_name: str,
        name: str,
        announcement_type: str | None,
        title: str | None,
        message: str | None,
    ) -> AtlanMutationResult:
        body = {
            "entity": {
                "typeName": type_name,
                "attributes": {
                    "qualifiedName": qualified_name,
                    "name": name,
                    "announcementType": announcement_type,
                    "announcementTitle": title,
                    "announcementMessage": message,
                },
            }
        }
        answer = self.http.put(
            ENTITY_BY_QN_PATH.format(type_name=quote(type_name, safe="")),
            params={"attr:qualifiedName": qualified_name},
            json=body,
        )
        return parse_mutation(answer, "the announcement update")


@dataclass(frozen=True)
class _SearchPage:
    entities: list[Any]
    approximate_count: int


# --- Request bodies ----------------------------------------------------------------------------


def _typedefs_request(definition: dict[str, Any]) -> dict[str, Any]:
    # Atlan wants all six arrays present, even empty (reference §5).
    return {
        "enumDefs": [],
        "structDefs": [],
        "classificationDefs": [],
        "entityDefs": [],
        "relationshipDefs": [],
        "businessMetadataDefs": [definition],
    }


def _attribute_body(spec: AttributeSpec, asset_types: Sequence[str]) -> dict[str, Any]:
    type_name, primitive = _KIND_TYPES[spec.kind]
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


def _existing_attribute_body(attr: AtlanAttributeDef) -> dict[str, Any]:
    return {
        "name": attr.hash,
        "displayName": attr.display_name,
        "description": attr.description,
        "typeName": attr.type_name,
        "options": dict(attr.options),
    }


def _def_body(definition: AtlanCustomMetadataDef) -> dict[str, Any]:
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


def _merge_entity(update: CustomMetadataUpdate) -> dict[str, Any]:
    entity: dict[str, Any] = {"typeName": update.type_name}
    if update.guid:
        entity["guid"] = update.guid
    entity["attributes"] = {"qualifiedName": update.qualified_name, "name": update.name}
    entity["businessAttributes"] = update.values
    return entity


__all__ = [
    "ANNOUNCEMENT_TYPES",
    "BULK_PAGING_THRESHOLD",
    "AtlanAsset",
    "AtlanAttributeDef",
    "AtlanClient",
    "AtlanCustomMetadataDef",
    "AtlanMutationResult",
    "AtlanTagDef",
    "AtlanTagRef",
    "AtlanUser",
    "AttributeSpec",
    "CatalogError",
    "CustomMetadataUpdate",
    "bool_filter",
    "custom_metadata_by_display_name",
    "normalise_base_url",
    "parse_asset",
    "parse_custom_metadata_typedefs",
    "parse_mutation",
    "parse_tag_typedefs",
    "parse_user",
    "prefix",
    "query_connection_assets",
    "query_connections",
    "term",
    "terms",
]
