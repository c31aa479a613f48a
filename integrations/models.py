"""Integrations with data catalogs, their sync runs, logs and audit trail."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from integrations.crypto import secret_decrypt, secret_encrypt


class Integration(models.Model):
    class Type(models.TextChoices):
        ATLAN = "atlan", "Atlan"
        ALATION = "alation", "Alation"

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authentication"
        ERROR = "error", "Error"

    name = models.CharField(max_length=100, unique=True)
    integration_type = models.CharField(max_length=20, choices=Type.choices, default=Type.ATLAN)
    url = models.URLField(max_length=500)
    token_encrypted = models.TextField(editable=False)
    overwrite_tags = models.BooleanField(default=False)
    event_driven = models.BooleanField(default=True)
    enable_announcements = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_message = models.CharField(max_length=500, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Never include the token, even encrypted, in a repr that could reach a log.
        return f"<Integration {self.pk} {self.name!r} {self.integration_type}>"

    @property
    def token(self) -> str:
        return secret_decrypt(self.token_encrypted) if self.token_encrypted else ""

    @token.setter
    def token(self, value: str) -> None:
        self.token_encrypted = secret_encrypt(value)

    def get_absolute_url(self) -> str:
        return reverse("integrations:list")
