"""A connector that does what a test tells it, to test the run machinery without a catalog."""

from __future__ import annotations

from collections.abc import Callable

from integrations.connectors import ConnectionOK, ConnectionProblem


class FakeConnector:
    label = "Atlan"
    implemented = True

    def __init__(self) -> None:
        self.problem: ConnectionProblem | None = None
        self.seen_tokens: list[str] = []
        self.work: Callable | None = None
        self.pushed: list[list[int]] = []

    def connection_test(self, *, url: str, token: str) -> ConnectionOK:
        self.seen_tokens.append(token)
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


def make_integration(name: str = "Atlan prod", token: str = "secret-token-123", **values):
    from integrations.models import Integration

    integration = Integration(name=name, url=values.pop("url", "https://acme.atlan.com"), **values)
    integration.token = token
    integration.save()
    return integration
