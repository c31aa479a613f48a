"""The sandbox's in-memory catalog: assets, typedefs, tokens, tag assignments, custom metadata,
announcements and request counters. All access goes through one re-entrant lock so the threaded
server and a test thread can use it at once.
"""

from __future__ import annotations

import bisect
import copy
import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import typedefs as td

STATE_FORMAT = "plumbline-atlan-sandbox-state/1"
ANNOUNCEMENT_KEYS = ("announcementType", "announcementTitle", "announcementMessage")
# Attributes the server maintains itself; values a client sends for them are ignored.
SERVER_ATTRIBUTES = frozenset({"announcementUpdatedAt", "announcementUpdatedBy", "qualifiedName"})
# Relationship references a client may send inside `attributes`; they are implied by the QN here.
RELATIONSHIP_KEYS = frozenset(
    {
        "connection",
        "database",
        "atlanSchema",
        "table",
        "view",
        "materialisedView",
        "schemas",
        "tables",
        "views",
        "materialisedViews",
        "columns",
        "databases",
    }
)
ASSET_TYPES = ("Connection", "Database", "Schema", "Table", "View", "MaterialisedView", "Column")
SUPER_TYPES: dict[str, list[str]] = {
    "Connection": ["Asset", "Catalog", "Referenceable"],
    "Database": ["SQL", "Catalog", "Asset", "Referenceable"],
    "Schema": ["SQL", "Catalog", "Asset", "Referenceable"],
    "Table": ["SQL", "Catalog", "Asset", "Referenceable"],
    "View": ["SQL", "Catalog", "Asset", "Referenceable"],
    "MaterialisedView": ["SQL", "Catalog", "Asset", "Referenceable"],
    "Column": ["SQL", "Catalog", "Asset", "Referenceable"],
    "DataDomain": ["DataMesh", "Catalog", "Asset", "Referenceable"],
}
_CHANGE_LOG_SIZE = 200_000
# Attributes whose values many assets share (stored once, see Store._strings).
SHARED_VALUES = frozenset(
    {
        "name",
        "dataType",
        "connectorName",
        "connectionQualifiedName",
        "databaseName",
        "databaseQualifiedName",
        "schemaName",
        "schemaQualifiedName",
        "tableName",
        "tableQualifiedName",
        "viewName",
        "viewQualifiedName",
    }
)
READ_KINDS = frozenset(
    {"users.current", "whoami", "typedefs.list", "typedef.get", "search", "entity.get", "entity.get_by_qn"}
)


@dataclass
class Token:
    """An API token: a username, the connections its personas grant (None = all), CM rights."""

    token: str
    username: str
    connections: list[str] | None = None
    can_edit_custom_metadata: bool = True
    description: str = ""

    def sees(self, connection_qn: str) -> bool:
        return self.connections is None or connection_qn in self.connections


@dataclass
class RequestRecord:
    method: str
    path: str
    kind: str
    write: bool
    status: int


@dataclass
class Counts:
    """Requests answered, by endpoint kind; faulted requests are counted apart."""

    by_kind: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    reads: int = 0
    faults: Counter[str] = field(default_factory=Counter)


def connection_of(qualified_name: str) -> str:
    return "/".join(qualified_name.split("/")[:3])


def parent_of(qualified_name: str) -> str | None:
    parts = qualified_name.split("/")
    return "/".join(parts[:-1]) if len(parts) > 3 else None


