"""Mappings and catalog look-ups in the API: what a datastore syncs with, an admin's override of
it, and the catalog's domains, connections and schemas to choose from."""

from __future__ import annotations

from typing import Any

from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.fields import PARAMETERS, SECRET_NAMES
from integrations.connectors import connectors_all
from integrations.forms import catalog_url_clean
from integrations.mapping_selectors import MappingRow
from integrations.models import Integration
from integrations.scope import SCOPE_ID_MAX
from integrations.sync.connector import ConnectionProblem, Connector

STATES = ["automatic", "pinned", "excluded"]
STATUSES = [
    "matched",
    "not_synced",
    "unmatched",
    "ambiguous",
    "not_visible",
    "out_of_scope",
    "excluded",
    "error",
]


class ChoiceSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="What to send back (a domain or connection id, a schema id).")
    name = serializers.CharField(help_text="How the catalog names it (a subdomain under its parents).")


class _Datastore(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    database = serializers.CharField()
    schema = serializers.CharField()
    connector_type = serializers.CharField()


class _PinnedSchema(serializers.Serializer):
    id = serializers.CharField(help_text="Atlan: the qualified name; Alation: the schema id.")
    name = serializers.CharField()
    guid = serializers.CharField(help_text="Atlan: what a rename keeps; empty for Alation (the id is kept).")


class _Pin(serializers.Serializer):
    connection = ChoiceSerializer(help_text="Atlan: the connection; Alation: the data source.")
    schema = _PinnedSchema()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.CharField(allow_null=True)


class MappingSerializer(serializers.Serializer):
    """A datastore, the admin's choice for it, and what the latest full sync found."""

    datastore = _Datastore()
    state = serializers.ChoiceField(
        choices=STATES, help_text="automatic: matched by name; pinned to a schema; excluded: left alone."
    )
    pin = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=STATUSES, help_text="What the latest full sync found.")
    status_label = serializers.CharField()
    catalog_name = serializers.CharField(
        help_text="The schema it was synced with (its qualified name or key)."
    )
    catalog_url = serializers.CharField(help_text="Its page in the catalog, when it has one.")
    note = serializers.CharField(help_text="Why it was not matched (or was left out).")

    def to_representation(self, row: MappingRow) -> dict[str, Any]:
        ds = row.datastore
        return {
            "datastore": {
                "id": ds.pk,
                "name": ds.name,
                "database": ds.database,
                "schema": ds.schema,
                "connector_type": ds.connector_type,
            },
            "state": row.state,
            "pin": self.get_pin(row),
            "status": row.status,
            "status_label": row.status_label,
            "catalog_name": row.catalog_name,
            "catalog_url": row.catalog_url,
            "note": row.note,
        }

    @extend_schema_field(_Pin(allow_null=True, help_text="The schema it is pinned to (when pinned)."))
    def get_pin(self, row: MappingRow) -> dict[str, Any] | None:
        pin = row.pin
        if pin is None or pin.excluded:
            return None
        return {
            "connection": {"id": pin.connection_ref, "name": pin.connection_name},
            "schema": {"id": pin.schema_ref, "name": pin.schema_name, "guid": pin.schema_guid},
            "updated_at": pin.updated_at,
            "updated_by": pin.updated_by.username if pin.updated_by else None,
        }


class MappingWriteSerializer(serializers.Serializer):
    excluded = serializers.BooleanField(
        default=False, help_text="Leave the datastore out of this integration."
    )
    schema = serializers.CharField(
        required=False,
        max_length=SCOPE_ID_MAX,
        help_text="The schema to pin to: an `id` from `GET /api/integrations/{id}/schemas?connection=…`.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["excluded"] and attrs.get("schema"):
            raise serializers.ValidationError({"schema": ["An excluded datastore is pinned to no schema."]})
        if not attrs["excluded"] and not attrs.get("schema"):
            raise serializers.ValidationError(
                {
                    "schema": [
                        "Name the schema to pin to, or set excluded (DELETE goes back to matching by name)."
                    ]
                }
            )
        return attrs


class SchemasQuerySerializer(serializers.Serializer):
    connection = serializers.CharField(
        max_length=SCOPE_ID_MAX, help_text="A connection (Atlan) or data source (Alation) id."
    )


class _UnsavedParameters(serializers.Serializer):
    user_id = serializers.CharField(required=False, max_length=4096, help_text="Alation: the user id.")


class CatalogLookupSerializer(serializers.Serializer):
    """An integration not saved yet: enough to ask its catalog (type, address, credentials)."""

    type = serializers.ChoiceField(choices=Integration.Type.choices)
    api_url = serializers.CharField(max_length=500)
    api_access_token = serializers.CharField(
        write_only=True, required=False, max_length=4096, style={"input_type": "password"}, help_text="Atlan."
    )
    api_refresh_token = serializers.CharField(
        write_only=True,
        required=False,
        max_length=4096,
        style={"input_type": "password"},
        help_text="Alation.",
    )
    parameters = _UnsavedParameters(required=False)

    def validate_api_url(self, value: str) -> str:
        try:
            return catalog_url_clean(value)
        except forms.ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        connector = connectors_all()[attrs["type"]]
        if not connector.available:
            raise serializers.ValidationError({"type": [f"{connector.label} integrations are coming soon."]})
        credentials: dict[str, str] = {}
        missing: dict[str, Any] = {}
        for spec in connector.credential_fields:
            api = SECRET_NAMES.get(spec.name)
            value = attrs.get(api, "") if api else attrs.get(PARAMETERS, {}).get(spec.name, "")
            if not value:
                if api:
                    missing[api] = ["This field is required."]
                else:
                    missing.setdefault(PARAMETERS, {})[spec.name] = ["This field is required."]
            credentials[spec.name] = value
        if missing:
            raise serializers.ValidationError(missing)
        attrs["connector"], attrs["credentials"] = connector, credentials
        return attrs

    def problem_error(self, problem: ConnectionProblem) -> serializers.ValidationError:
        """A failed look-up, on the field to fix (as the form and the create endpoint put it)."""
        connector: Connector = self.validated_data["connector"]
        names = [spec.name for spec in connector.credential_fields]
        field = problem.field if problem.field in names or problem.field == "url" else ""
        if not field:
            field = names[-1] if problem.kind in ("rejected", "no_access") and names else "url"
        if field == "url":
            return serializers.ValidationError({"api_url": [problem.message]})
        api = SECRET_NAMES.get(field)
        error = {api: [problem.message]} if api else {PARAMETERS: {field: [problem.message]}}
        return serializers.ValidationError(error)
