from __future__ import annotations

import pytest

from tests.integrations import fakes
from tests.integrations.fakes import FakeConnector


@pytest.fixture
def fake_connector(settings, monkeypatch) -> FakeConnector:
    fake = FakeConnector()
    monkeypatch.setattr(fakes, "CURRENT", fake)
    settings.PLUMBLINE_CONNECTORS = {"atlan": "tests.integrations.fakes.current_fake"}
    return fake
