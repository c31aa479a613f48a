"""Mappings and catalog look-ups over the API: each datastore's mapping and an admin's override,
and the catalog's domains, connections and schemas (for a saved integration, with its stored
credentials; for an unsaved one, with the credentials sent, as the Add form lists them)."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Datastore
from config.api.errors import error_responses, not_found
from config.api.requests import acting_user
from integrations import mapping_services as services
from integrations.api.mapping_serializers import (
    CatalogLookupSerializer,
    ChoiceSerializer,
    MappingSerializer,
    MappingWriteSerializer,
    SchemasQuerySerializer,
)
from integrations.connectors import integration_connector
from integrations.mapping_selectors import mapping_rows
from integrations.models import Integration, MappingPin
from integrations.sync.connector import Choice, ConnectionProblem, Connector

TAG = ["mappings and catalog look-ups"]
CATALOG_FAILED = error_responses(502)


class CatalogUnavailable(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The catalog could not be asked."


def _integration(pk: int) -> Integration:
    try:
        return Integration.objects.get(pk=pk)
    except Integration.DoesNotExist:
        raise not_found("integration", pk) from None


def _datastore(pk: int) -> Datastore:
    try:
        return Datastore.objects.get(pk=pk, store_type=Datastore.StoreType.JDBC)
    except Datastore.DoesNotExist:
        raise not_found("database datastore", pk) from None


def _answer(integration: Integration, datastore: Datastore) -> dict:
    return MappingSerializer(mapping_rows(integration, datastore_id=datastore.pk)[0]).data


def _asked(ask: Callable[[], list[Choice]]) -> Response:
    """The catalog's answer as [{id, name}]; a catalog that cannot answer is a 502 saying why."""
    try:
        choices = ask()
    except ConnectionProblem as problem:
        raise CatalogUnavailable(problem.message) from None
    return Response(ChoiceSerializer([{"id": i, "name": n} for i, n in choices], many=True).data)


class IntegrationMappings(GenericAPIView):
    queryset = MappingPin.objects.all()
    serializer_class = MappingSerializer

    @extend_schema(
        tags=TAG,
        summary="Every database datastore with its mapping and what the latest full sync found",
        responses={200: MappingSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        page = self.paginate_queryset(mapping_rows(_integration(pk)))
        return self.get_paginated_response(MappingSerializer(page, many=True).data)


class IntegrationMapping(GenericAPIView):
    queryset = MappingPin.objects.all()
    serializer_class = MappingSerializer

    @extend_schema(
        tags=TAG,
        summary="One datastore's mapping",
        responses={200: MappingSerializer, **error_responses(404)},
    )
    def get(self, request: Request, pk: int, datastore_id: int) -> Response:
        return Response(_answer(_integration(pk), _datastore(datastore_id)))

    @extend_schema(
        tags=TAG,
        summary="Pin the datastore to a catalog schema (checked with the catalog first), or exclude it",
        request=MappingWriteSerializer,
        responses={200: MappingSerializer, **error_responses(400, 404), **CATALOG_FAILED},
    )
    def put(self, request: Request, pk: int, datastore_id: int) -> Response:
        integration, datastore = _integration(pk), _datastore(datastore_id)
        payload = MappingWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = acting_user(request)
        if payload.validated_data["excluded"]:
            services.mapping_exclude(integration=integration, datastore=datastore, user=user)
            return Response(_answer(integration, datastore))
        try:
            services.mapping_pin(
                integration=integration,
                datastore=datastore,
                user=user,
                schema=payload.validated_data["schema"],
            )
        except services.PinRefused as refused:
            raise serializers.ValidationError({"schema": [refused.message]}) from None
        except ConnectionProblem as problem:
            raise CatalogUnavailable(problem.message) from None
        return Response(_answer(integration, datastore))

    @extend_schema(
        tags=TAG,
        summary="Back to matching by name (removes a pin or an exclusion)",
        responses={200: MappingSerializer, **error_responses(404)},
    )
    def delete(self, request: Request, pk: int, datastore_id: int) -> Response:
        integration, datastore = _integration(pk), _datastore(datastore_id)
        services.mapping_clear(integration=integration, datastore=datastore, user=acting_user(request))
        return Response(_answer(integration, datastore))


class _SavedLookup(GenericAPIView):
    """A look-up in a saved integration's catalog, with its stored address and credentials."""

    queryset = Integration.objects.all()
    serializer_class = ChoiceSerializer
    pagination_class = None
    parameter = ""

    def get(self, request: Request, pk: int) -> Response:
        integration = _integration(pk)
        connector = integration_connector(integration)
        return _asked(
            lambda: connector.parameter_choices(
                self.parameter, url=integration.url, credentials=integration.credentials
            )
        )


class IntegrationDomains(_SavedLookup):
    parameter = "domains"

    @extend_schema(
        tags=TAG,
        summary="The catalog's domains, to limit the integration to (`parameters.domains`)",
        responses={200: ChoiceSerializer(many=True), **error_responses(404), **CATALOG_FAILED},
    )
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class IntegrationConnections(_SavedLookup):
    parameter = "connections"

    @extend_schema(
        tags=TAG,
        summary="The catalog's connections (Atlan) or data sources (Alation), for `parameters.connections` "
        "and pins",
        responses={200: ChoiceSerializer(many=True), **error_responses(404), **CATALOG_FAILED},
    )
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class IntegrationSchemas(GenericAPIView):
    queryset = Integration.objects.all()
    serializer_class = ChoiceSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The schemas of one connection or data source, to pin a datastore to",
        parameters=[SchemasQuerySerializer],
        responses={200: ChoiceSerializer(many=True), **error_responses(400, 404), **CATALOG_FAILED},
    )
    def get(self, request: Request, pk: int) -> Response:
        integration = _integration(pk)
        query = SchemasQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        connector = integration_connector(integration)
        return _asked(
            lambda: connector.schema_choices(
                url=integration.url,
                credentials=integration.credentials,
                connection=query.validated_data["connection"],
            )
        )


class _UnsavedLookup(GenericAPIView):
    """A look-up for an integration not saved yet, with the address and credentials sent."""

    serializer_class = CatalogLookupSerializer
    pagination_class = None
    parameter = ""

    def post(self, request: Request) -> Response:
        payload = CatalogLookupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        connector: Connector = payload.validated_data["connector"]
        try:
            choices = connector.parameter_choices(
                self.parameter,
                url=payload.validated_data["api_url"],
                credentials=payload.validated_data["credentials"],
            )
        except ConnectionProblem as problem:
            raise payload.problem_error(problem) from None
        return Response(ChoiceSerializer([{"id": i, "name": n} for i, n in choices], many=True).data)


class UnsavedDomains(_UnsavedLookup):
    parameter = "domains"

    @extend_schema(
        tags=TAG,
        summary="The catalog's domains for an integration not saved yet (fills the Domains picker)",
        request=CatalogLookupSerializer,
        responses={200: ChoiceSerializer(many=True), **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class UnsavedConnections(_UnsavedLookup):
    parameter = "connections"

    @extend_schema(
        tags=TAG,
        summary="The catalog's connections or data sources for an integration not saved yet",
        request=CatalogLookupSerializer,
        responses={200: ChoiceSerializer(many=True), **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)
