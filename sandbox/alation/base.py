"""What every part of the sandbox shares: object types, timestamps, a request and an answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import User
    from .behaviour import Behaviour
    from .faults import Faults
    from .store import Store

# Alation's object types for the relational catalog; a column is an "attribute".
OTYPES = ("data", "schema", "table", "attribute")
URL_PREFIX = {"data": "data", "schema": "schema", "table": "table", "attribute": "attribute"}


def iso(ts: float) -> str:
    """`2024-07-11T18:48:06.377294Z`, Alation's timestamp format."""
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def job_time(ts: float) -> str:
    """`2023-11-30 15:55:16.123456+00:00`, the format inside job messages."""
    return str(dt.datetime.fromtimestamp(ts, tz=dt.UTC))


def parse_time(value: str) -> float:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def object_url(otype: str, oid: int) -> str:
    return f"/{URL_PREFIX.get(otype, otype)}/{oid}/"


@dataclass
class Ctx:
    """One API request as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    store: Store
    behaviour: Behaviour
    faults: Faults
    user: User | None = None
    args: tuple[str, ...] = ()

    def one(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        value = self.one(name)
        return value is not None and value.lower() in ("true", "1", "yes")

    @property
    def me(self) -> User:
        assert self.user is not None, "handler needs an authenticated user"
        return self.user


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
