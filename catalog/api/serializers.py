"""The catalog in the API: datastores, containers and fields with their tags, and global tags."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from rest_framework import serializers

from catalog.forms import TagForm
from catalog.models import TAG_NAME_MAX, ConnectorType, Container, Datastore, Field, Tag


class TagIntegrationSerializer(serializers.Serializer):
    """The integration an external tag came from (the catalog knows it only by its fields)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField(source="integration_type")


class TagBriefSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="tag_type", help_text="global, or external (from a catalog).")
    integration = TagIntegrationSerializer(allow_null=True, help_text="External tags: where they came from.")

    class Meta:
        model = Tag
        fields = ["id", "name", "type", "color", "category", "description", "weight_modifier", "integration"]
        read_only_fields = fields


class TagSerializer(TagBriefSerializer):
    datastore_count = serializers.IntegerField()
    container_count = serializers.IntegerField()
    field_count = serializers.IntegerField()

    class Meta(TagBriefSerializer.Meta):
        fields = [
            *TagBriefSerializer.Meta.fields,
            "created_at",
            "datastore_count",
            "container_count",
            "field_count",
        ]
        read_only_fields = fields


class TagWriteSerializer(serializers.Serializer):
    """A global tag; validated by the tag form, so the messages are the page's."""

    type = serializers.ChoiceField(
        choices=[Tag.Type.GLOBAL], required=False, help_text="Only global tags are made by hand."
    )
    name = serializers.CharField(max_length=TAG_NAME_MAX)
    color = serializers.CharField(max_length=7, required=False, help_text="A hex colour such as #E74C3C.")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    weight_modifier = serializers.IntegerField(required=False, min_value=-10, max_value=10)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tag: Tag | None = self.instance
        data = {}
        for name in TagForm.Meta.fields:
            if name in attrs:
                data[name] = attrs[name]
            elif tag is not None:
                data[name] = getattr(tag, name)
            else:
                data[name] = cast(models.Field, Tag._meta.get_field(name)).get_default()
        form = TagForm(data, instance=Tag.objects.get(pk=tag.pk) if tag else None)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    ("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
                    for k, v in form.errors.items()
                }
            )
        return dict(form.cleaned_data)


class AssetTagSerializer(serializers.Serializer):
    """A tag on an asset, and where it comes from (a catalog propagates some tags down)."""

    id = serializers.IntegerField(source="tag.id")
    name = serializers.CharField(source="tag.name")
    type = serializers.CharField(source="tag.tag_type", help_text="global, or external (from a catalog).")
    color = serializers.CharField(source="tag.color")
    category = serializers.CharField(source="tag.category")
    integration = TagIntegrationSerializer(
        source="tag.integration", allow_null=True, help_text="External tags: where they came from."
    )
    inherited_from = serializers.CharField(
        help_text="Empty when applied to this asset; else the catalog asset it is inherited from."
    )


class _Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _Asset(serializers.ModelSerializer):
    score = serializers.FloatField(
        source="current_score.total", allow_null=True, help_text="The current quality score (0–100)."
    )
    tags = AssetTagSerializer(source="tag_links", many=True)


class DatastoreSerializer(_Asset):
    connector_type = serializers.ChoiceField(choices=ConnectorType.choices)
    container_count = serializers.IntegerField()
    active_check_count = serializers.IntegerField()
    open_anomaly_count = serializers.IntegerField()

    class Meta:
        model = Datastore
        fields = [
            "id",
            "name",
            "connector_type",
            "store_type",
            "host",
            "database",
            "schema",
            "score",
            "tags",
            "container_count",
            "active_check_count",
            "open_anomaly_count",
        ]
        read_only_fields = fields


class ContainerSerializer(_Asset):
    type = serializers.CharField(source="container_type")
    datastore = _Named()
    field_count = serializers.IntegerField()
    active_check_count = serializers.IntegerField()
    open_anomaly_count = serializers.IntegerField()

    class Meta:
        model = Container
        fields = [
            "id",
            "name",
            "type",
            "datastore",
            "score",
            "tags",
            "field_count",
            "active_check_count",
            "open_anomaly_count",
        ]
        read_only_fields = fields


class FieldSerializer(_Asset):
    container = _Named()
    datastore = _Named(source="container.datastore")

    class Meta:
        model = Field
        fields = ["id", "name", "declared_type", "container", "datastore", "score", "tags"]
        read_only_fields = fields
