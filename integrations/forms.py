from __future__ import annotations

import ipaddress
import json
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse

from integrations.connectors import connectors_all
from integrations.models import Integration
from integrations.scope import SCOPE_ID_MAX, scope_entries, scope_store
from integrations.services import ADDRESS_CHANGED_MESSAGE, EDITABLE, url_origin
from integrations.sync.connector import ConnectionProblem, CredentialField, ParameterField

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


class IdListField(forms.TypedMultipleChoiceField):
    """Ids ticked from a list the catalog gave (fetched by htmx), so not known when validating:
    Alation's numbers, Atlan's GUIDs and qualified names."""

    def valid_value(self, value: Any) -> bool:
        return 0 < len(str(value).strip()) <= SCOPE_ID_MAX


def parameter_labels(data: Any, name: str) -> dict[str, str]:
    """The names the catalog gave the listed choices, posted beside them (`<name>__choice` and
    `<name>__label` in pairs): stored with the ticked ids so the card can name them."""
    if not isinstance(data, QueryDict):
        return {}
    return dict(zip(data.getlist(f"{name}__choice"), data.getlist(f"{name}__label"), strict=False))


class IntegrationForm(forms.ModelForm):
    """Add / edit an integration. URL hints and credential fields come from the type's connector.

    The page shows name, type, URL and credentials first, as the product being modelled does, and
    folds the options under "Sync options".
    """

    OPTION_NAMES = (
        "overwrite_tags",
        "event_driven",
        "enable_announcements",
        "schedule_minutes",
        "schedule_pull",
        "schedule_push",
    )
    SCHEDULE_PARTS = ("schedule_pull", "schedule_push")

    # A plain text field: catalog_url_clean gives clearer messages than URLField's own.
    url = forms.CharField(label="URL", max_length=500)

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connectors = connectors_all()
        cast(forms.ChoiceField, self.fields["integration_type"]).choices = [
            (key, c.label if c.available else f"{c.label} (coming soon)")
            for key, c in self.connectors.items()
        ]
        self.fields["schedule_minutes"].required = False
        self.connector = self.connectors.get(self.integration_type) or self.connectors["atlan"]
        self.fields["url"].help_text = self.connector.url_help
        if self.connector.alert_help:
            self.fields["enable_announcements"].help_text = f"Put {self.connector.alert_help} in the catalog."
        self.fields["url"].widget.attrs["placeholder"] = self.connector.url_placeholder
        if self.instance.pk:
            # The type of an existing integration cannot change.
            self.fields["integration_type"].disabled = True
        else:
            # Another type asks for other credentials: re-render the form, never sending a secret.
            secrets = {f.name for c in self.connectors.values() for f in c.credential_fields if f.secret}
            self.fields["integration_type"].widget.attrs.update(
                {
                    "hx-get": reverse("integrations:add"),
                    "hx-trigger": "change",
                    "hx-target": "closest form",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                    "hx-params": "not " + ",".join(sorted({"csrfmiddlewaretoken", *secrets})),
                }
            )
        self.credential_names = []
        for spec in self.connector.credential_fields:
            self.fields[spec.name] = self._credential_field(spec)
            self.credential_names.append(spec.name)
        self.parameter_names = []
        for param in self.connector.parameter_fields:
            self.fields[param.name] = self._parameter_field(param)
            self.parameter_names.append(param.name)
        # Credentials right after the URL, as the product being modelled orders them.
        order = ["name", "integration_type", "url", *self.credential_names, *self.parameter_names]
        self.order_fields(order)
        self._schedule_parts_follow_the_schedule()

    def _schedule_parts_follow_the_schedule(self) -> None:
        """What a scheduled sync does only matters with a schedule: disabled while it is Off
        (app.js switches them as the schedule changes, keyed on these data attributes)."""
        self.fields["schedule_minutes"].widget.attrs["data-toggles"] = "schedule-part"
        schedule = self["schedule_minutes"].value()
        for name in self.SCHEDULE_PARTS:
            attrs = self.fields[name].widget.attrs
            attrs["data-toggled-by"] = "schedule-part"
            if not schedule or str(schedule) == "0":
                attrs["disabled"] = True

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.OPTION_NAMES]

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.OPTION_NAMES]

    @property
    def options_open(self) -> bool:
        return any(self[name].errors for name in self.OPTION_NAMES)

    @property
    def demo_fill(self) -> dict[str, str]:
        """`make run` only: the local sandbox's URL and demo credentials for this type, if it runs one."""
        if self.instance.pk:
            return {}
        sandbox = settings.PLUMBLINE_DEMO_SANDBOXES.get(self.integration_type) or {}
        return {k: str(v) for k, v in sandbox.items() if k in ("url", *self.credential_names)}

    @property
    def demo_fill_json(self) -> str:
        return json.dumps(self.demo_fill)

    @property
    def integration_type(self) -> str:
        if self.instance.pk:
            return self.instance.integration_type
        value = self.data.get("integration_type") if self.is_bound else self.initial.get("integration_type")
        return value if value in self.connectors else "atlan"

    def _credential_field(self, spec: CredentialField) -> forms.CharField:
        widget: forms.Widget
        if spec.secret:
            # Typed before a validation error, it comes back in the answer to that same POST only, so it
            # need not be typed again; never in a GET, never stored before it works.
            widget = forms.PasswordInput(render_value=self.is_bound, attrs={"autocomplete": "off"})
        else:
            widget = forms.TextInput(attrs={"autocomplete": "off"})
        if spec.placeholder:
            widget.attrs["placeholder"] = spec.placeholder
        field = forms.CharField(
            label=spec.label, strip=True, widget=widget, help_text=spec.help_text, max_length=4096
        )
        if self.instance.pk and spec.secret:
            # Editing without typing a secret keeps the stored one (not when the address changes).
            field.required = False
            field.help_text = (
                f"Leave empty to keep the current {spec.label.lower()}; "
                "type it again when you change the address."
            )
        elif self.instance.pk:
            field.initial = self.instance.credential(spec.name)
        return field

    def _parameter_field(self, spec: ParameterField) -> IdListField:
        stored = {e.id: e.name for e in scope_entries(self.instance.parameters, spec.name)}
        if self.is_bound:
            posted = self.data.getlist(spec.name) if isinstance(self.data, QueryDict) else []
            labels = stored | parameter_labels(self.data, spec.name)
            chosen = [(v, labels.get(v, v)) for v in posted if 0 < len(v.strip()) <= SCOPE_ID_MAX]
        else:
            chosen = list(stored.items()) if self.instance.pk else []
        field = IdListField(
            label=spec.label,
            help_text=spec.help_text,
            required=False,
            coerce=str,
            choices=chosen,
            widget=forms.CheckboxSelectMultiple,
        )
        field.initial = [v for v, _ in chosen]
        # Where the form's htmx asks for the catalog's choices (the edit view knows the stored secrets).
        args = [self.instance.pk, spec.name] if self.instance.pk else [spec.name]
        name = "integrations:edit_choices" if self.instance.pk else "integrations:add_choices"
        field.choices_url = reverse(name, args=args)  # type: ignore[attr-defined]
        return field

    def credentials(self) -> dict[str, str]:
        """The credentials as typed (an empty secret on edit means "keep the stored one")."""
        return {name: self.cleaned_data.get(name) or "" for name in self.credential_names}

    def values(self) -> dict[str, Any]:
        """The integration's own fields, without credentials (and without the type on edit)."""
        skip = {
            *self.credential_names,
            *self.parameter_names,
            *(["integration_type"] if self.instance.pk else []),
        }
        values = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        if self.parameter_names:
            chosen = {
                name: scope_store(self.cleaned_data.get(name) or [], self._choice_labels(name))
                for name in self.parameter_names
            }
            stored = self.instance.parameters
            # An option never set stays absent rather than stored empty.
            values["parameters"] = {**stored, **{k: v for k, v in chosen.items() if v or k in stored}}
        return values

    def _choice_labels(self, name: str) -> dict[str, str]:
        choices = cast(list[tuple[str, str]], cast(IdListField, self.fields[name]).choices)
        return {str(value): str(label) for value, label in choices}

    def problem_field(self, problem: ConnectionProblem) -> str:
        """The field a failed connection check is about (the API reports it on the same field)."""
        if problem.field in self.fields:
            return problem.field
        if problem.kind in ("rejected", "no_access") and self.credential_names:
            return self.credential_names[-1]
        return "url"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("schedule_minutes"):
            # Disabled while the schedule is Off, the page does not post them: they keep their values.
            for name in self.SCHEDULE_PARTS:
                if name not in self.data:
                    data[name] = getattr(self.instance, name)
        url = data.get("url")
        if self.instance.pk and url and url_origin(url) != url_origin(self.instance.url):
            # The stored secrets were typed for the old host; they never follow the URL elsewhere.
            for spec in self.connector.credential_fields:
                if spec.secret and not data.get(spec.name):
                    self.add_error(spec.name, ADDRESS_CHANGED_MESSAGE)
        return data

    def clean_schedule_minutes(self) -> int:
        return self.cleaned_data.get("schedule_minutes") or 0

    def clean_integration_type(self) -> str:
        value = self.cleaned_data["integration_type"]
        connector = self.connectors.get(value)
        if connector is None or not connector.available:
            ready = ", ".join(c.label for c in self.connectors.values() if c.available)
            label = connector.label if connector else value
            raise forms.ValidationError(
                f"{label} integrations are coming soon; only {ready} can be added today."
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


class SyncForm(forms.Form):
    """What a sync does: the sync modal and the API's sync request share it."""

    pull = forms.BooleanField(required=False, initial=True)
    push = forms.BooleanField(required=False, initial=True)
    preview = forms.BooleanField(required=False, label="Preview only")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("pull") or data.get("push")):
            raise forms.ValidationError("Pick what to sync: pull, push or both.")
        return data
