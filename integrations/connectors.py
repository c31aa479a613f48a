"""Integration type → connector. The run machinery knows connectors only through this interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from integrations.models import Integration
    from integrations.runs import RunContext


class ConnectionProblem(Exception):
    """A connection check failed; `kind` says which way so the form can say what to do."""

    KINDS = ("unreachable", "tls", "not_api", "rejected", "no_access", "error")

    def __init__(self, kind: str, message: str):
        assert kind in self.KINDS
        self.kind = kind
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ConnectionOK:
    username: str
    detail: str


class Connector(Protocol):
    label: str
    implemented: bool

    def connection_test(self, *, url: str, token: str) -> ConnectionOK: ...

    def sync(self, ctx: RunContext) -> None: ...

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None: ...


class _ComingSoon:
    implemented = False

    def __init__(self, label: str):
        self.label = label

    def connection_test(self, *, url: str, token: str) -> ConnectionOK:
        raise ConnectionProblem("error", f"{self.label} integrations are coming soon.")

    def sync(self, ctx: RunContext) -> None:
        raise NotImplementedError

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        raise NotImplementedError


def connector_for(integration_type: str) -> Connector:
    if integration_type == "atlan":
        from integrations.atlan.connector import AtlanConnector

        return AtlanConnector()
    if integration_type == "alation":
        return _ComingSoon("Alation")
    raise ValueError(f"Unknown integration type {integration_type!r}")


def integration_connector(integration: Integration) -> Connector:
    return connector_for(integration.integration_type)
