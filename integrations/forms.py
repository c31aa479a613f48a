from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from integrations.models import Integration
from integrations.services import EDITABLE

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def catalog_url_clean(value: str) -> str:
    """http(s) with a host and no credentials; plain http only to this machine unless allowed."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise forms.ValidationError("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise forms.ValidationError("Enter the catalog's address, such as https://your-company.atlan.com.")
    if parts.username or parts.password:
        raise forms.ValidationError("Put the API token in the token field, not in the URL.")
    if parts.scheme == "http" and not (
        _is_loopback(parts.hostname) or settings.PLUMBLINE_ALLOW_INSECURE_HTTP
    ):
        raise forms.ValidationError(
            "Use https: plain http is only allowed for this machine (localhost) because the token "
            "would travel unencrypted."
        )
    return f"{parts.scheme}://{parts.netloc}"


class IntegrationForm(forms.ModelForm):
    # A plain text field: catalog_url_clean gives clearer messages than URLField's own.
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Your catalog's address, e.g. https://your-company.atlan.com",
        widget=forms.TextInput(attrs={"placeholder": "https://your-company.atlan.com"}),
    )
    token = forms.CharField(
        label="API token",
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="An Atlan API token tied to a persona that can read your connections' assets and tags "
        "and change custom metadata.",
        max_length=4096,
    )

    class Meta:
        model = Integration
        # The same fields the change log records, with the type after the name.
        fields = [EDITABLE[0], "integration_type", *EDITABLE[1:]]
        labels = {
            "integration_type": "Type",
            "overwrite_tags": "Overwrite Tags",
            "event_driven": "Event Driven",
            "enable_announcements": "Enable Announcements",
            "schedule_minutes": "Scheduled sync",
            "schedule_pull": "Scheduled sync pulls tags",
            "schedule_push": "Scheduled sync pushes metadata",
        }
        help_texts = {
            "overwrite_tags": "When a catalog tag has the same name as a global tag, turn the global tag into "
            "this integration's external tag (keeping its assets). Off: the catalog tag is skipped.",
            "event_driven": "Push a table to the catalog within seconds when its scores, anomalies or checks change.",
            "enable_announcements": "Put a warning announcement on catalog tables with active anomalies.",
            "schedule_minutes": "Reconcile everything on a schedule, as a safety net beside event-driven pushes.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["integration_type"].choices = [
            (Integration.Type.ATLAN, "Atlan"),
            (Integration.Type.ALATION, "Alation (coming soon)"),
        ]
        self.fields["schedule_minutes"].required = False
        if self.instance.pk:
            # The type of an existing integration cannot change; the token field may stay empty.
            self.fields["integration_type"].disabled = True
            self.fields["token"].required = False
            self.fields["token"].help_text = "Leave empty to keep the current token."

    def clean_schedule_minutes(self) -> int:
        return self.cleaned_data.get("schedule_minutes") or 0

    def clean_integration_type(self) -> str:
        value = self.cleaned_data["integration_type"]
        if value != Integration.Type.ATLAN:
            raise forms.ValidationError(
                "Alation integrations are coming soon; only Atlan can be added today."
            )
        return value

    def clean_url(self) -> str:
        return catalog_url_clean(self.cleaned_data["url"])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Integration.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another integration already has this name.")
        return name
