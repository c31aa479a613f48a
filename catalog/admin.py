from __future__ import annotations

from django.contrib import admin

from catalog.models import (
    Anomaly,
    Check,
    Container,
    ContainerTag,
    Datastore,
    DatastoreTag,
    Field,
    FieldTag,
    QualityScore,
    Tag,
)


class DatastoreTagInline(admin.TabularInline):
    model = DatastoreTag
    raw_id_fields = ["tag"]
    extra = 0


class ContainerTagInline(admin.TabularInline):
    model = ContainerTag
    raw_id_fields = ["tag"]
    extra = 0


class FieldTagInline(admin.TabularInline):
    model = FieldTag
    raw_id_fields = ["tag"]
    extra = 0


@admin.register(Datastore)
class DatastoreAdmin(admin.ModelAdmin):
    list_display = ["name", "connector_type", "database", "schema"]
    list_filter = ["connector_type"]
    search_fields = ["name"]
    raw_id_fields = ["current_score"]
    inlines = [DatastoreTagInline]


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    list_display = ["name", "datastore", "container_type"]
    list_filter = ["container_type"]
    search_fields = ["name", "datastore__name"]
    list_select_related = ["datastore"]
    raw_id_fields = ["datastore", "current_score"]
    inlines = [ContainerTagInline]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "container", "declared_type"]
    search_fields = ["name", "container__name"]
    list_select_related = ["container"]
    # Raw ids: a select of 100,000 fields or containers would make the form unusable.
    raw_id_fields = ["container", "current_score"]
    inlines = [FieldTagInline]


@admin.register(QualityScore)
class QualityScoreAdmin(admin.ModelAdmin):
    list_display = ["recorded_at", "datastore", "container", "field", "total"]
    raw_id_fields = ["datastore", "container", "field"]
    date_hierarchy = "recorded_at"


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ["rule_type", "container", "status"]
    list_filter = ["status"]
    raw_id_fields = ["container", "fields"]


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = ["pk", "container", "anomaly_type", "status", "created_at"]
    list_filter = ["status", "anomaly_type"]
    raw_id_fields = ["container", "check_rule"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "tag_type", "integration", "category", "weight_modifier"]
    list_filter = ["tag_type"]
    search_fields = ["name"]
