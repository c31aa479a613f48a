"""Trust flags (owned by the user who set them) and domains with their membership rules."""

from __future__ import annotations

from typing import Any

from .base import iso, object_url
from .catalog import Catalog

ObjectRef = tuple[str, int]
FLAG_TYPES = ("ENDORSEMENT", "WARNING", "DEPRECATION")


def as_html(reason: str) -> str:
    """Alation stores a reason as rich text: plain input comes back wrapped in `<p>`."""
    if not reason or reason.lstrip().startswith("<p"):
        return reason
    return f"<p>{reason}</p>"


class Flags:
    def __init__(self) -> None:
        self.flags: dict[int, dict[str, Any]] = {}
        self.by_object: dict[ObjectRef, dict[int, None]] = {}
        self.log: list[dict[str, Any]] = []
        self.next_id = 4300

    def add(
        self,
        flag_type: str,
        reason: str,
        ref: ObjectRef,
        user_id: int,
        now: float,
        flag_id: int | None = None,
    ) -> dict[str, Any]:
        flag_id = flag_id or self.next_id
        self.next_id = max(self.next_id, flag_id) + 1
        flag = {
            "id": flag_id,
            "flag_type": flag_type,
            "flag_reason": as_html(reason) if flag_type != "ENDORSEMENT" else "",
            "ts_created": now,
            "ts_updated": now,
            "otype": ref[0],
            "oid": ref[1],
            "user_id": user_id,
        }
        self.flags[flag_id] = flag
        self.by_object.setdefault(ref, {})[flag_id] = None
        self._log("set", flag, user_id, now)
        return flag

    def update_reason(self, flag: dict[str, Any], reason: str, user_id: int, now: float) -> None:
        flag["flag_reason"] = as_html(reason)
        flag["ts_updated"] = now
        self._log("updated", flag, user_id, now)

    def delete(self, flag: dict[str, Any], user_id: int, now: float) -> None:
        self.flags.pop(flag["id"], None)
        self.by_object.get((flag["otype"], flag["oid"]), {}).pop(flag["id"], None)
        self._log("removed", flag, user_id, now)

    def _log(self, action: str, flag: dict[str, Any], by: int, now: float) -> None:
        self.log.append(
            {
                "at": now,
                "action": action,
                "by": by,
                "owner": flag["user_id"],
                "flag_id": flag["id"],
                "flag_type": flag["flag_type"],
                "flag_reason": flag["flag_reason"],
                "otype": flag["otype"],
                "oid": flag["oid"],
            }
        )

    def of(self, ref: ObjectRef) -> list[dict[str, Any]]:
        return [self.flags[f] for f in self.by_object.get(ref, {})]

    @staticmethod
    def body(
        flag: dict[str, Any], user_ref: dict[str, Any], *, string_id: bool, with_updated: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": flag["id"],
            "flag_type": flag["flag_type"],
            "flag_reason": flag["flag_reason"],
            "ts_created": iso(flag["ts_created"]),
        }
        if with_updated:
            body["ts_updated"] = iso(flag["ts_updated"])
        oid = flag["oid"]
        body["subject"] = {
            "otype": flag["otype"],
            "id": str(oid) if string_id else oid,
            "url": object_url(flag["otype"], oid),
        }
        body["user"] = user_ref
        return body

    def to_state(self) -> dict[str, Any]:
        return {"flags": list(self.flags.values()), "log": self.log, "next_id": self.next_id}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Flags:
        flags = cls()
        for flag in state["flags"]:
            flags.flags[int(flag["id"])] = flag
            flags.by_object.setdefault((flag["otype"], int(flag["oid"])), {})[int(flag["id"])] = None
        flags.log = list(state.get("log", []))
        flags.next_id = int(state.get("next_id", max(flags.flags, default=4299) + 1))
        return flags


class Domains:
    def __init__(self) -> None:
        self.domains: dict[int, dict[str, Any]] = {}
        self.rules: list[dict[str, Any]] = []

    def add(self, domain_id: int, title: str, description: str = "", parent_id: int | None = None) -> None:
        self.domains[domain_id] = {
            "id": domain_id,
            "title": title,
            "description": description,
            "parent_id": parent_id,
        }

    def assign(self, domain_id: int, otype: str, oids: list[int], *, exclude: bool, recursive: bool) -> None:
        for oid in oids:
            self.remove(domain_id, otype, [oid], exclude=exclude)
            self.rules.append(
                {
                    "domain_id": domain_id,
                    "exclude": exclude,
                    "recursive": recursive,
                    "otype": otype,
                    "oid": oid,
                }
            )

    def remove(self, domain_id: int, otype: str, oids: list[int], *, exclude: bool) -> int:
        before = len(self.rules)
        self.rules = [
            r
            for r in self.rules
            if not (
                r["domain_id"] == domain_id
                and r["otype"] == otype
                and r["oid"] in oids
                and r["exclude"] == exclude
            )
        ]
        return before - len(self.rules)

    def domains_of(self, catalog: Catalog, ref: ObjectRef) -> list[int]:
        """Domains an object belongs to: its own rule, else the nearest recursive rule above it."""
        chain = catalog.ancestors(*ref)
        result = []
        for domain_id in self.domains:
            rules = {(r["otype"], r["oid"]): r for r in self.rules if r["domain_id"] == domain_id}
            for depth, level in enumerate(chain):
                rule = rules.get(level)
                if rule is not None and (depth == 0 or rule["recursive"]):
                    if not rule["exclude"]:
                        result.append(domain_id)
                    break
        return result

    def to_state(self) -> dict[str, Any]:
        return {"domains": list(self.domains.values()), "rules": self.rules}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Domains:
        domains = cls()
        domains.domains = {int(d["id"]): d for d in state["domains"]}
        domains.rules = list(state["rules"])
        return domains
