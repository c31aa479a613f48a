"""Endpoint logic of the sandbox: requests in, Atlan-shaped answers out. No HTTP here."""

from __future__ import annotations

import bisect
import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import errors
from . import typedefs as td
from .domains import DOMAIN_TYPE
from .dsl import DslError, candidate_guids, compile_query, sort_entities
from .errors import AtlanApiError
from .faults import Faults
from .store import ASSET_TYPES, Store, Token, connection_of, parent_of

MAX_RESULT_WINDOW = 10_000

# Parent relationship of each type (attribute name, relationship type), keyed by the parent's type.
_PARENT_REL: dict[str, dict[str, tuple[str, str]]] = {
    "Schema": {"Database": ("database", "database_schemas")},
    "Table": {"Schema": ("atlanSchema", "schema_tables")},
    "View": {"Schema": ("atlanSchema", "schema_views")},
    "MaterialisedView": {"Schema": ("atlanSchema", "schema_materialised_views")},
    "Column": {
        "Table": ("table", "table_columns"),
        "View": ("view", "view_columns"),
        "MaterialisedView": ("materialisedView", "materialised_view_columns"),
    },
}
_CHILD_REL: dict[str, dict[str, tuple[str, str]]] = {
    "Database": {"schemas": ("Schema", "database_schemas")},
    "Schema": {
        "tables": ("Table", "schema_tables"),
        "views": ("View", "schema_views"),
        "materialisedViews": ("MaterialisedView", "schema_materialised_views"),
    },
    "Table": {"columns": ("Column", "table_columns")},
    "View": {"columns": ("Column", "view_columns")},
    "MaterialisedView": {"columns": ("Column", "materialised_view_columns")},
}
# Fields that live on the entity header, never inside `attributes`, even when a client asks.
_HEADER_FIELDS = frozenset(
    {
        "classificationNames",
        "classifications",
        "meanings",
        "meaningNames",
        "labels",
        "guid",
        "typeName",
        "status",
    }
)
_EXPECTED_PARENT = {
    "Database": ("Connection",),
    "Schema": ("Database",),
    "Table": ("Schema",),
    "View": ("Schema",),
    "MaterialisedView": ("Schema",),
    "Column": ("Table", "View", "MaterialisedView"),
}


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    token: Token


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _flag(query: dict[str, list[str]], name: str) -> bool:
    values = query.get(name)
    return bool(values) and values[-1].lower() == "true"


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


# Fields whose values on an asset depend on other assets (tags propagated from its ancestors).
_NON_LOCAL_FIELDS = (
    "__propagatedTraitNames",
    "__classificationNames",
    "__classificationsText",
    "__propagatedClassificationNames",
)
_CACHED_SEARCHES = 16
_CACHED_HITS = 4_000_000  # guids held by the cached searches together, at most (beyond the newest)
_CATCH_UP_LIMIT = 50_000  # more changed assets than this: evaluate the query afresh


def _order_of(sort: Any) -> str | None:
    """How a search is sorted when the sandbox can keep its cached hits in order: "guid" (by guid)
    or "timestamp" (by createTime, then guid), both ascending; total orders on values an asset
    never changes. None for any other sort."""
    if not isinstance(sort, list):
        return None
    fields = []
    for item in sort:
        if not isinstance(item, dict) or len(item) != 1:
            return None
        field, spec = next(iter(item.items()))
        if spec not in ("asc", {"order": "asc"}, {}):
            return None
        fields.append(field)
    if fields == ["__guid"]:
        return "guid"
    if fields == ["__timestamp", "__guid"]:
        return "timestamp"
    return None


def _without_filters(inner: dict[str, Any], kept: list[Any]) -> dict[str, Any] | None:
    """The bool query with only `kept` as its filters, unless that changes what `should` means."""
    should = inner.get("should")
    if should and inner.get("minimum_should_match") is None and not kept and not inner.get("must"):
        return None  # without a filter, an unqualified `should` would become required
    return {"bool": {**inner, "filter": kept}}


def _keyset_split(query: Any, sort: Any) -> tuple[dict[str, Any], tuple[int, str]] | None:
    """(query without its keyset clause, (createTime, guid)) when the query pages by keyset."""
    if _order_of(sort) != "timestamp" or not isinstance(query, dict) or set(query) != {"bool"}:
        return None
    inner = query["bool"]
    filters = inner.get("filter") if isinstance(inner, dict) else None
    if not isinstance(filters, list) or not filters:
        return None
    last = filters[-1]
    try:
        should = last["bool"]["should"]
        later = should[0]["range"]["__timestamp"]["gt"]
        same = should[1]["bool"]["filter"]
        same_time = same[0]["term"]["__timestamp"]["value"]
        guid = same[1]["range"]["__guid"]["gt"]
    except (KeyError, IndexError, TypeError):
        return None
    if (
        later != same_time
        or len(should) != 2
        or len(same) != 2
        or last["bool"].get("minimum_should_match") != 1
    ):
        return None
    base = _without_filters(inner, filters[:-1])
    if base is None:
        return None
    return base, (int(later), str(guid))


