"""Integrations in the API: the modelled product's field names, validated by the integration form."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.fields import (
    FORM_NAMES,
    PARAMETERS,
    SECRET_NAMES,
    api_name,
    credential_api_name,
    errors_merge,
    history_changes,
    nest,
    public_credentials,
)
from integrations.api.run_serializers import RunBriefSerializer
from integrations.connectors import connector_for, connectors_all
from integrations.forms import IntegrationForm
from integrations.models import Integration, IntegrationChange
from integrations.scope import SCOPE_ID_MAX, SCOPE_PARAMETERS, scope_store
from integrations.sync.connector import ConnectionProblem

# `parameters` keys kept on the integration itself; the other keys are credentials.
STORED_PARAMETERS = SCOPE_PARAMETERS


class DomainSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=SCOPE_ID_MAX)
    name = serializers.CharField(max_length=255)


class ConnectionSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=SCOPE_ID_MAX,
        help_text="Atlan: the connection's qualified name; Alation: the data source's id.",
    )
    name = serializers.CharField(max_length=255)


class ParametersSerializer(serializers.Serializer):
    user_id = serializers.CharField(
        required=False, max_length=4096, help_text="Alation: the id of the user the refresh token belongs to."
    )
    domains = DomainSerializer(
        many=True,
        required=False,
        help_text="Catalog domains to limit the integration to (stored with the integration); "
        "`GET /api/integrations/{id}/domains` lists them.",
    )
    connections = ConnectionSerializer(
        many=True,
        required=False,
        help_text="Catalog connections (Atlan) or data sources (Alation) to limit the integration to; "
        "`GET /api/integrations/{id}/connections` lists them.",
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown parameter."] for key in unknown})
        return super().to_internal_value(data)


def form_errors(form: IntegrationForm) -> dict[str, Any]:
    """The form's messages, word for word, under the API's field names."""
    errors: dict[str, Any] = {}
    for field, messages in form.errors.items():
        name = "non_field_errors" if field == "__all__" else api_name(field)
        errors_merge(errors, nest(name, [str(m) for m in messages]))
    return errors


class IntegrationWriteSerializer(serializers.Serializer):
    """Create (POST), replace (PUT) or change (PATCH). Omitted settings and secrets keep their values."""

    name = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=Integration.Type.choices)
    api_url = serializers.CharField(max_length=500, help_text="The catalog's address.")
    api_access_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        style={"input_type": "password"},
        help_text="Atlan: the API token. Write-only: never answered.",
    )
    api_refresh_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4096,
        style={"input_type": "password"},
        help_text="Alation: the refresh token. Write-only: never answered.",
    )
    parameters = ParametersSerializer(required=False)
    overwrite = serializers.BooleanField(
        required=False, help_text=IntegrationForm.Meta.help_texts["overwrite_tags"]
    )
    event_driven = serializers.BooleanField(
        required=False, help_text=IntegrationForm.Meta.help_texts["event_driven"]
    )
    enable_announcements = serializers.BooleanField(
        required=False, help_text=IntegrationForm.Meta.help_texts["enable_announcements"]
    )
    schedule_minutes = serializers.ChoiceField(
        choices=Integration.Schedule.choices,
        required=False,
        help_text=IntegrationForm.Meta.help_texts["schedule_minutes"],
    )
    schedule_pull = serializers.BooleanField(required=False)
    schedule_push = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form: IntegrationForm | None = None
        if self.instance is not None:
            self.fields["type"].required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        integration: Integration | None = self.instance
        kind = attrs.get("type") or (integration.integration_type if integration else "")
        if integration is not None and kind != integration.integration_type:
            raise serializers.ValidationError(
                {"type": ["The type of an existing integration cannot change."]}
            )
        # The form changes the instance it validates: give it a copy, as the pages do.
        copy = Integration.objects.get(pk=integration.pk) if integration else None
        form = IntegrationForm(self._form_data(attrs, kind), instance=copy)
        errors = {} if form.is_valid() else form_errors(form)
        if "integration_type" not in form.errors:  # a type that cannot be added takes nothing
            errors = errors_merge(self._foreign_credentials(attrs, form), errors)
        if errors:
            raise serializers.ValidationError(errors)
        self.form = form
        return attrs

    def _form_data(self, attrs: dict[str, Any], kind: str) -> dict[str, Any]:
        integration: Integration | None = self.instance
        data: dict[str, Any] = {}
        for api, field in FORM_NAMES.items():
            if api in attrs:
                data[field] = attrs[api]
            elif integration is not None:
                data[field] = getattr(integration, field)
            else:
                data[field] = cast(models.Field, Integration._meta.get_field(field)).get_default()
        stored = integration.credentials if integration else {}
        given = attrs.get(PARAMETERS, {})
        connector = connectors_all().get(kind)
        for spec in connector.credential_fields if connector else ():
            if spec.name in SECRET_NAMES:
                # Empty on an update keeps the stored secret (the form and the service agree on that).
                data[spec.name] = attrs.get(SECRET_NAMES[spec.name], "")
            else:
                data[spec.name] = given.get(spec.name, stored.get(spec.name, ""))
        return data

    def _foreign_credentials(self, attrs: dict[str, Any], form: IntegrationForm) -> dict[str, Any]:
        """Credentials the type does not take are refused rather than silently dropped."""
        errors: dict[str, Any] = {}
        sent = [api for api in SECRET_NAMES.values() if attrs.get(api)]
        sent += [f"{PARAMETERS}.{k}" for k in attrs.get(PARAMETERS, {}) if k not in STORED_PARAMETERS]
        taken = {credential_api_name(name) for name in form.credential_names}
        for name in sent:
            if name not in taken:
                errors_merge(errors, nest(name, [f"{form.connector.label} integrations take no {name}."]))
        return errors

    def connection_error(self, problem: ConnectionProblem) -> serializers.ValidationError:
        """A failed connection check, on the field the form would show it on."""
        assert self.form is not None, "validate first"
        return serializers.ValidationError(
            nest(api_name(self.form.problem_field(problem)), [problem.message])
        )

    def service_arguments(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Values and credentials for integration_create / integration_update."""
        assert self.form is not None, "validate first"
        values = self.form.values()
        # The scope comes from `parameters` as sent; omitted, the stored one stays as it is.
        values.pop(PARAMETERS, None)
        if PARAMETERS in self.validated_data:
            given = self.validated_data[PARAMETERS]
            stored = dict(self.instance.parameters) if self.instance is not None else {}
            kept = {
                k: scope_store([d["id"] for d in v], {d["id"]: d["name"] for d in v})
                for k, v in given.items()
                if k in STORED_PARAMETERS
            }
            values[PARAMETERS] = stored | kept
        return values, self.form.credentials()


