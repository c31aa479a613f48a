"""Sync runs in the API: the run, its log, what it mapped or could not, what it changed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from integrations.forms import SyncForm
from integrations.models import AssetLink, SyncChange, SyncLogLine, SyncRun
from integrations.report import ReportRow


class SyncRequestSerializer(serializers.Serializer):
    pull = serializers.BooleanField(default=True, help_text="Bring the catalog's tags in.")
    push = serializers.BooleanField(default=True, help_text="Write Plumbline's metadata to the catalog.")
    preview = serializers.BooleanField(
        default=False, help_text="Compute and log every change, write nothing."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = SyncForm(attrs)
        if not form.is_valid():
            raise serializers.ValidationError({"non_field_errors": [str(e) for e in form.non_field_errors()]})
        return form.cleaned_data


class RunBriefSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    outcome = serializers.CharField(source="message", help_text="How the run ended (empty while it runs).")

    class Meta:
        model = SyncRun
        fields = ["id", "status", "status_label", "outcome", "created_at", "finished_at"]
        read_only_fields = fields


_PROGRESS = inline_serializer(
    "RunProgress",
    {
        "done": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "percent": serializers.IntegerField(),
    },
)
_REQUESTS = inline_serializer(
    "RunRequests", {"read": serializers.IntegerField(), "write": serializers.IntegerField()}
)


class RunSerializer(RunBriefSerializer):
    integration = serializers.IntegerField(source="integration_id")
    integration_name = serializers.CharField(source="integration.name")
    active = serializers.BooleanField(source="is_active", help_text="Queued or running.")
    started_by = serializers.CharField(source="started_by.username", allow_null=True)
    counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Per datastore: tables, fields, tags pulled and removed, assets pushed, errors…",
    )
    totals = serializers.DictField(
        child=serializers.IntegerField(), help_text="The counts of every datastore added up."
    )
    progress = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField(help_text="Catalog requests made.")
    error_samples = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    scope = serializers.SerializerMethodField(
        help_text="What the integration was limited to when the run started (domains, connections); "
        "empty for runs from before scopes were recorded."
    )

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "integration",
            "integration_name",
            "status",
            "status_label",
            "outcome",
            "active",
            "trigger",
            "pull",
            "push",
            "preview",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
            "cancel_requested",
            "warnings",
            "counts",
            "totals",
            "progress",
            "requests",
            "error_samples",
            "scope",
        ]
        read_only_fields = fields

    def get_scope(self, run: SyncRun) -> str:
        return str(run.scope.get("text", ""))

    @extend_schema_field(_PROGRESS)
    def get_progress(self, run: SyncRun) -> dict[str, int]:
        return {"done": run.progress_done, "total": run.progress_total, "percent": run.progress_percent}

    @extend_schema_field(_REQUESTS)
    def get_requests(self, run: SyncRun) -> dict[str, int]:
        return {"read": run.requests_read, "write": run.requests_write}


class RunDetailSerializer(RunSerializer):
    issue_counts = serializers.SerializerMethodField(help_text="Assets not mapped, per kind.")
    change_count = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "issue_counts", "change_count"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_issue_counts(self, run: SyncRun) -> dict[str, int]:
        return dict(
            run.issues.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
        )

    def get_change_count(self, run: SyncRun) -> int:
        return run.changes.count()


class LogLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncLogLine
        fields = ["id", "at", "level", "datastore", "message"]
        read_only_fields = fields


class LogQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0, help_text="The id of the last line you have.")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=500)


class LogSerializer(serializers.Serializer):
    items = LogLineSerializer(many=True)
    next_after = serializers.IntegerField(help_text="Send as `after` to get the lines that follow.")
    more = serializers.BooleanField(help_text="More lines are waiting: ask again at once.")
    run = RunBriefSerializer()
    active = serializers.BooleanField(help_text="The run goes on: more lines will come.")


class ReportRowSerializer(serializers.Serializer):
    """A row of the run's mapping report, as the run's assets page shows it."""

    kind = serializers.CharField(
        help_text="mapped, case, unmatched, catalog_only, ambiguous, not_visible, error."
    )
    kind_label = serializers.CharField()
    level = serializers.ChoiceField(choices=AssetLink.Level.choices)
    datastore = serializers.CharField()
    path = serializers.CharField(help_text="The Plumbline asset (empty for assets only in the catalog).")
    plumbline_url = serializers.SerializerMethodField(help_text="The asset's page in Plumbline.")
    catalog_type = serializers.CharField()
    catalog_name = serializers.CharField(help_text="The catalog asset's qualified name.")
    catalog_url = serializers.CharField(help_text="The asset's page in the catalog.")
    note = serializers.CharField(help_text="Why it is not mapped, or what to know about the match.")

    def get_plumbline_url(self, row: ReportRow) -> str:
        return f"{settings.SITE_URL}{row.plumbline_url}" if row.plumbline_url else ""


class SyncChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncChange
        fields = [
            "id",
            "at",
            "datastore",
            "asset",
            "catalog_ref",
            "kind",
            "attribute",
            "before",
            "after",
            "applied",
        ]
        read_only_fields = fields
