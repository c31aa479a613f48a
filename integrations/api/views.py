"""Integrations over the API: list, add, read, change, delete, test, sync, history, specifications.

Writes go through the same form validation, connection check and change log as the pages.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import error_responses, not_found
from config.api.requests import acting_user
from integrations.api.run_serializers import RunSerializer, SyncRequestSerializer
from integrations.api.serializers import (
    IntegrationChangeSerializer,
    IntegrationSerializer,
    IntegrationWriteSerializer,
)
from integrations.api.specifications import SpecificationSerializer, integration_specifications
from integrations.models import Integration, IntegrationChange
from integrations.runs import RunAlreadyActive, run_start
from integrations.selectors import integration_cards
from integrations.services import (
    integration_create,
    integration_delete,
    integration_test_connection,
    integration_update,
)
from integrations.sync.connector import ConnectionProblem

TAG = ["integrations"]


def _integration(pk: int) -> Integration:
    try:
        return Integration.objects.get(pk=pk)
    except Integration.DoesNotExist:
        raise not_found("integration", pk) from None


def _answer(pk: int) -> dict[str, Any]:
    """An integration as the list shows it: with its tag count and its active and latest runs."""
    return IntegrationSerializer(integration_cards(pk=pk)[0]).data


class IntegrationList(GenericAPIView):
    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer

    @extend_schema(
        tags=TAG,
        summary="List integrations",
        responses={200: IntegrationSerializer(many=True), **error_responses()},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(integration_cards())
        return self.get_paginated_response(IntegrationSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add an integration (the credentials are tried against the catalog first)",
        request=IntegrationWriteSerializer,
        responses={201: IntegrationSerializer, **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        payload = IntegrationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values, credentials = payload.service_arguments()
        try:
            integration = integration_create(user=acting_user(request), credentials=credentials, **values)
        except ConnectionProblem as problem:
            raise payload.connection_error(problem) from None
        location = reverse("api:integration-detail", args=[integration.pk])
        return Response(
            _answer(integration.pk), status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class IntegrationDetail(GenericAPIView):
    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer

    @extend_schema(
        tags=TAG,
        summary="Read an integration",
        responses={200: IntegrationSerializer, **error_responses(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_answer(_integration(pk).pk))

    def _change(self, request: Request, pk: int, *, partial: bool) -> Response:
        integration = _integration(pk)
        payload = IntegrationWriteSerializer(integration, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        values, credentials = payload.service_arguments()
        try:
            integration_update(
                integration=integration, user=acting_user(request), credentials=credentials, **values
            )
        except ConnectionProblem as problem:
            raise payload.connection_error(problem) from None
        return Response(_answer(integration.pk))

    @extend_schema(
        tags=TAG,
        summary="Replace an integration's settings (name and api_url required; omitted secrets are kept)",
        request=IntegrationWriteSerializer,
        responses={200: IntegrationSerializer, **error_responses(400, 404)},
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._change(request, pk, partial=False)

    @extend_schema(
        tags=TAG,
        summary="Change some of an integration's settings",
        request=IntegrationWriteSerializer,
        responses={200: IntegrationSerializer, **error_responses(400, 404)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._change(request, pk, partial=True)

    @extend_schema(
        tags=TAG,
        summary="Delete an integration with its external tags (nothing changes in the catalog)",
        responses={
            200: inline_serializer(
                "IntegrationDeleted",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "external_tags_removed": serializers.IntegerField(),
                },
            ),
            **error_responses(404),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        integration = _integration(pk)
        removed = integration_delete(integration=integration, user=acting_user(request))
        return Response({"id": pk, "name": integration.name, "external_tags_removed": removed})


class IntegrationTest(GenericAPIView):
    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer

    @extend_schema(
        tags=TAG,
        summary="Test the connection with the stored credentials; the outcome becomes the status",
        request=None,
        responses={200: IntegrationSerializer, **error_responses(404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        integration_test_connection(integration=_integration(pk), user=acting_user(request))
        return Response(_answer(pk))


class IntegrationSync(GenericAPIView):
    queryset = Integration.objects.all()
    serializer_class = SyncRequestSerializer

    @extend_schema(
        tags=TAG,
        summary="Start a sync: 202 with the queued run, 409 with the run already active",
        request=SyncRequestSerializer,
        responses={
            202: RunSerializer,
            409: OpenApiResponse(
                inline_serializer(
                    "SyncConflict", {"detail": serializers.CharField(), "run": RunSerializer()}
                ),
                description="A sync of this integration is already queued or running: `run` is that one.",
            ),
            **error_responses(400, 404),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        integration = _integration(pk)
        payload = SyncRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            run = run_start(integration=integration, user=acting_user(request), **payload.validated_data)
        except RunAlreadyActive as exc:
            body = {"detail": str(exc), "run": RunSerializer(exc.run).data}
            return Response(body, status=status.HTTP_409_CONFLICT)
        location = reverse("api:run-detail", args=[run.pk])
        return Response(
            RunSerializer(run).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class IntegrationHistory(GenericAPIView):
    queryset = IntegrationChange.objects.all()
    serializer_class = IntegrationChangeSerializer

    @extend_schema(
        tags=TAG,
        summary="Every change to the integration, newest first, with who made it",
        responses={200: IntegrationChangeSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        rows = _integration(pk).changes.select_related("user")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(IntegrationChangeSerializer(page, many=True).data)


class IntegrationSpecifications(GenericAPIView):
    serializer_class = SpecificationSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="What each integration type asks for, from its connector's own description",
        responses={200: SpecificationSerializer(many=True), **error_responses()},
    )
    def get(self, request: Request) -> Response:
        return Response(SpecificationSerializer(integration_specifications(), many=True).data)
