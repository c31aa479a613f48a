"""Django admin for superusers: read-only views of integrations, their change log and runs.

Integrations are changed only through Settings › Integrations, which checks the URL, tries the
credentials, keeps them to the host they were typed for and records the change; the admin would
bypass all of that. The credentials are never shown: only the encrypted column exists, excluded here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from integrations.models import Integration, IntegrationChange, MappingPin, SyncRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(ReadOnlyAdmin):
    list_display = ("name", "integration_type", "url", "status", "event_driven", "last_synced_at")
    exclude = ("credentials_encrypted",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(IntegrationChange)
class IntegrationChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "integration_name", "action", "user")
    list_filter = ("action",)


@admin.register(MappingPin)
class MappingPinAdmin(ReadOnlyAdmin):
    """Pins are changed on the Mappings page, which checks them with the catalog and records them."""

    list_display = ("integration", "datastore", "excluded", "schema_name", "connection_name", "updated_at")
    list_filter = ("excluded",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("id", "integration", "status", "trigger", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
