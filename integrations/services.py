"""Writes to integrations: create, update, delete and test, each recorded in the change log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from integrations.connectors import connector_for
from integrations.models import Integration, IntegrationChange
from integrations.schedules import integration_schedule_remove, integration_schedule_sync
from integrations.sync.connector import ConnectionOK, ConnectionProblem

EDITABLE = (
    "name",
    "url",
    "overwrite_tags",
    "event_driven",
    "enable_announcements",
    "schedule_minutes",
    "schedule_pull",
    "schedule_push",
)


ADDRESS_CHANGED_MESSAGE = (
    "The address changed: enter the token again so it is only ever sent to a host you typed it for."
)


class CredentialsRequired(Exception):
    """The URL now points at another host: stored secrets would go there, so they must be typed again."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(ADDRESS_CHANGED_MESSAGE)
        self.fields = fields
        self.message = ADDRESS_CHANGED_MESSAGE


def url_origin(url: str) -> tuple[str, str, int | None]:
    """Where a URL sends requests: scheme, host (without regard to case) and port (default filled in)."""
    parts = urlsplit(url.strip())
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").rstrip(".").lower(), port


def credentials_to_retype(integration: Integration, url: str, typed: dict[str, str]) -> list[str]:
    """The secret credentials that must be typed again because `url` sends them somewhere new."""
    if url_origin(url) == url_origin(integration.url):
        return []
    specs = connector_for(integration.integration_type).credential_fields
    return [spec.name for spec in specs if spec.secret and not typed.get(spec.name)]


def _status_after(result: ConnectionOK | ConnectionProblem) -> tuple[str, str]:
    """The integration's status and message after a connection check."""
    if isinstance(result, ConnectionOK):
        return Integration.Status.CONNECTED, f"Connected as {result.username}"
    if result.kind == "rejected":
        return Integration.Status.NEEDS_REAUTH, result.message[:500]
    return Integration.Status.ERROR, result.message[:500]


@sensitive_variables("old", "new", "typed")
def _credential_changes(
    old: dict[str, str], new: dict[str, str], typed: dict[str, str] | None = None
) -> dict[str, str]:
    """What the change log records of credentials: which ones were set, changed or typed again
    (the same value for a new address), never a value."""
    changes = {
        name: ("set" if name not in old else "changed")
        for name, value in new.items()
        if old.get(name) != value
    }
    for name, value in (typed or {}).items():
        if value and name not in changes:
            changes[name] = "entered again"
    return changes


@sensitive_variables("credentials")
def integration_create(*, user: User | None, credentials: dict[str, str], **values: Any) -> Integration:
    """Try the credentials against the catalog first; a failed check raises ConnectionProblem, saves nothing."""
    ok = connector_for(values["integration_type"]).connection_test(url=values["url"], credentials=credentials)
    with transaction.atomic():
        integration = Integration(**values)
        integration.status, integration.status_message = _status_after(ok)
        integration.credentials_expire_at = ok.expires_at
        integration.credentials = credentials
        integration.full_clean()
        integration.save()
        IntegrationChange.objects.create(
            integration=integration,
            integration_name=integration.name,
            user=user,
            action=IntegrationChange.Action.CREATED,
            changes={k: [None, getattr(integration, k)] for k in ("integration_type", *EDITABLE)}
            | ({"parameters": [None, integration.parameters]} if integration.parameters else {})
            | _credential_changes({}, credentials),
        )
        integration_schedule_sync(integration)
    return integration


@sensitive_variables("credentials", "typed", "stored", "merged")
def integration_update(
    *,
    integration: Integration,
    user: User | None,
    credentials: dict[str, str] | None = None,
    **values: Any,
) -> Integration:
    """An empty credential keeps the stored one, unless the URL now points at another host: then
    every secret must be typed again (CredentialsRequired), before anything is sent anywhere.
    The result is tried before anything is saved."""
    url = values.get("url", integration.url)
    typed = {k: v for k, v in (credentials or {}).items() if v}
    missing = credentials_to_retype(integration, url, typed)
    if missing:
        raise CredentialsRequired(missing)
    address_changed = url_origin(url) != url_origin(integration.url)
    stored = integration.credentials
    merged = {**stored, **typed}
    ok = connector_for(integration.integration_type).connection_test(url=url, credentials=merged)
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if getattr(integration, key) != value:
            changes[key] = [getattr(integration, key), value]
            setattr(integration, key, value)
    if merged != stored or address_changed:
        integration.credentials = merged
        changes.update(_credential_changes(stored, merged, typed if address_changed else None))
    integration.status, integration.status_message = _status_after(ok)
    integration.credentials_expire_at = ok.expires_at
    integration.full_clean()
    with transaction.atomic():
        integration.save()
        if changes:
            IntegrationChange.objects.create(
                integration=integration,
                integration_name=integration.name,
                user=user,
                action=IntegrationChange.Action.UPDATED,
                changes=changes,
            )
        integration_schedule_sync(integration)
    return integration


def integration_delete(*, integration: Integration, user: User | None) -> int:
    """Delete the integration; its external tags (and their assignments) go with it."""
    removed_tags = integration.external_tags.count()
    with transaction.atomic():
        IntegrationChange.objects.create(
            integration=None,
            integration_name=integration.name,
            user=user,
            action=IntegrationChange.Action.DELETED,
            changes={"external_tags_removed": removed_tags},
        )
        integration_schedule_remove(integration)
        integration.delete()
    return removed_tags


def integration_test_connection(
    *, integration: Integration, user: User | None
) -> ConnectionOK | ConnectionProblem:
    """Run the same check as on save and record the outcome as the integration's status."""
    try:
        result: ConnectionOK | ConnectionProblem = connector_for(
            integration.integration_type
        ).connection_test(url=integration.url, credentials=integration.credentials)
    except ConnectionProblem as problem:
        result = problem
    integration.status, integration.status_message = _status_after(result)
    if isinstance(result, ConnectionOK):
        integration.credentials_expire_at = result.expires_at
    Integration.objects.filter(pk=integration.pk).update(
        status=integration.status,
        status_message=integration.status_message,
        credentials_expire_at=integration.credentials_expire_at,
    )
    IntegrationChange.objects.create(
        integration=integration,
        integration_name=integration.name,
        user=user,
        action=IntegrationChange.Action.TESTED,
        changes={"status": integration.status},
    )
    return result
