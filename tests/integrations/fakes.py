"""A connector that does what a test tells it, to test the run machinery without a catalog."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from integrations.atlan.connector import AtlanConnector
from integrations.sync.connector import ComingSoon, ConnectionOK, ConnectionProblem, SchemaTarget


class FakeConnector:
    # Described as Atlan is, so forms and modals look the same; does no catalog work.
    label = AtlanConnector.label
    available = True
    url_placeholder = AtlanConnector.url_placeholder
    url_help = AtlanConnector.url_help
    credential_fields = AtlanConnector.credential_fields
    push_help = AtlanConnector.push_help
    alert_help = AtlanConnector.alert_help
    alert_name = AtlanConnector.alert_name
    asset_url = AtlanConnector.asset_url
    parameter_fields = AtlanConnector.parameter_fields

    # What the fake catalog offers to pin a datastore to: connections and their schemas.
    connections = [("conn/warehouse", "Warehouse (snowflake)")]
    schemas = {"conn/warehouse": [("conn/warehouse/SALES/PUBLIC", "SALES.PUBLIC")]}

    def parameter_choices(self, name: str, *, url: str, credentials: Mapping[str, str]) -> list:
        return list(self.connections) if name == "connections" else []

    def schema_choices(self, *, url: str, credentials: Mapping[str, str], connection: str) -> list:
        if self.problem:
            raise self.problem
        return list(self.schemas.get(connection, []))

    def schema_find(self, *, url: str, credentials: Mapping[str, str], ref: str) -> SchemaTarget | None:
        if self.problem:
            raise self.problem
        for connection, schemas in self.schemas.items():
            for value, label in schemas:
                if value == ref:
                    name = dict(self.connections).get(connection, connection)
                    return SchemaTarget(connection, name, value, label, f"guid-{label}")
        return None

    def __init__(self) -> None:
        self.problem: ConnectionProblem | None = None
        self.seen_tokens: list[str] = []
        self.work: Callable | None = None
        self.pushed: list[list[int]] = []

    def connection_test(self, *, url: str, credentials: Mapping[str, str]) -> ConnectionOK:
        self.seen_tokens.append(credentials.get("token", ""))
        if self.problem:
            raise self.problem
        return ConnectionOK(username="service-account-apikey-demo", detail="ok")

    def sync(self, ctx) -> None:
        ctx.log("fake sync working", datastore="Sales")
        ctx.count("Sales", "tables", 3)
        ctx.change(datastore="Sales", asset="Sales › ORDERS", kind="tag_added", after="PII")
        if self.work:
            self.work(ctx)

    def push_containers(self, ctx, container_ids: list[int]) -> None:
        self.pushed.append(list(container_ids))
        ctx.log(f"pushed {container_ids}")


class CollibraSoon(ComingSoon):
    label = "Collibra"


# The registry builds a connector per use; the fixture points it at this one instance.
CURRENT = FakeConnector()


def current_fake() -> FakeConnector:
    return CURRENT


def make_integration(name: str = "Atlan prod", token: str = "secret-token-123", **values):
    from integrations.models import Integration

    integration = Integration(name=name, url=values.pop("url", "https://acme.atlan.com"), **values)
    integration.token = token
    integration.save()
    return integration
