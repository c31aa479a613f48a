"""Django admin for superusers: read-mostly views of integrations, their change log and runs.

The token is never shown: only the encrypted column exists and it is excluded here.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from integrations.models import Integration, IntegrationChange, SyncRun


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ("name", "integration_type", "url", "status", "event_driven", "last_synced_at")
    exclude = ("credentials_encrypted",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("status", "status_message", "last_synced_at")


@admin.register(IntegrationChange)
class IntegrationChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "integration_name", "action", "user")
    list_filter = ("action",)
    readonly_fields = ("integration", "integration_name", "user", "action", "changes", "at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("id", "integration", "status", "trigger", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
