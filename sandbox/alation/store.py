"""The sandbox's in-memory Alation: users and tokens, the relational catalog, tags, custom
fields, Data Quality values, trust flags, domains, async jobs and request counters.

Every access goes through one re-entrant lock so the threaded server and a test thread can use
it at once. Time is the wall clock plus an offset tests can advance (`store.advance(3600)`).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .annotations import CustomFields, Tags
from .auth import Auth, User
from .catalog import Catalog
from .jobs import Jobs
from .quality import DataQuality
from .trust import Domains, Flags

STATE_FORMAT = "plumbline-alation-sandbox-state/1"
ObjectRef = tuple[str, int]


@dataclass
class RequestRecord:
    method: str
    path: str
    kind: str
    category: str
    status: int


@dataclass
class Counts:
    """Requests answered, by endpoint kind. Token calls, requests refused for want of a valid
    access token, and faults are counted apart from reads and writes."""

    by_kind: Counter[str] = field(default_factory=Counter)
    reads: int = 0
    writes: int = 0
    auth: int = 0
    rejected: int = 0
    faults: Counter[str] = field(default_factory=Counter)


class Store:
    def __init__(self, *, seed: int = 0, clock: Callable[[], float] | None = None) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self._clock = clock or time.time
        self.offset = 0.0
        self.auth = Auth()
        self.catalog = Catalog()
        self.tags = Tags()
        self.fields = CustomFields()
        self.dq = DataQuality()
        self.flags = Flags()
        self.domains = Domains()
        self.jobs = Jobs()
        self.counts = Counts()
        self.requests: deque[RequestRecord] = deque(maxlen=5000)
        self.scenario_name = ""
        self.demo_user_id = 0
        self.demo_refresh_token = ""

    # ----- time ------------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (tokens expire, timestamps move on)."""
        with self.lock:
            self.offset += seconds

    def duration(self) -> float:
        """A plausible, seeded job duration in seconds."""
        with self.lock:
            return round(0.01 + self.rng.random() * 0.2, 6)

    # ----- request counting ------------------------------------------------------------------
    def record_request(self, method: str, path: str, kind: str, category: str, status: int) -> None:
        with self.lock:
            self.counts.by_kind[kind] += 1
            if category == "write":
                self.counts.writes += 1
            elif category == "read":
                self.counts.reads += 1
            elif category == "auth":
                self.counts.auth += 1
            else:
                self.counts.rejected += 1
            self.requests.append(RequestRecord(method, path, kind, category, status))

    def record_fault(self, fault: str) -> None:
        with self.lock:
            self.counts.faults[fault] += 1

    def write_count(self, kind: str | None = None) -> int:
        """Write requests answered (tags, fields, values, DQ, flags, domains), or of one kind."""
        with self.lock:
            if kind is None:
                return self.counts.writes
            return sum(1 for r in self.requests if r.kind == kind and r.category == "write")

    def read_count(self, kind: str | None = None) -> int:
        with self.lock:
            if kind is None:
                return self.counts.reads
            return sum(1 for r in self.requests if r.kind == kind and r.category == "read")

    def request_count(self, kind: str) -> int:
        with self.lock:
            return self.counts.by_kind[kind]

    def reset_counts(self) -> None:
        with self.lock:
            self.counts = Counts()
            self.requests.clear()

    # ----- visibility ------------------------------------------------------------------------
    def sees(self, user: User, ref: ObjectRef) -> bool:
        ds_id = self.catalog.ds_id_of(*ref)
        return ds_id is not None and user.sees(ds_id)

    def user_ref(self, user_id: int) -> dict[str, Any]:
        user = self.auth.users.get(user_id)
        if user is None:
            return {"id": user_id, "url": f"/user/{user_id}/", "display_name": f"User {user_id}"}
        return user.ref()

    # ----- conveniences for tests and the page (objects by key) ------------------------------
    def ref(self, key: str, otype: str | None = None) -> ObjectRef:
        with self.lock:
            found = self.catalog.resolve(key, otype)
        if found is None:
            raise KeyError(f"no object with key {key!r}")
        return found

    def tags_of(self, key: str) -> list[str]:
        with self.lock:
            return [t["name"] for t in self.tags.of(self.ref(key))]

    def add_tag(self, key: str, name: str) -> None:
        with self.lock:
            tag = self.tags.find(name) or self.tags.create(name, self.now())
            self.tags.tag(tag["id"], self.ref(key), self.now())

    def remove_tag(self, key: str, name: str) -> None:
        with self.lock:
            tag = self.tags.find(name)
            if tag:
                self.tags.untag(tag["id"], self.ref(key))

    def field_values(self, key: str) -> dict[str, Any]:
        """Custom field values of an object, by field name."""
        with self.lock:
            return {v["field_name"]: v["value"] for v in self.fields.value_items(self.ref(key))}

    def flags_on(self, key: str) -> list[dict[str, Any]]:
        """Trust flags of an object: type, reason (HTML), owner's user id and display name."""
        with self.lock:
            return [
                {
                    "id": f["id"],
                    "flag_type": f["flag_type"],
                    "flag_reason": f["flag_reason"],
                    "user_id": f["user_id"],
                    "owner": self.user_ref(f["user_id"])["display_name"],
                }
                for f in self.flags.of(self.ref(key))
            ]

    def add_flag(self, key: str, flag_type: str, reason: str, *, user_id: int) -> dict[str, Any]:
        with self.lock:
            return self.flags.add(flag_type, reason, self.ref(key), user_id, self.now())

    def dq_rows(self, key: str, *, hide_related: bool = False) -> list[dict[str, Any]]:
        """Data Health rows shown on an object (its own values and, unless hidden, its columns')."""
        with self.lock:
            return self.dq.rows_for(self.catalog, self.ref(key), propagate=not hide_related)

    # ----- state file ------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "scenario": self.scenario_name,
                "clock_offset": self.offset,
                "demo": {"user_id": self.demo_user_id, "refresh_token": self.demo_refresh_token},
                "auth": self.auth.to_state(),
                "catalog": self.catalog.to_state(),
                "tags": self.tags.to_state(),
                "fields": self.fields.to_state(),
                "dq": self.dq.to_state(),
                "flags": self.flags.to_state(),
                "domains": self.domains.to_state(),
                "jobs": self.jobs.to_state(),
            }

    @classmethod
    def from_state(cls, state: dict[str, Any], *, seed: int = 0) -> Store:
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"not an Alation sandbox state file (format {found!r})")
        store = cls(seed=seed)
        store.scenario_name = state.get("scenario", "")
        store.offset = float(state.get("clock_offset", 0.0))
        store.demo_user_id = int(state["demo"]["user_id"])
        store.demo_refresh_token = str(state["demo"]["refresh_token"])
        store.auth = Auth.from_state(state["auth"])
        store.catalog = Catalog.from_state(state["catalog"])
        store.tags = Tags.from_state(state["tags"])
        store.fields = CustomFields.from_state(state["fields"])
        store.dq = DataQuality.from_state(state["dq"])
        store.flags = Flags.from_state(state["flags"])
        store.domains = Domains.from_state(state["domains"])
        store.jobs = Jobs.from_state(state["jobs"])
        return store

    def save(self, path: str | Path) -> None:
        target = Path(path)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_state()), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path, *, seed: int = 0) -> Store:
        return cls.from_state(json.loads(Path(path).read_text(encoding="utf-8")), seed=seed)