class Store:
    def __init__(self, *, seed: int = 0, clock: Callable[[], float] | None = None) -> None:
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._clock = clock or time.time
        self.entities: dict[str, dict[str, Any]] = {}
        self._by_type_qn: dict[str, dict[str, str]] = {}
        self._by_qn: dict[str, str] = {}
        self._by_type: dict[str, dict[str, None]] = {}
        self._by_conn: dict[str, dict[str, None]] = {}
        self._children: dict[str, dict[str, None]] = {}
        # One string object for each value many assets repeat (names of columns, types, parents):
        # at a million assets, copies of them would take a tenth of the memory.
        self._strings: dict[str, str] = {}
        self.typedefs: dict[str, dict[str, dict[str, Any]]] = {key: {} for key in td.CATEGORIES.values()}
        for struct in td.struct_defs():
            self.typedefs["structDefs"][struct["name"]] = struct
        self.tokens: dict[str, Token] = {}
        self.announcement_log: list[dict[str, Any]] = []
        self.version = 0
        # Which entity each version's change touched, so a cached search can catch up by looking
        # at those entities alone; a change not tied to one entity (a typedef, a rename, a test
        # editing entities by hand) bumps `structure_version` instead and invalidates everything.
        self.structure_version = 0
        self.names_version = 0  # qualified names added or changed
        self._change_versions: list[int] = []
        self._change_guids: list[str] = []
        self._changes_floor = 0
        self.counts = Counts()
        self.requests: deque[RequestRecord] = deque(maxlen=5000)
        self.scenario_name = ""
        # True: like Plumbline's reading of Atlan, the server fills announcementUpdatedBy/At on
        # every announcement write. False: like a catalog where they are ordinary attributes a
        # client may set (Atlan does not document either way); the server stores what it is sent.
        self.stamps_announcements = True

    # ----- time, ids, versioning ------------------------------------------------------------
    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def new_guid(self) -> str:
        with self.lock:
            h = f"{self._rng.getrandbits(128):032x}"
        # Formatted by hand (a random version-4 UUID): uuid.UUID is slow for 100k-asset scenarios.
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def new_hash(self, seed: str) -> str:
        with self.lock:
            return td.static_hash(f"{seed}:{self._rng.getrandbits(64)}")

    def touch(self, guid: str | None = None) -> None:
        """Record a change: of one entity (its guid), or of anything at all (no guid)."""
        self.version += 1
        if guid is None:
            self.structure_version += 1
            return
        self._change_versions.append(self.version)
        self._change_guids.append(guid)
        if len(self._change_guids) > _CHANGE_LOG_SIZE:
            cut = _CHANGE_LOG_SIZE // 2
            self._changes_floor = self._change_versions[cut - 1]
            del self._change_versions[:cut], self._change_guids[:cut]

    def changed_since(self, version: int) -> list[str] | None:
        """Guids of the entities changed after `version` (repeats possible); None: not known."""
        if version < self._changes_floor or version > self.version:
            return None
        return self._change_guids[bisect.bisect_right(self._change_versions, version) :]

    def reset_version(self) -> None:
        """Start counting versions again (a freshly built store is version 0)."""
        self.version = 0
        self.structure_version += 1
        self._change_versions.clear()
        self._change_guids.clear()
        self._changes_floor = 0

    # ----- request counting -----------------------------------------------------------------
    def record_request(self, method: str, path: str, kind: str, status: int) -> None:
        write = kind not in READ_KINDS
        with self.lock:
            self.counts.by_kind[kind] += 1
            if write:
                self.counts.writes += 1
            else:
                self.counts.reads += 1
            self.requests.append(RequestRecord(method, path, kind, write, status))

    def record_fault(self, fault: str) -> None:
        with self.lock:
            self.counts.faults[fault] += 1

    def write_count(self, kind: str | None = None) -> int:
        """Write requests answered (typedef writes, bulk, partial updates, CM), optionally of one kind."""
        with self.lock:
            if kind is None:
                return self.counts.writes
            return self.counts.by_kind[kind] if kind not in READ_KINDS else 0

    def read_count(self, kind: str | None = None) -> int:
        with self.lock:
            if kind is None:
                return self.counts.reads
            return self.counts.by_kind[kind] if kind in READ_KINDS else 0

    def request_count(self, kind: str) -> int:
        with self.lock:
            return self.counts.by_kind[kind]

    def reset_counts(self) -> None:
        with self.lock:
            self.counts = Counts()
            self.requests.clear()

    # ----- tokens ---------------------------------------------------------------------------
    def add_token(self, token: Token) -> Token:
        with self.lock:
            self.tokens[token.token] = token
        return token

    def token(self, value: str) -> Token | None:
        return self.tokens.get(value)

    # ----- typedefs -------------------------------------------------------------------------
    def tag_defs(self) -> list[dict[str, Any]]:
        return list(self.typedefs["classificationDefs"].values())

    def cm_defs(self) -> list[dict[str, Any]]:
        return list(self.typedefs["businessMetadataDefs"].values())

    def tag_hash(self, display_name: str) -> str | None:
        """Tag hash for a display name (exact first, then without regard to case)."""
        for definition in self.tag_defs():
            if definition["displayName"] == display_name:
                return definition["name"]
        lowered = display_name.lower()
        for definition in self.tag_defs():
            if definition["displayName"].lower() == lowered:
                return definition["name"]
        return None

    def tag_display_name(self, name_hash: str) -> str:
        definition = self.typedefs["classificationDefs"].get(name_hash)
        return definition["displayName"] if definition else "(DELETED)"

    def create_tag(
        self, display_name: str, *, color: str = "Gray", description: str = "", name_hash: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            existing = self.tag_hash(display_name)
            if existing and self.tag_display_name(existing) == display_name:
                return self.typedefs["classificationDefs"][existing]
            name_hash = name_hash or self.new_hash("tag:" + display_name)
            definition = td.classification_def(
                name_hash, display_name, description=description, color=color, now_ms=self.now_ms()
            )
            self.typedefs["classificationDefs"][name_hash] = definition
            self.touch()
            return definition

    def cm_set_by_name(self, display_name: str) -> dict[str, Any] | None:
        for definition in self.cm_defs():
            if definition["displayName"] == display_name:
                return definition
        return None

    def cm_attr_hash(self, set_def: dict[str, Any], attr_display_name: str) -> str | None:
        for attr in set_def.get("attributeDefs", []):
            if attr.get("displayName") == attr_display_name:
                return attr["name"]
        return None

    def create_cm_set(
        self,
        display_name: str,
        attributes: list[dict[str, Any]],
        *,
        description: str = "",
        created_by: str = "admin",
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a custom-metadata set from request-shaped attribute defs; hashes assigned here."""
        with self.lock:
            set_hash = self.new_hash("cm:" + display_name)
            attrs = [
                td.cm_attribute_def(a, self.new_hash(f"cm:{display_name}:{a.get('displayName')}"))
                for a in attributes
            ]
            definition = td.cm_set_def(
                set_hash,
                display_name,
                attrs,
                description=description,
                options=options,
                created_by=created_by,
                now_ms=self.now_ms(),
            )
            self.typedefs["businessMetadataDefs"][set_hash] = definition
            self.touch()
            return definition

    def find_typedef(self, name: str) -> dict[str, Any] | None:
        for defs in self.typedefs.values():
            if name in defs:
                return defs[name]
        return None

    # ----- entities: lookups ----------------------------------------------------------------
    def get(self, guid: str) -> dict[str, Any] | None:
        return self.entities.get(guid)

    def find(self, type_name: str, qualified_name: str) -> dict[str, Any] | None:
        guid = self._by_type_qn.get(type_name, {}).get(qualified_name)
        return self.entities.get(guid) if guid else None

    def find_qn(self, qualified_name: str) -> dict[str, Any] | None:
        guid = self._by_qn.get(qualified_name)
        return self.entities.get(guid) if guid else None

    def require_qn(self, qualified_name: str) -> dict[str, Any]:
        entity = self.find_qn(qualified_name)
        if entity is None:
            raise KeyError(f"no asset with qualifiedName {qualified_name!r}")
        return entity

    def of_type(self, type_name: str) -> Iterator[dict[str, Any]]:
        for guid in self._by_type.get(type_name, {}):
            yield self.entities[guid]

    def in_connection(self, connection_qn: str) -> Iterable[str]:
        return self._by_conn.get(connection_qn, {})

    def guids_of_type(self, type_name: str) -> dict[str, None]:
        return self._by_type.get(type_name, {})

    def children(self, entity: dict[str, Any]) -> list[dict[str, Any]]:
        qn = entity["attributes"]["qualifiedName"]
        return [self.entities[g] for g in self._children.get(qn, {})]

    def parent(self, entity: dict[str, Any]) -> dict[str, Any] | None:
        parent_qn = parent_of(entity["attributes"]["qualifiedName"])
        return self.find_qn(parent_qn) if parent_qn else None

    # ----- entities: creation ---------------------------------------------------------------
    def add_entity(
        self,
        type_name: str,
        attributes: dict[str, Any],
        *,
        guid: str | None = None,
        tags: list[dict[str, Any]] | None = None,
        business: dict[str, dict[str, Any]] | None = None,
        created_by: str = "admin",
        created_at: int | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            qn = attributes["qualifiedName"]
            now = created_at if created_at is not None else self.now_ms()
            shared = self._strings.setdefault
            attrs = {
                k: shared(v, v) if k in SHARED_VALUES and type(v) is str else v
                for k, v in attributes.items()
                if v is not None and k not in RELATIONSHIP_KEYS
            }
            attrs.setdefault("name", shared(qn.rsplit("/", 1)[-1], qn.rsplit("/", 1)[-1]))
            attrs.setdefault("announcementUpdatedAt", 0)
            created_by = shared(created_by, created_by)
            entity: dict[str, Any] = {
                "guid": guid or self.new_guid(),
                "typeName": shared(type_name, type_name),
                "status": "ACTIVE",
                "attributes": attrs,
                "tags": [normalise_tag(t) for t in tags or []],
                "business": copy.deepcopy(business) if business else {},
                "createdBy": created_by,
                "updatedBy": created_by,
                "createTime": now,
                "updateTime": now,
            }
            self._index(entity)
            self.touch(entity["guid"])
            return entity

    def _index(self, entity: dict[str, Any]) -> None:
        guid = entity["guid"]
        qn = entity["attributes"]["qualifiedName"]
        self.entities[guid] = entity
        self.names_version += 1
        self._by_type_qn.setdefault(entity["typeName"], {})[qn] = guid
        self._by_qn.setdefault(qn, guid)
        self._by_type.setdefault(entity["typeName"], {})[guid] = None
        self._by_conn.setdefault(connection_of(qn), {})[guid] = None
        parent_qn = parent_of(qn)
        if parent_qn:
            self._children.setdefault(parent_qn, {})[guid] = None

    def reindex(self) -> None:
        """Rebuild the lookups after qualified names changed (a rename)."""
        with self.lock:
            for index in (self._by_type_qn, self._by_qn, self._by_type, self._by_conn, self._children):
                index.clear()
            for entity in list(self.entities.values()):
                self._index(entity)
            self.touch()

    # ----- entities: mutation (return True when something changed) ------------------------------
    def _stamp(self, entity: dict[str, Any], username: str) -> None:
        entity["updateTime"] = max(self.now_ms(), entity["updateTime"] + 1)
        entity["updatedBy"] = username
        self.touch(entity["guid"])

    def apply_attributes(self, entity: dict[str, Any], attributes: dict[str, Any], username: str) -> bool:
        with self.lock:
            attrs = entity["attributes"]
            changed = False
            announcement_changed = False
            for key, value in attributes.items():
                if key in self.server_attributes() or key in RELATIONSHIP_KEYS or key.startswith("__"):
                    continue
                if value is None:
                    if attrs.get(key) is None:
                        continue
                    del attrs[key]
                elif attrs.get(key) == value:
                    continue
                else:
                    attrs[key] = copy.deepcopy(value)
                changed = True
                announcement_changed = announcement_changed or key in ANNOUNCEMENT_KEYS
            if announcement_changed:
                self.stamp_announcement(entity, username)
            if changed:
                self._stamp(entity, username)
            return changed

    def server_attributes(self) -> frozenset[str]:
        if self.stamps_announcements:
            return SERVER_ATTRIBUTES
        return SERVER_ATTRIBUTES - {"announcementUpdatedAt", "announcementUpdatedBy"}

    def stamp_announcement(self, entity: dict[str, Any], username: str) -> None:
        attrs = entity["attributes"]
        now = self.now_ms()
        if not self.stamps_announcements:
            action = "set" if attrs.get("announcementType") or attrs.get("announcementTitle") else "cleared"
        elif attrs.get("announcementType") or attrs.get("announcementTitle"):
            attrs["announcementUpdatedAt"] = now
            attrs["announcementUpdatedBy"] = username
            action = "set"
        else:
            # Cleared: the real server reports 0 for "never / no longer set".
            attrs["announcementUpdatedAt"] = 0
            attrs.pop("announcementUpdatedBy", None)
            action = "cleared"
        self.announcement_log.append(
            {
                "at": now,
                "action": action,
                "by": username,
                "guid": entity["guid"],
                "typeName": entity["typeName"],
                "qualifiedName": attrs["qualifiedName"],
                "name": attrs.get("name"),
                "announcementType": attrs.get("announcementType"),
                "announcementTitle": attrs.get("announcementTitle"),
                "announcementMessage": attrs.get("announcementMessage"),
            }
        )

    def replace_tags(
        self, entity: dict[str, Any], classifications: list[dict[str, Any]], username: str
    ) -> bool:
        with self.lock:
            own = [
                normalise_tag(c)
                for c in classifications
                if c.get("entityGuid") in (None, "", entity["guid"])
                or str(c.get("entityGuid")).startswith("-")
            ]
            deduped = list({t["typeName"]: t for t in own}.values())
            if deduped == entity["tags"]:
                return False
            entity["tags"] = deduped
            self._stamp(entity, username)
            return True

    def append_tags(
        self,
        entity: dict[str, Any],
        add: list[dict[str, Any]],
        remove: list[dict[str, Any]],
        username: str,
    ) -> bool:
        with self.lock:
            tags = {t["typeName"]: t for t in entity["tags"]}
            for c in add:
                tags[c["typeName"]] = normalise_tag(c)
            for c in remove:
                tags.pop(c.get("typeName"), None)
            new = list(tags.values())
            if new == entity["tags"]:
                return False
            entity["tags"] = new
            self._stamp(entity, username)
            return True

    def merge_business(
        self,
        entity: dict[str, Any],
        values: dict[str, dict[str, Any]],
        username: str,
        *,
        none_removes: bool,
    ) -> bool:
        """Merge CM values. With none_removes, a null removes the attribute; otherwise empties are skipped."""
        with self.lock:
            business = entity["business"]
            changed = False
            for set_hash, attrs in values.items():
                current = business.setdefault(set_hash, {})
                for attr_hash, value in (attrs or {}).items():
                    if _is_empty(value):
                        if none_removes and attr_hash in current:
                            del current[attr_hash]
                            changed = True
                        continue
                    if current.get(attr_hash) != value:
                        current[attr_hash] = copy.deepcopy(value)
                        changed = True
                if not current:
                    del business[set_hash]
            if changed:
                self._stamp(entity, username)
            return changed

    def replace_business(
        self, entity: dict[str, Any], values: dict[str, dict[str, Any]], username: str
    ) -> bool:
        with self.lock:
            new = {
                s: {a: copy.deepcopy(v) for a, v in (attrs or {}).items() if not _is_empty(v)}
                for s, attrs in values.items()
            }
            new = {s: attrs for s, attrs in new.items() if attrs}
            if new == entity["business"]:
                return False
            entity["business"] = new
            self._stamp(entity, username)
            return True

    # ----- tags as seen on an asset ---------------------------------------------------------
    def direct_classifications(self, entity: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {**tag, "entityGuid": entity["guid"], "entityStatus": entity["status"]} for tag in entity["tags"]
        ]

    def propagated_classifications(self, entity: dict[str, Any]) -> list[dict[str, Any]]:
        """Tags inherited from ancestors (schema → table → column) whose `propagate` is on."""
        own = {t["typeName"] for t in entity["tags"]}
        seen: set[str] = set()
        result = []
        parts = entity["attributes"]["qualifiedName"].split("/")
        for i in range(len(parts) - 1, 2, -1):
            ancestor = self.find_qn("/".join(parts[:i]))
            if ancestor is None:
                continue
            for tag in ancestor["tags"]:
                name = tag["typeName"]
                if not tag["propagate"] or tag.get("restrictPropagationThroughHierarchy"):
                    continue
                if name in own or name in seen:
                    continue
                seen.add(name)
                result.append({**tag, "entityGuid": ancestor["guid"], "entityStatus": ancestor["status"]})
        return result

    def classifications(self, entity: dict[str, Any]) -> list[dict[str, Any]]:
        return self.direct_classifications(entity) + self.propagated_classifications(entity)

    # ----- conveniences for tests and the page (display names in, display names out) ---------
    def add_tag(self, qualified_name: str, tag: str, *, propagate: bool = False, by: str = "jsmith") -> None:
        """Attach a tag (by display name; created if unknown) directly to an asset."""
        with self.lock:
            entity = self.require_qn(qualified_name)
            name_hash = self.tag_hash(tag) or self.create_tag(tag)["name"]
            self.append_tags(entity, [{"typeName": name_hash, "propagate": propagate}], [], by)

    def remove_tag(self, qualified_name: str, tag: str, *, by: str = "jsmith") -> None:
        with self.lock:
            entity = self.require_qn(qualified_name)
            name_hash = self.tag_hash(tag)
            if name_hash:
                self.append_tags(entity, [], [{"typeName": name_hash}], by)

    def tags_of(self, qualified_name: str, *, propagated: bool = True) -> list[str]:
        with self.lock:
            entity = self.require_qn(qualified_name)
            tags = self.classifications(entity) if propagated else self.direct_classifications(entity)
            return [self.tag_display_name(t["typeName"]) for t in tags]

    def custom_metadata(self, qualified_name: str) -> dict[str, dict[str, Any]]:
        """CM values on an asset keyed by set and attribute display names."""
        with self.lock:
            entity = self.require_qn(qualified_name)
            return self.business_display(entity)

    def business_display(self, entity: dict[str, Any]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for set_hash, attrs in entity["business"].items():
            set_def = self.typedefs["businessMetadataDefs"].get(set_hash)
            if set_def is None:
                continue
            names = {a["name"]: a.get("displayName", a["name"]) for a in set_def["attributeDefs"]}
            result[set_def["displayName"]] = {names.get(k, k): copy.deepcopy(v) for k, v in attrs.items()}
        return result

    def set_custom_metadata(
        self, qualified_name: str, set_name: str, values: dict[str, Any], *, by: str = "jsmith"
    ) -> None:
        with self.lock:
            entity = self.require_qn(qualified_name)
            set_def = self.cm_set_by_name(set_name)
            if set_def is None:
                raise KeyError(f"no custom-metadata set named {set_name!r}")
            hashed = {}
            for attr_name, value in values.items():
                attr_hash = self.cm_attr_hash(set_def, attr_name)
                if attr_hash is None:
                    raise KeyError(f"no attribute {attr_name!r} in {set_name!r}")
                hashed[attr_hash] = value
            self.merge_business(entity, {set_def["name"]: hashed}, by, none_removes=True)

    def announcement(self, qualified_name: str) -> dict[str, Any] | None:
        with self.lock:
            attrs = self.require_qn(qualified_name)["attributes"]
            if not attrs.get("announcementType") and not attrs.get("announcementTitle"):
                return None
            return {
                "type": attrs.get("announcementType"),
                "title": attrs.get("announcementTitle"),
                "message": attrs.get("announcementMessage"),
                "updated_by": attrs.get("announcementUpdatedBy"),
                "updated_at": attrs.get("announcementUpdatedAt"),
            }

    def set_announcement(
        self,
        qualified_name: str,
        type_: str | None,
        title: str | None,
        message: str | None = None,
        *,
        by: str = "jsmith",
    ) -> None:
        with self.lock:
            entity = self.require_qn(qualified_name)
            self.apply_attributes(
                entity,
                {"announcementType": type_, "announcementTitle": title, "announcementMessage": message},
                by,
            )

    # ----- state file -----------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "scenario": self.scenario_name,
                "typedefs": {k: list(v.values()) for k, v in self.typedefs.items()},
                "tokens": [asdict(t) for t in self.tokens.values()],
                "entities": list(self.entities.values()),
                "announcement_log": self.announcement_log,
            }

    @classmethod
    def from_state(cls, state: dict[str, Any], *, seed: int = 0) -> Store:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"not a sandbox state file (format {state.get('format')!r})")
        store = cls(seed=seed)
        store.scenario_name = state.get("scenario", "")
        for key, defs in state["typedefs"].items():
            store.typedefs[key] = {d["name"]: d for d in defs}
        for token in state["tokens"]:
            store.add_token(Token(**token))
        for entity in state["entities"]:
            store._index(entity)
        store.announcement_log = list(state.get("announcement_log", []))
        return store

    def save(self, path: str | Path) -> None:
        target = Path(path)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_state()), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path, *, seed: int = 0) -> Store:
        return cls.from_state(json.loads(Path(path).read_text(encoding="utf-8")), seed=seed)

    @contextmanager
    def locked(self) -> Iterator[Store]:
        with self.lock:
            yield self


_NORMAL_TAGS: dict[tuple[Any, ...], dict[str, Any]] = {}


def normalise_tag(tag: dict[str, Any]) -> dict[str, Any]:
    """A directly attached tag as stored: the hash plus Atlas's propagation flags.

    Equal tags are one shared dict (a third of a million assets carry a tag): never change a
    stored tag in place, replace the asset's list instead (as every write here does)."""
    key = (
        tag["typeName"],
        bool(tag.get("propagate", False)),
        bool(tag.get("removePropagationsOnEntityDelete", True)),
        bool(tag.get("restrictPropagationThroughLineage", False)),
        bool(tag.get("restrictPropagationThroughHierarchy", False)),
    )
    normal = _NORMAL_TAGS.get(key)
    if normal is None:
        normal = {
            "typeName": key[0],
            "propagate": key[1],
            "removePropagationsOnEntityDelete": key[2],
            "restrictPropagationThroughLineage": key[3],
            "restrictPropagationThroughHierarchy": key[4],
        }
        if isinstance(key[0], str) and len(_NORMAL_TAGS) < 100_000:
            _NORMAL_TAGS[key] = normal
    return normal


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []
