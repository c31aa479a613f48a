"""The registry: integration type → connector, as data. The run machinery knows connectors only here.

`PLUMBLINE_CONNECTORS` in settings overrides entries, so a test swaps in a fake connector in one place.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.models import Integration
from integrations.sync.connector import Connector

CONNECTORS: dict[str, str] = {
    "atlan": "integrations.atlan.connector.AtlanConnector",
    "alation": "integrations.alation.connector.AlationConnector",
}


def connector_paths() -> dict[str, str]:
    return {**CONNECTORS, **getattr(settings, "PLUMBLINE_CONNECTORS", {})}


def connector_for(integration_type: str) -> Connector:
    path = connector_paths().get(integration_type)
    if path is None:
        raise ValueError(f"Unknown integration type {integration_type!r}")
    connector: Connector = import_string(path)()
    return connector


def integration_connector(integration: Integration) -> Connector:
    return connector_for(integration.integration_type)


def connectors_all() -> dict[str, Connector]:
    """Every registered type with its connector, in the registry's order (for forms and specs)."""
    return {key: connector_for(key) for key in connector_paths()}
