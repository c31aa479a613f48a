"""Per-type specifications: what the add form asks for, generated from each connector's description."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from rest_framework import serializers

from integrations.api.fields import FORM_NAMES, credential_api_name
from integrations.connectors import connectors_all
from integrations.forms import IntegrationForm
from integrations.models import Integration


class PropertySerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The API field (`parameters.x` for a key of `parameters`).")
    title = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["string", "boolean", "integer", "array"],
        help_text="array: a list of {id, name} picked from the catalog (`lookup` lists them).",
    )
    # DRF takes declared fields off the class; mypy sees them shadow Field's own attributes.
    required = serializers.BooleanField(help_text="Required to add an integration of this type.")  # type: ignore[assignment]
    secret = serializers.BooleanField(help_text="Write-only: never answered.")
    info = serializers.CharField(allow_blank=True)
    placeholder = serializers.CharField(allow_blank=True)
    default = serializers.JSONField(allow_null=True)
    values = serializers.ListField(child=serializers.DictField(), help_text="The allowed values, if limited.")
    lookup = serializers.CharField(
        allow_blank=True, help_text="Where the choices come from, for an unsaved integration (POST)."
    )


class SpecificationSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    category = serializers.CharField()
    implemented = serializers.BooleanField(help_text="False: listed as coming soon; cannot be added yet.")
    push_help = serializers.CharField(allow_blank=True)
    properties = PropertySerializer(many=True)


def _property(field: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "field": field,
        "title": title,
        "type": "string",
        "required": False,
        "secret": False,
        "info": "",
        "placeholder": "",
        "default": None,
        "values": [],
        "lookup": "",
    } | extra


def _settings() -> list[dict[str, Any]]:
    """The settings every type shares, titled and explained as the form does."""
    labels, helps = IntegrationForm.Meta.labels, IntegrationForm.Meta.help_texts
    rows = []
    for api, form_field in FORM_NAMES.items():
        if api in ("name", "type", "api_url"):
            continue
        model_field = cast(models.Field, Integration._meta.get_field(form_field))
        choices = [{"value": v, "label": str(label)} for v, label in model_field.choices or []]
        rows.append(
            _property(
                api,
                str(labels.get(form_field, model_field.verbose_name.capitalize())),
                type="integer" if choices else "boolean",
                info=str(helps.get(form_field, "")),
                default=model_field.get_default(),
                values=choices,
            )
        )
    return rows


def integration_specifications() -> list[dict[str, Any]]:
    shared = _settings()
    specs = []
    for kind, connector in connectors_all().items():
        properties = [
            _property("name", "Name", required=True),
            _property(
                "api_url",
                "URL",
                required=True,
                info=connector.url_help,
                placeholder=connector.url_placeholder,
            ),
            *(
                _property(
                    credential_api_name(f.name),
                    f.label,
                    required=True,
                    secret=f.secret,
                    info=f.help_text,
                    placeholder=f.placeholder,
                )
                for f in connector.credential_fields
            ),
            *(
                _property(
                    f"parameters.{p.name}",
                    p.label,
                    type="array",
                    info=p.help_text,
                    default=[],
                    lookup=f"/api/integrations/{p.name}",
                )
                for p in connector.parameter_fields
            ),
            *shared,
        ]
        specs.append(
            {
                "type": kind,
                "label": connector.label,
                "category": "data_catalog",
                "implemented": connector.available,
                "push_help": connector.push_help,
                "properties": properties,
            }
        )
    return specs
