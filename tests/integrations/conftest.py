from __future__ import annotations

import pytest

from tests.integrations.fakes import FakeConnector


@pytest.fixture
def fake_connector(monkeypatch) -> FakeConnector:
    fake = FakeConnector()
    for target in (
        "integrations.services.connector_for",
        "integrations.connectors.connector_for",
    ):
        monkeypatch.setattr(target, lambda integration_type: fake)
    monkeypatch.setattr("integrations.connectors.integration_connector", lambda integration: fake)
    monkeypatch.setattr("integrations.run_views.integration_connector", lambda integration: fake)
    return fake
