from __future__ import annotations

import json
from pathlib import Path

import pytest
from django_q.conf import Conf

from catalog.loader import catalog_load
from integrations.atlan import connector as atlan_connector
from integrations.models import Integration
from tests.integrations import fakes
from tests.integrations.fakes import FakeConnector


@pytest.fixture
def fake_connector(settings, monkeypatch) -> FakeConnector:
    fake = FakeConnector()
    monkeypatch.setattr(fakes, "CURRENT", fake)
    settings.PLUMBLINE_CONNECTORS = {"atlan": "tests.integrations.fakes.current_fake"}
    return fake


DEMO = Path(__file__).resolve().parents[2] / "catalog" / "demo" / "demo_catalog.json"


@pytest.fixture
def demo(db) -> None:
    """Plumbline's demo catalog, which the sandboxes' demo scenarios match."""
    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))


@pytest.fixture
def fast_retries(monkeypatch) -> None:
    monkeypatch.setattr(atlan_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


@pytest.fixture
def queued_mode(monkeypatch):
    # Tests run tasks inline; these must go through the broker to the worker process.
    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def demo_integration(transactional_db, atlan_sandbox) -> Integration:
    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))
    integration = Integration(name="Sandbox", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    return integration