def _timestamp_range(clause: Any) -> dict[str, int | float] | None:
    """The bounds of a `range` on `__timestamp` with numeric gt/gte/lt/lte only, else None."""
    if not isinstance(clause, dict) or set(clause) != {"range"}:
        return None
    body = clause["range"]
    if not isinstance(body, dict) or set(body) != {"__timestamp"}:
        return None
    spec = body["__timestamp"]
    if not isinstance(spec, dict) or not spec or not set(spec) <= {"gt", "gte", "lt", "lte"}:
        return None
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in spec.values()):
        return None
    return spec


def _timestamp_range_split(query: Any, sort: Any) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(query without its `__timestamp` range filters, their bounds) for a search sorted by
    (createTime, guid), as pyatlan's bulk paging sends: the range is then a slice of the hits."""
    if _order_of(sort) != "timestamp" or not isinstance(query, dict) or set(query) != {"bool"}:
        return None
    inner = query["bool"]
    filters = inner.get("filter") if isinstance(inner, dict) else None
    if not isinstance(filters, list):
        return None
    kept, bounds = [], []
    for clause in filters:
        spec = _timestamp_range(clause)
        if spec is None:
            kept.append(clause)
        else:
            bounds.append(spec)
    base = _without_filters(inner, kept) if bounds else None
    return (base, bounds) if base is not None else None


class _Hits:
    """A search's matching guids in order, kept up to date with the store when its order allows."""

    __slots__ = ("version", "structure", "guids", "times", "order", "matches", "local")

    def __init__(
        self,
        store: Store,
        guids: list[str],
        order: str | None,
        matches: Callable[[dict[str, Any]], bool],
        local: bool,
    ) -> None:
        self.version = store.version
        self.structure = store.structure_version
        self.guids = guids
        entities = store.entities
        self.times = [entities[g]["createTime"] for g in guids] if order == "timestamp" else None
        self.order = order
        self.matches = matches
        self.local = local

    def position(self, guid: str, create_time: Any) -> int:
        """Where `guid` is, or would go, in the hits."""
        if self.times is None:
            return bisect.bisect_left(self.guids, guid)
        low = bisect.bisect_left(self.times, create_time)
        high = bisect.bisect_right(self.times, create_time, low)
        return bisect.bisect_left(self.guids, guid, low, high)

    def catch_up(self, store: Store) -> bool:
        """Bring the hits to the store's version by re-checking the assets changed since (False:
        not possible, evaluate afresh). A change never moves an asset: createTime and guid stay."""
        if self.version == store.version and self.structure == store.structure_version:
            return True
        if self.order is None or not self.local or self.structure != store.structure_version:
            return False
        changed = store.changed_since(self.version)
        if changed is None or len(changed) > _CATCH_UP_LIMIT:
            return False
        guids, times = self.guids, self.times
        for guid in dict.fromkeys(changed):
            e = store.entities.get(guid)
            if e is None:
                return False
            at = self.position(guid, e["createTime"])
            present = at < len(guids) and guids[at] == guid
            wanted = self.matches(e)
            if present and not wanted:
                del guids[at]
                if times is not None:
                    del times[at]
            elif wanted and not present:
                guids.insert(at, guid)
                if times is not None:
                    times.insert(at, e["createTime"])
        self.version = store.version
        return True

    def after(self, create_time: int, guid: str) -> int:
        """Index of the first hit sorted after (createTime, guid)."""
        assert self.times is not None
        low = bisect.bisect_left(self.times, create_time)
        high = bisect.bisect_right(self.times, create_time, low)
        return bisect.bisect_right(self.guids, guid, low, high)

    def time_slice(self, bounds: list[dict[str, Any]]) -> tuple[int, int]:
        """The hits whose createTime is within every range's bounds, as (start, end)."""
        assert self.times is not None
        times = self.times
        low, high = 0, len(times)
        for spec in bounds:
            for op, value in spec.items():
                if op == "gte":
                    low = max(low, bisect.bisect_left(times, value))
                elif op == "gt":
                    low = max(low, bisect.bisect_right(times, value))
                elif op == "lt":
                    high = min(high, bisect.bisect_left(times, value))
                else:
                    high = min(high, bisect.bisect_right(times, value))
        return low, max(low, high)