class IntegrationSerializer(serializers.ModelSerializer):
    """An integration as answered: never a secret credential."""

    type = serializers.CharField(source="integration_type")
    type_label = serializers.CharField(source="get_integration_type_display")
    api_url = serializers.CharField(source="url")
    overwrite = serializers.BooleanField(source="overwrite_tags")
    parameters = serializers.SerializerMethodField()
    connected = serializers.SerializerMethodField()
    last_synced = serializers.DateTimeField(source="last_synced_at", allow_null=True)
    created = serializers.DateTimeField(source="created_at")
    updated = serializers.DateTimeField(source="updated_at")
    external_tag_count = serializers.IntegerField(help_text="External tags this integration brought in.")
    active_run = RunBriefSerializer(allow_null=True, help_text="The queued or running sync, if any.")
    last_run = RunBriefSerializer(allow_null=True, help_text="The latest finished sync, if any.")

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "type",
            "type_label",
            "api_url",
            "parameters",
            "overwrite",
            "event_driven",
            "enable_announcements",
            "schedule_minutes",
            "schedule_pull",
            "schedule_push",
            "status",
            "status_message",
            "connected",
            "last_synced",
            "created",
            "updated",
            "external_tag_count",
            "active_run",
            "last_run",
        ]
        read_only_fields = fields

    @extend_schema_field(ParametersSerializer)
    def get_parameters(self, integration: Integration) -> dict[str, Any]:
        shown = public_credentials(connector_for(integration.integration_type), integration.credentials)
        return {**integration.parameters, **shown}

    def get_connected(self, integration: Integration) -> bool:
        return integration.status == Integration.Status.CONNECTED


class IntegrationChangeSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", allow_null=True)
    changes = serializers.SerializerMethodField(
        help_text="[before, after] per setting; credentials only as “set” or “changed”, never a value."
    )

    class Meta:
        model = IntegrationChange
        fields = ["id", "at", "action", "user", "integration_name", "changes"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.JSONField()))
    def get_changes(self, change: IntegrationChange) -> dict[str, Any]:
        return history_changes(change.changes)
