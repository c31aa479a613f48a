from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.loader import catalog_load
from integrations.alation import connector as alation_connector

DEMO = Path(__file__).resolve().parents[3] / "catalog" / "demo" / "demo_catalog.json"


@pytest.fixture(autouse=True)
def fast_alation_waits(monkeypatch):
    monkeypatch.setattr(alation_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


@pytest.fixture
def demo(db):
    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))