class Api:
    def __init__(self, store: Store, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        self._search_cache: OrderedDict[str, _Hits] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ----- users ----------------------------------------------------------------------------
    def users_current(self, req: ApiRequest) -> ApiResponse:
        t = req.token
        return ApiResponse(
            200,
            {
                "id": td.stable_guid("user:" + t.username),
                "username": t.username,
                "email": None,
                "emailVerified": False,
                "enabled": True,
                "firstName": None,
                "lastName": None,
                "createdTimestamp": 1717000000000,
                "attributes": {},
                "totp": False,
                "disableableCredentialTypes": [],
                "requiredActions": [],
                "access": {
                    "manageGroupMembership": False,
                    "view": True,
                    "mapRoles": False,
                    "impersonate": False,
                    "manage": False,
                },
            },
        )

    def whoami(self, req: ApiRequest) -> ApiResponse:
        t = req.token
        return ApiResponse(
            200,
            {
                "id": td.stable_guid("user:" + t.username),
                "username": t.username,
                "roles": [{"id": td.stable_guid("role:api-token"), "name": "$api-token-default-access"}],
                "groups": [],
                "personas": [
                    {"name": "sandbox-persona", "connections": t.connections}
                    if t.connections is not None
                    else {"name": "all-assets"}
                ],
            },
        )

    # ----- typedefs -------------------------------------------------------------------------
    def typedefs_list(self, req: ApiRequest) -> ApiResponse:
        wanted = [v.upper() for v in req.query.get("type", [])]
        unknown = [w for w in wanted if w not in td.CATEGORIES]
        if unknown:
            raise errors.bad_request(f"Invalid type category: {unknown[0]}")
        keys = {td.CATEGORIES[w] for w in wanted} if wanted else set(td.CATEGORIES.values())
        with self.store.lock:
            body = {
                key: copy.deepcopy(list(self.store.typedefs[key].values())) if key in keys else []
                for key in td.CATEGORIES.values()
            }
        return ApiResponse(200, body)

    def typedef_get(self, req: ApiRequest, name: str) -> ApiResponse:
        with self.store.lock:
            definition = self.store.find_typedef(name)
            if definition is None:
                raise errors.type_not_found(name)
            return ApiResponse(200, copy.deepcopy(definition))

    def typedef_delete(self, req: ApiRequest, name: str) -> ApiResponse:
        with self.store.lock:
            for key, defs in self.store.typedefs.items():
                if name in defs:
                    if key == "businessMetadataDefs" and not req.token.can_edit_custom_metadata:
                        raise errors.forbidden(req.token.username, "delete type", name)
                    del defs[name]
                    self.store.touch()
                    return ApiResponse(204)
        raise errors.type_not_found(name)

    def _typedef_body(self, req: ApiRequest) -> dict[str, list[dict[str, Any]]]:
        body = req.body
        if not isinstance(body, dict):
            raise errors.bad_request("Request body must be an AtlasTypesDef object")
        result: dict[str, list[dict[str, Any]]] = {}
        for key in td.CATEGORIES.values():
            value = body.get(key) or []
            if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
                raise errors.bad_request(f"{key} must be a list of objects")
            result[key] = value
        for key in ("structDefs", "entityDefs", "relationshipDefs"):
            if result[key]:
                raise errors.bad_request(f"The sandbox does not create or change {key}")
        if result["businessMetadataDefs"] and not req.token.can_edit_custom_metadata:
            raise errors.forbidden(req.token.username, "create/update custom metadata", "typedefs")
        return result

    def typedefs_create(self, req: ApiRequest) -> ApiResponse:
        body = self._typedef_body(req)
        store = self.store
        out = td.empty_typedefs()
        username = req.token.username
        with store.lock:
            for d in body["classificationDefs"]:
                display = str(d.get("displayName") or d.get("name") or "").strip()
                if not display:
                    raise errors.bad_request("A tag typedef needs a displayName")
                if any(x["displayName"] == display for x in store.tag_defs()):
                    raise AtlanApiError(409, "ATLAS-409-00-001", f"Given type {display} already exists")
            for d in body["businessMetadataDefs"]:
                display = str(d.get("displayName") or d.get("name") or "").strip()
                if not display:
                    raise errors.bad_request("A custom-metadata typedef needs a displayName")
                if store.cm_set_by_name(display):
                    raise AtlanApiError(409, "ATLAS-409-00-001", f"Given type {display} already exists")
                for a in d.get("attributeDefs") or []:
                    if not isinstance(a, dict) or not a.get("displayName"):
                        raise errors.bad_request(f"Every attribute of {display} needs a displayName")
            for d in body["enumDefs"]:
                if not d.get("name") or d["name"] in store.typedefs["enumDefs"]:
                    raise AtlanApiError(409, "ATLAS-409-00-001", f"Given type {d.get('name')} already exists")
            for d in body["classificationDefs"]:
                display = str(d.get("displayName") or d.get("name")).strip()
                created = store.create_tag(
                    display,
                    color=str((d.get("options") or {}).get("color") or "Gray"),
                    description=str(d.get("description") or ""),
                )
                created["options"] = td.stringify_options({**(d.get("options") or {}), **created["options"]})
                created["createdBy"] = created["updatedBy"] = username
                out["classificationDefs"].append(copy.deepcopy(created))
            for d in body["businessMetadataDefs"]:
                display = str(d.get("displayName") or d.get("name")).strip()
                created = store.create_cm_set(
                    display,
                    d.get("attributeDefs") or [],
                    description=str(d.get("description") or ""),
                    created_by=username,
                    options=d.get("options"),
                )
                out["businessMetadataDefs"].append(copy.deepcopy(created))
            for d in body["enumDefs"]:
                enum = {
                    "category": "ENUM",
                    "guid": td.stable_guid("enum:" + d["name"]),
                    "createdBy": username,
                    "updatedBy": username,
                    "createTime": store.now_ms(),
                    "updateTime": store.now_ms(),
                    "version": 1,
                    "typeVersion": "1.0",
                    "name": d["name"],
                    "description": d.get("description", ""),
                    "elementDefs": d.get("elementDefs") or [],
                    "options": td.stringify_options(d.get("options")),
                }
                store.typedefs["enumDefs"][d["name"]] = enum
                store.touch()
                out["enumDefs"].append(copy.deepcopy(enum))
        return ApiResponse(200, out)

    def typedefs_update(self, req: ApiRequest) -> ApiResponse:
        body = self._typedef_body(req)
        store = self.store
        out = td.empty_typedefs()
        username = req.token.username
        with store.lock:
            targets = []
            for d in body["businessMetadataDefs"]:
                existing = store.typedefs["businessMetadataDefs"].get(
                    str(d.get("name"))
                ) or store.cm_set_by_name(str(d.get("displayName") or d.get("name")))
                if existing is None:
                    raise errors.type_not_found(str(d.get("name")))
                targets.append(("businessMetadataDefs", existing, d))
            for d in body["classificationDefs"]:
                existing = store.typedefs["classificationDefs"].get(str(d.get("name")))
                if existing is None:
                    raise errors.type_not_found(str(d.get("name")))
                targets.append(("classificationDefs", existing, d))
            for d in body["enumDefs"]:
                existing = store.typedefs["enumDefs"].get(str(d.get("name")))
                if existing is None:
                    raise errors.type_not_found(str(d.get("name")))
                targets.append(("enumDefs", existing, d))
            for key, existing, d in targets:
                if key == "businessMetadataDefs":
                    self._update_cm_def(existing, d)
                elif key == "classificationDefs":
                    existing["displayName"] = d.get("displayName") or existing["displayName"]
                    existing["description"] = d.get("description", existing["description"])
                    existing["options"] = td.stringify_options(
                        {**existing["options"], **(d.get("options") or {})}
                    )
                else:
                    existing["elementDefs"] = d.get("elementDefs") or existing["elementDefs"]
                existing["updatedBy"] = username
                existing["updateTime"] = store.now_ms()
                existing["version"] = int(existing.get("version", 1)) + 1
                store.touch()
                out[key].append(copy.deepcopy(existing))
        return ApiResponse(200, out)

    def _update_cm_def(self, existing: dict[str, Any], request_def: dict[str, Any]) -> None:
        current = {a["name"]: a for a in existing["attributeDefs"]}
        for attr in request_def.get("attributeDefs") or []:
            if not isinstance(attr, dict):
                raise errors.bad_request("attributeDefs must be objects")
            name = attr.get("name") or ""
            if name and name in current and not attr.get("isNew"):
                kept = current[name]
                kept["displayName"] = attr.get("displayName") or kept["displayName"]
                kept["description"] = attr.get("description", kept.get("description", ""))
                kept["options"] = td.stringify_options({**kept["options"], **(attr.get("options") or {})})
            else:
                if not attr.get("displayName"):
                    raise errors.bad_request("A new attribute needs a displayName")
                new_hash = self.store.new_hash(f"cm:{existing['displayName']}:{attr['displayName']}")
                created = td.cm_attribute_def(attr, new_hash)
                existing["attributeDefs"].append(created)
                current[new_hash] = created
        if request_def.get("description") is not None:
            existing["description"] = request_def["description"]
        if request_def.get("options"):
            existing["options"] = td.stringify_options({**existing["options"], **request_def["options"]})
        if request_def.get("displayName"):
            existing["displayName"] = request_def["displayName"]

    # ----- rendering ------------------------------------------------------------------------
    def _ref(self, e: dict[str, Any], rel_type: str, relation_attributes: list[str] | None) -> dict[str, Any]:
        attrs = e["attributes"]
        ref: dict[str, Any] = {
            "guid": e["guid"],
            "typeName": e["typeName"],
            "entityStatus": e["status"],
            "displayText": attrs.get("name"),
            "relationshipType": rel_type,
            "relationshipGuid": td.stable_guid(f"rel:{rel_type}:{e['guid']}"),
            "relationshipStatus": "ACTIVE",
            "relationshipAttributes": {"typeName": rel_type},
            "uniqueAttributes": {"qualifiedName": attrs["qualifiedName"]},
        }
        if relation_attributes is not None:
            ref["attributes"] = {
                a: self._attribute_value(e, a)
                for a in ["qualifiedName", "name", *relation_attributes]
                if self._has_attribute(e, a)
            }
        return ref

    def _relationships(self, e: dict[str, Any], relation_attributes: list[str] | None) -> dict[str, Any]:
        rels: dict[str, Any] = {}
        parent = self.store.parent(e)
        options = _PARENT_REL.get(e["typeName"], {})
        if parent is not None and parent["typeName"] in options:
            name, rel_type = options[parent["typeName"]]
            rels[name] = self._ref(parent, rel_type, relation_attributes)
        child_rels = _CHILD_REL.get(e["typeName"], {})
        if child_rels:
            for name in child_rels:
                rels[name] = []
            by_type = {child_type: name for name, (child_type, _) in child_rels.items()}
            for child in self.store.children(e):
                name = by_type.get(child["typeName"])
                if name:
                    rels[name].append(self._ref(child, child_rels[name][1], relation_attributes))
        return rels

    def _is_cm_key(self, key: str) -> bool:
        return "." in key and key.split(".", 1)[0] in self.store.typedefs["businessMetadataDefs"]

    def _has_attribute(self, e: dict[str, Any], key: str) -> bool:
        if self._is_cm_key(key):
            set_hash, attr_hash = key.split(".", 1)
            return attr_hash in e["business"].get(set_hash, {})
        return True

    def _attribute_value(self, e: dict[str, Any], key: str) -> Any:
        if self._is_cm_key(key):
            set_hash, attr_hash = key.split(".", 1)
            return copy.deepcopy(e["business"].get(set_hash, {}).get(attr_hash))
        return copy.deepcopy(e["attributes"].get(key))

    def header(
        self,
        e: dict[str, Any],
        attributes: list[str] | None = None,
        relation_attributes: list[str] | None = None,
        *,
        all_attributes: bool = False,
        exclude_classifications: bool = False,
        include_classification_names: bool = True,
    ) -> dict[str, Any]:
        """An entity header as in search results and mutation answers."""
        attrs: dict[str, Any]
        if all_attributes:
            attrs = copy.deepcopy(e["attributes"])
        else:
            attrs = {"qualifiedName": e["attributes"]["qualifiedName"], "name": e["attributes"].get("name")}
        wanted_rels: list[str] = []
        rel_names = set(_CHILD_REL.get(e["typeName"], {})) | {
            n for n, _ in _PARENT_REL.get(e["typeName"], {}).values()
        }
        for key in attributes or []:
            if key in attrs or key in _HEADER_FIELDS or key.startswith("__"):
                continue
            if key in rel_names:
                wanted_rels.append(key)
            elif self._has_attribute(e, key):
                attrs[key] = self._attribute_value(e, key)
        if wanted_rels:
            rels = self._relationships(e, relation_attributes or [])
            for key in wanted_rels:
                if key in rels:
                    attrs[key] = rels[key]
        classifications = self.store.classifications(e)
        result: dict[str, Any] = {
            "typeName": e["typeName"],
            "attributes": attrs,
            "guid": e["guid"],
            "status": e["status"],
            "displayText": e["attributes"].get("name"),
        }
        if not exclude_classifications or include_classification_names:
            result["classificationNames"] = list(dict.fromkeys(c["typeName"] for c in classifications))
        if not exclude_classifications:
            result["classifications"] = classifications
        result.update(
            {
                "meaningNames": [],
                "meanings": [],
                "isIncomplete": False,
                "labels": [],
                "createdBy": e["createdBy"],
                "updatedBy": e["updatedBy"],
                "createTime": e["createTime"],
                "updateTime": e["updateTime"],
            }
        )
        return result

    def full_entity(self, e: dict[str, Any], *, ignore_relationships: bool = False) -> dict[str, Any]:
        entity: dict[str, Any] = {
            "typeName": e["typeName"],
            "attributes": {
                "announcementType": None,
                "announcementTitle": None,
                "announcementMessage": None,
                "announcementUpdatedBy": None,
                **copy.deepcopy(e["attributes"]),
            },
            "guid": e["guid"],
            "isIncomplete": False,
            "status": e["status"],
            "createdBy": e["createdBy"],
            "updatedBy": e["updatedBy"],
            "createTime": e["createTime"],
            "updateTime": e["updateTime"],
            "version": 0,
            "labels": [],
            "classifications": self.store.classifications(e),
        }
        if not ignore_relationships:
            entity["relationshipAttributes"] = self._relationships(e, None)
        if e["business"]:
            entity["businessAttributes"] = copy.deepcopy(e["business"])
        return {"entity": entity, "referredEntities": {}}

    # ----- access helpers -------------------------------------------------------------------
    def _visible(self, token: Token, e: dict[str, Any]) -> bool:
        # Every token lists the domains: a persona limits assets, not the domain list (unverified).
        if token.connections is None or e["typeName"] == DOMAIN_TYPE:
            return True
        return token.sees(connection_of(e["attributes"]["qualifiedName"]))

    def _readable(self, req: ApiRequest, guid: str) -> dict[str, Any]:
        e = self.store.get(guid)
        if e is None or not self._visible(req.token, e):
            raise errors.guid_not_found(guid)
        return e

    def _writable(self, req: ApiRequest, guid: str, action: str) -> dict[str, Any]:
        e = self.store.get(guid)
        if e is None:
            raise errors.guid_not_found(guid)
        if not self._visible(req.token, e):
            raise errors.forbidden(req.token.username, action, guid)
        return e

    # ----- search ---------------------------------------------------------------------------
    def index_search(self, req: ApiRequest) -> ApiResponse:
        body = req.body
        if not isinstance(body, dict) or not isinstance(body.get("dsl"), dict):
            raise errors.bad_request("Request body must be an object with a 'dsl' object")
        dsl = body["dsl"]
        try:
            start = int(dsl.get("from", 0) or 0)
            size = int(dsl.get("size", 10) if dsl.get("size") is not None else 10)
        except (TypeError, ValueError) as exc:
            raise errors.bad_request("dsl.from and dsl.size must be integers") from exc
        if start < 0 or size < 0:
            raise errors.bad_request("dsl.from and dsl.size must not be negative")
        if start + size > MAX_RESULT_WINDOW:
            raise errors.bad_request(
                f"Result window is too large, from + size must be less than or equal to: "
                f"[{MAX_RESULT_WINDOW}] but was [{start + size}]. See the scroll api for a more efficient "
                "way to request large data sets.",
                code="ATLAS-400-00-0A0",
            )
        self.faults.check_page_size(size)
        attributes = body.get("attributes") or []
        relation_attributes = body.get("relationAttributes") or []
        if not isinstance(attributes, list) or not isinstance(relation_attributes, list):
            raise errors.bad_request("attributes and relationAttributes must be lists")
        with self.store.lock:
            guids, first, end = self._hits(req.token, dsl)
            page = [self.store.entities[g] for g in guids[first + start : min(first + start + size, end)]]
            entities = [
                self.header(
                    e,
                    [str(a) for a in attributes],
                    [str(a) for a in relation_attributes],
                    exclude_classifications=bool(body.get("excludeClassifications")),
                    include_classification_names=bool(body.get("includeClassificationNames"))
                    or not body.get("excludeClassifications"),
                )
                for e in page
            ]
        result: dict[str, Any] = {
            "queryType": "INDEX",
            "searchParameters": self._echo(body),
        }
        if entities:
            result["entities"] = entities
        result["approximateCount"] = end - first
        return ApiResponse(200, result)

    def _hits(self, token: Token, dsl: dict[str, Any]) -> tuple[list[str], int, int]:
        """The search's hits as (ordered guids, start, end): the answer is guids[start:end]."""
        query, post_filter, sort = dsl.get("query"), dsl.get("post_filter"), dsl.get("sort")
        keyset = _keyset_split(query, sort)
        if keyset is not None:
            # Keyset paging re-sends one query with a moving "after (createTime, guid)" filter.
            # Evaluating it afresh for every page would make paging a schema quadratic, so
            # answer from the cached hits of the query without that filter: same result.
            base, (create_time, guid) = keyset
            hits = self._cached_hits(token, base, post_filter, sort)
            return hits.guids, hits.after(create_time, guid), len(hits.guids)
        ranged = _timestamp_range_split(query, sort)
        if ranged is not None:
            # pyatlan's bulk paging: the same query with a moving `__timestamp >= t` filter, sorted
            # by (createTime, guid); the range is a slice of the hits of the query without it.
            base, bounds = ranged
            hits = self._cached_hits(token, base, post_filter, sort)
            start, end = hits.time_slice(bounds)
            return hits.guids, start, end
        hits = self._cached_hits(token, query, post_filter, sort)
        return hits.guids, 0, len(hits.guids)

    def _cached_hits(self, token: Token, query: Any, post_filter: Any, sort: Any) -> _Hits:
        """The hits of one search, from the cache when they can be brought up to date.

        Called with the store locked: hits are checked and changed under that lock."""
        key = json.dumps([query, post_filter, sort, token.token], sort_keys=True, default=str)
        with self._cache_lock:
            cached = self._search_cache.get(key)
            if cached is not None:
                self._search_cache.move_to_end(key)
        if cached is not None and cached.catch_up(self.store):
            return cached
        try:
            predicate = compile_query(self.store, query)
            post = compile_query(self.store, post_filter)
            candidates = candidate_guids(self.store, query)

            def matches(e: dict[str, Any]) -> bool:
                return self._visible(token, e) and predicate(e) and post(e)

            matched = [e for e in (self.store.entities[g] for g in candidates) if matches(e)]
            order = _order_of(sort)
            if order == "guid":
                matched.sort(key=lambda e: e["guid"])
            elif order == "timestamp":
                matched.sort(key=lambda e: (e["createTime"], e["guid"]))
            else:
                matched = sort_entities(self.store, matched, sort)
        except DslError as exc:
            raise errors.bad_request(f"Invalid search query: {exc}", code="ATLAS-400-00-06D") from exc
        text = json.dumps([query, post_filter], default=str)
        local = not any(field in text for field in _NON_LOCAL_FIELDS)
        hits = _Hits(self.store, [e["guid"] for e in matched], order, matches, local)
        with self._cache_lock:
            self._search_cache[key] = hits
            held = sum(len(h.guids) for h in self._search_cache.values())
            while len(self._search_cache) > 1 and (
                len(self._search_cache) > _CACHED_SEARCHES or held > _CACHED_HITS
            ):
                _, dropped = self._search_cache.popitem(last=False)
                held -= len(dropped.guids)
        return hits

    @staticmethod
    def _echo(body: dict[str, Any]) -> dict[str, Any]:
        request_metadata = body.get("requestMetadata") or {}
        echo: dict[str, Any] = {
            "showSearchScore": bool(body.get("showSearchScore", False)),
            "suppressLogs": bool(body.get("suppressLogs", False)),
            "excludeMeanings": bool(body.get("excludeMeanings", False)),
            "excludeClassifications": bool(body.get("excludeClassifications", False)),
            "includeClassificationNames": bool(body.get("includeClassificationNames", False)),
            "requestMetadata": {
                "searchInput": None,
                "utmTags": request_metadata.get("utmTags", []),
                "saveSearchLog": request_metadata.get("saveSearchLog", False),
            },
            "async": {
                "isCallAsync": False,
                "searchContextId": None,
                "searchContextSequenceNo": None,
                "requestTimeoutInSecs": None,
            },
            "showHighlights": False,
            "dsl": body["dsl"],
            "allowDeletedRelations": bool(body.get("allowDeletedRelations", False)),
            "accessControlExclusive": False,
            "query": json.dumps(body["dsl"], separators=(",", ":")),
            "saveSearchLog": request_metadata.get("saveSearchLog", False),
            "callAsync": False,
            "utmTags": request_metadata.get("utmTags", []),
        }
        for key in ("attributes", "relationAttributes"):
            if key in body:
                echo[key] = body[key]
        return echo

    # ----- entity reads ---------------------------------------------------------------------
    def entity_get(self, req: ApiRequest, guid: str) -> ApiResponse:
        with self.store.lock:
            e = self._readable(req, guid)
            return ApiResponse(
                200, self.full_entity(e, ignore_relationships=_flag(req.query, "ignoreRelationships"))
            )

    def entity_get_by_qn(self, req: ApiRequest, type_name: str) -> ApiResponse:
        qn = _one(req.query, "attr:qualifiedName")
        if not qn:
            raise errors.bad_request("attr:qualifiedName is required")
        with self.store.lock:
            e = self.store.find(type_name, qn)
            if e is None or not self._visible(req.token, e):
                raise errors.unique_attribute_not_found(type_name, qn)
            return ApiResponse(
                200, self.full_entity(e, ignore_relationships=_flag(req.query, "ignoreRelationships"))
            )

    # ----- entity writes --------------------------------------------------------------------
    def _check_tags(self, classifications: Any) -> list[dict[str, Any]]:
        if classifications is None:
            return []
        if not isinstance(classifications, list):
            raise errors.bad_request("classifications must be a list")
        for c in classifications:
            if not isinstance(c, dict) or not c.get("typeName"):
                raise errors.bad_request("each classification needs a typeName")
            if c["typeName"] not in self.store.typedefs["classificationDefs"]:
                raise errors.classification_not_found(str(c["typeName"]))
        return classifications

    def _check_business(self, req: ApiRequest, values: Any, target: str) -> dict[str, dict[str, Any]]:
        if not isinstance(values, dict):
            raise errors.bad_request("businessAttributes must be an object of {setHash: {attrHash: value}}")
        if values and not req.token.can_edit_custom_metadata:
            raise errors.forbidden(req.token.username, "update business metadata", target)
        for set_hash, attrs in values.items():
            set_def = self.store.typedefs["businessMetadataDefs"].get(set_hash)
            if set_def is None:
                raise errors.bad_request(f"invalid business metadata {set_hash}", code="ATLAS-400-00-08A")
            if not isinstance(attrs, dict):
                raise errors.bad_request(f"values of {set_hash} must be an object")
            known = {a["name"] for a in set_def["attributeDefs"]}
            for attr_hash in attrs:
                if attr_hash not in known:
                    raise errors.bad_request(
                        f"invalid business attribute {set_hash}.{attr_hash}", code="ATLAS-400-00-08A"
                    )
        return values

    def entity_bulk(self, req: ApiRequest) -> ApiResponse:
        body = req.body
        if not isinstance(body, dict) or not isinstance(body.get("entities"), list):
            raise errors.bad_request("Request body must be an object with an 'entities' list")
        incoming = body["entities"]
        self.faults.check_batch_size(len(incoming))
        q = req.query
        replace_tags = _flag(q, "replaceTags") or _flag(q, "replaceClassifications")
        append_tags = _flag(q, "appendTags")
        replace_cm = _flag(q, "replaceBusinessAttributes")
        overwrite_cm = _flag(q, "overwriteBusinessAttributes")
        token = req.token
        store = self.store
        with store.lock:
            plan: list[tuple[dict[str, Any], dict[str, Any] | None, str]] = []
            pending: dict[str, str] = {}
            # Validate everything first so a bad entity changes nothing.
            for index, item in enumerate(incoming):
                if not isinstance(item, dict):
                    raise errors.bad_request(f"entities[{index}] must be an object")
                type_name = item.get("typeName")
                if type_name not in ASSET_TYPES:
                    raise errors.type_not_found(str(type_name))
                attrs = item.get("attributes") or {}
                if not isinstance(attrs, dict):
                    raise errors.bad_request(f"entities[{index}].attributes must be an object")
                guid = str(item.get("guid") or "")
                existing = None
                if guid and not guid.startswith("-"):
                    existing = store.get(guid)
                    if existing is None:
                        raise errors.guid_not_found(guid)
                qn = attrs.get("qualifiedName") or (
                    existing["attributes"]["qualifiedName"] if existing else None
                )
                if not isinstance(qn, str) or not qn:
                    raise errors.bad_request(
                        f"entities[{index}]: attribute qualifiedName is required", code="ATLAS-400-00-029"
                    )
                if existing is None:
                    existing = store.find(type_name, qn)
                if not token.sees(connection_of(qn)):
                    action = "update entity" if existing else "create entity"
                    raise errors.forbidden(token.username, action, f"{type_name}:{qn}")
                if existing is None:
                    self._check_new_entity(req, type_name, qn, attrs, pending, index)
                if replace_tags:
                    self._check_tags(item.get("classifications"))
                if append_tags:
                    self._check_tags(item.get("addOrUpdateClassifications"))
                    self._check_tags(item.get("removeClassifications"))
                if replace_cm and item.get("businessAttributes"):
                    self._check_business(req, item["businessAttributes"], qn)
                pending[qn] = type_name
                plan.append((item, existing, qn))
            created: list[dict[str, Any]] = []
            updated: list[dict[str, Any]] = []
            assignments: dict[str, str] = {}
            for item, existing, qn in plan:
                placeholder = str(item.get("guid") or "")
                attrs = {**(item.get("attributes") or {}), "qualifiedName": qn}
                if existing is None:
                    tags: list[dict[str, Any]] = []
                    if replace_tags:
                        tags = item.get("classifications") or []
                    elif append_tags:
                        tags = item.get("addOrUpdateClassifications") or []
                    business = {}
                    if replace_cm:
                        business = {
                            s: {a: v for a, v in vals.items() if v not in (None, "", [])}
                            for s, vals in (item.get("businessAttributes") or {}).items()
                        }
                        business = {s: v for s, v in business.items() if v}
                    if store.stamps_announcements:
                        attrs.pop("announcementUpdatedAt", None)
                        attrs.pop("announcementUpdatedBy", None)
                    entity = store.add_entity(
                        item["typeName"], attrs, tags=tags, business=business, created_by=token.username
                    )
                    if attrs.get("announcementType") or attrs.get("announcementTitle"):
                        store.stamp_announcement(entity, token.username)
                    created.append(entity)
                    if placeholder.startswith("-"):
                        assignments[placeholder] = entity["guid"]
                    continue
                changed = store.apply_attributes(existing, attrs, token.username)
                if replace_tags:
                    changed = (
                        store.replace_tags(existing, item.get("classifications") or [], token.username)
                        or changed
                    )
                elif append_tags:
                    changed = (
                        store.append_tags(
                            existing,
                            item.get("addOrUpdateClassifications") or [],
                            item.get("removeClassifications") or [],
                            token.username,
                        )
                        or changed
                    )
                if replace_cm:
                    values = item.get("businessAttributes") or {}
                    if overwrite_cm:
                        changed = store.replace_business(existing, values, token.username) or changed
                    else:
                        changed = (
                            store.merge_business(existing, values, token.username, none_removes=False)
                            or changed
                        )
                if changed:
                    updated.append(existing)
                    if placeholder.startswith("-"):
                        assignments[placeholder] = existing["guid"]
            return ApiResponse(200, self._mutation(created=created, updated=updated, assignments=assignments))

    def _check_new_entity(
        self,
        req: ApiRequest,
        type_name: str,
        qn: str,
        attrs: dict[str, Any],
        pending: dict[str, str],
        index: int,
    ) -> None:
        if not attrs.get("name"):
            raise errors.bad_request(
                f"entities[{index}]: attribute name is required", code="ATLAS-400-00-029"
            )
        if type_name == "Connection":
            if req.token.connections is not None:
                raise errors.forbidden(req.token.username, "create entity", f"Connection:{qn}")
            if len(qn.split("/")) != 3:
                raise errors.bad_request(
                    f"entities[{index}]: a Connection's qualifiedName is default/<connector>/<epoch>"
                )
            return
        parent_qn = parent_of(qn)
        expected = _EXPECTED_PARENT[type_name]
        parent_type = None
        if parent_qn:
            parent = self.store.find_qn(parent_qn)
            parent_type = parent["typeName"] if parent else pending.get(parent_qn)
        if parent_type not in expected:
            raise errors.unique_attribute_not_found(expected[0], parent_qn or qn)

    def _mutation(
        self,
        *,
        created: list[dict[str, Any]] = (),  # type: ignore[assignment]
        updated: list[dict[str, Any]] = (),  # type: ignore[assignment]
        partial: list[dict[str, Any]] = (),  # type: ignore[assignment]
        assignments: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        mutated: dict[str, list[dict[str, Any]]] = {}
        for key, entities in (("CREATE", created), ("UPDATE", updated), ("PARTIAL_UPDATE", partial)):
            if entities:
                mutated[key] = [self.header(e, all_attributes=True) for e in entities]
        result: dict[str, Any] = {}
        if mutated:
            result["mutatedEntities"] = mutated
        if partial:
            result["partialUpdatedEntities"] = mutated["PARTIAL_UPDATE"]
        result["guidAssignments"] = assignments or {}
        return result

    def entity_partial_update(self, req: ApiRequest, type_name: str) -> ApiResponse:
        qn = _one(req.query, "attr:qualifiedName")
        if not qn:
            raise errors.bad_request("attr:qualifiedName is required")
        body = req.body
        if not isinstance(body, dict) or not isinstance(body.get("entity"), dict):
            raise errors.bad_request("Request body must be an object with an 'entity' object")
        attrs = body["entity"].get("attributes") or {}
        if not isinstance(attrs, dict):
            raise errors.bad_request("entity.attributes must be an object")
        with self.store.lock:
            if not req.token.sees(connection_of(qn)):
                raise errors.forbidden(req.token.username, "update entity", f"{type_name}:{qn}")
            e = self.store.find(type_name, qn)
            if e is None:
                raise errors.unique_attribute_not_found(type_name, qn)
            changed = self.store.apply_attributes(e, {**attrs, "qualifiedName": qn}, req.token.username)
            return ApiResponse(200, self._mutation(partial=[e] if changed else []))

    def business_set(self, req: ApiRequest, guid: str, set_hash: str) -> ApiResponse:
        with self.store.lock:
            e = self._writable(req, guid, "update business metadata")
            if not isinstance(req.body, dict):
                raise errors.bad_request("Request body must be an object of {attrHash: value}")
            values = self._check_business(req, {set_hash: req.body}, guid)
            if not req.token.can_edit_custom_metadata:
                raise errors.forbidden(req.token.username, "update business metadata", guid)
            self.store.merge_business(e, values, req.token.username, none_removes=True)
        return ApiResponse(204)

    def business_all(self, req: ApiRequest, guid: str) -> ApiResponse:
        with self.store.lock:
            e = self._writable(req, guid, "update business metadata")
            if not req.token.can_edit_custom_metadata:
                raise errors.forbidden(req.token.username, "update business metadata", guid)
            values = self._check_business(req, req.body, guid)
            if _flag(req.query, "isOverwrite"):
                self.store.replace_business(e, values, req.token.username)
            else:
                self.store.merge_business(e, values, req.token.username, none_removes=True)
        return ApiResponse(204)
