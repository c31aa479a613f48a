"""API names (the modelled product's) ↔ the integration form's fields and the connectors' credentials.

Secret credentials travel as top-level write-only fields; the others (Alation's user id) in
`parameters`, where they are also answered. A new connector's secret needs a line in SECRET_NAMES.
"""

from __future__ import annotations

from typing import Any

from integrations.sync.connector import Connector

# API field → IntegrationForm field, for the integration's own settings.
FORM_NAMES = {
    "name": "name",
    "type": "integration_type",
    "api_url": "url",
    "overwrite": "overwrite_tags",
    "event_driven": "event_driven",
    "enable_announcements": "enable_announcements",
    "schedule_minutes": "schedule_minutes",
    "schedule_pull": "schedule_pull",
    "schedule_push": "schedule_push",
}
# Credential → API field, for secret credentials.
SECRET_NAMES = {"token": "api_access_token", "refresh_token": "api_refresh_token"}
SECRET_FIELDS = tuple(SECRET_NAMES.values())
PARAMETERS = "parameters"


def credential_api_name(name: str) -> str:
    """`api_access_token`, `api_refresh_token`, or `parameters.<name>` for every other credential."""
    return SECRET_NAMES.get(name, f"{PARAMETERS}.{name}")


def api_name(form_field: str) -> str:
    """The API name of a form field (an integration setting or a credential)."""
    for api, form in FORM_NAMES.items():
        if form == form_field:
            return api
    return credential_api_name(form_field)


def nest(name: str, messages: list[str]) -> dict[str, Any]:
    """`parameters.user_id` → {"parameters": {"user_id": messages}}, as DRF nests field errors."""
    head, _, rest = name.partition(".")
    return {head: nest(rest, messages) if rest else messages}


def errors_merge(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            errors_merge(into[key], value)
        else:
            into[key] = value
    return into


def public_credentials(connector: Connector, credentials: dict[str, str]) -> dict[str, str]:
    """The credentials an answer may show: the ones the connector does not call secret."""
    shown = {f.name for f in connector.credential_fields if not f.secret and f.name not in SECRET_NAMES}
    return {k: v for k, v in credentials.items() if k in shown}


def history_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """A change-log entry with API names where there is one (credentials appear as "set"/"changed")."""
    names = {form: api for api, form in FORM_NAMES.items()} | SECRET_NAMES
    return {names.get(key, key): value for key, value in changes.items()}
