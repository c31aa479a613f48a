"""Sync runs over the API: history per integration, a run, its log, assets, changes, and cancel."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import error_responses, not_found
from config.api.requests import acting_user
from integrations import runs
from integrations.api.run_serializers import (
    LogLineSerializer,
    LogQuerySerializer,
    LogSerializer,
    ReportRowSerializer,
    RunBriefSerializer,
    RunDetailSerializer,
    RunSerializer,
    SyncChangeSerializer,
)
from integrations.models import AssetLink, Integration, SyncRun
from integrations.report import ISSUE_KINDS, LINK_KINDS, report_query, report_rows
from integrations.selectors import run_log_complete, run_log_lines

TAG = ["runs"]


def _run(pk: int) -> SyncRun:
    try:
        return SyncRun.objects.select_related("integration", "started_by").get(pk=pk)
    except SyncRun.DoesNotExist:
        raise not_found("run", pk) from None


class _ReportFilters(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=200,
        help_text="Part of a name (either side's) or of the reason, case-insensitive.",
    )
    level = serializers.ChoiceField(choices=AssetLink.Level.choices, required=False, default="")


class _MappedFilters(_ReportFilters):
    kind = serializers.ChoiceField(
        choices=LINK_KINDS, required=False, default="mapped", help_text="case: matched only ignoring case."
    )


class _UnmatchedFilters(_ReportFilters):
    kind = serializers.ChoiceField(choices=ISSUE_KINDS, required=False, default="")


class IntegrationRuns(GenericAPIView):
    queryset = SyncRun.objects.all()
    serializer_class = RunSerializer

    @extend_schema(
        tags=TAG,
        summary="An integration's syncs, newest first",
        responses={200: RunSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        if not Integration.objects.filter(pk=pk).exists():
            raise not_found("integration", pk)
        runs.runs_sweep()
        rows = SyncRun.objects.filter(integration_id=pk).select_related("integration", "started_by")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RunSerializer(page, many=True).data)


class RunDetail(GenericAPIView):
    queryset = SyncRun.objects.all()
    serializer_class = RunDetailSerializer

    @extend_schema(
        tags=TAG,
        summary="A run: status, outcome, warnings, counts and progress",
        responses={200: RunDetailSerializer, **error_responses(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        runs.runs_sweep()
        return Response(RunDetailSerializer(_run(pk)).data)


class RunCancel(GenericAPIView):
    queryset = SyncRun.objects.all()
    serializer_class = RunSerializer

    @extend_schema(
        tags=TAG,
        summary="Cancel a run: a queued one at once, a running one at its next safe point",
        request=None,
        responses={200: RunSerializer, **error_responses(404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        run = _run(pk)
        if not run.is_active:
            detail = f"The run has already ended ({run.get_status_display()}): nothing to cancel."
            return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)
        run = runs.run_cancel(run=run, user=acting_user(request))
        return Response(RunSerializer(run).data)


class RunLog(GenericAPIView):
    queryset = SyncRun.objects.all()
    serializer_class = LogSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The run's log after a cursor: follow it until `active` is false and `more` is false",
        parameters=[LogQuerySerializer],
        responses={200: LogSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        run = _run(pk)
        # Read whether the log is complete before reading it, so no closing line is missed.
        complete = run_log_complete(run)
        lines = run_log_lines(run, after=after, limit=limit)
        return Response(
            {
                "items": LogLineSerializer(lines, many=True).data,
                "next_after": lines[-1].pk if lines else after,
                "more": len(lines) == limit,
                "run": RunBriefSerializer(run).data,
                "active": not complete,
            }
        )


class _Report(GenericAPIView):
    """A kind of rows of the run's mapping report, a page at a time."""

    queryset = SyncRun.objects.all()
    serializer_class = ReportRowSerializer
    filters: type[_ReportFilters]

    def get(self, request: Request, pk: int) -> Response:
        query = self.filters(data=request.query_params)
        query.is_valid(raise_exception=True)
        run = _run(pk)
        page = self.paginate_queryset(report_query(run, **query.validated_data))
        return self.get_paginated_response(ReportRowSerializer(report_rows(run, page or []), many=True).data)


class RunMappedAssets(_Report):
    filters = _MappedFilters

    @extend_schema(
        tags=TAG,
        summary="Plumbline assets mapped to catalog assets (as the integration's latest syncs left them)",
        parameters=[_MappedFilters],
        responses={200: ReportRowSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class RunUnmatchedAssets(_Report):
    filters = _UnmatchedFilters

    @extend_schema(
        tags=TAG,
        summary="Assets the run could not map: only on one side, ambiguous, not visible, failed; with why",
        parameters=[_UnmatchedFilters],
        responses={200: ReportRowSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class RunChanges(GenericAPIView):
    queryset = SyncRun.objects.all()
    serializer_class = SyncChangeSerializer

    @extend_schema(
        tags=TAG,
        summary="Every change the run made (or, in a preview, would have made)",
        responses={200: SyncChangeSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(_run(pk).changes.order_by("id"))
        return self.get_paginated_response(SyncChangeSerializer(page, many=True).data)
