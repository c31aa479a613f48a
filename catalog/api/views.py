"""Read access to the catalog for scripts, and global tags read and write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api.serializers import (
    ContainerSerializer,
    DatastoreSerializer,
    FieldSerializer,
    TagSerializer,
    TagWriteSerializer,
)
from catalog.models import ConnectorType, Container, Datastore, Field, Tag
from catalog.selectors import INHERITED_CHOICES
from config.api.errors import error_responses


class _Filters(serializers.Serializer):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    tag = serializers.IntegerField(required=False, default=None, min_value=1)
    inherited = serializers.ChoiceField(choices=INHERITED_CHOICES, required=False, default="")
    integration = serializers.IntegerField(required=False, default=None, min_value=1)
    datastore = serializers.IntegerField(required=False, default=None, min_value=1)
    container = serializers.IntegerField(required=False, default=None, min_value=1)
    connector = serializers.ChoiceField(choices=ConnectorType.choices, required=False, default="")
    type = serializers.CharField(required=False, default="", allow_blank=True)


def _filters(request: Request) -> dict[str, Any]:
    query = _Filters(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _param(name: str, description: str, kind: type = int, **extra: Any) -> OpenApiParameter:
    return OpenApiParameter(name, kind, description=description, **extra)


Q = _param("q", "Part of the name, case-insensitive.", str)
TAG_FILTER = _param("tag", "Only assets carrying this tag (id).")
INHERITED_FILTER = _param(
    "inherited",
    "With `tag`: `exclude` counts only tags applied to the asset itself, `only` only inherited ones.",
    str,
    enum=["exclude", "only"],
)
INTEGRATION_FILTER = _param("integration", "Only assets carrying an external tag of this integration (id).")


def _one(rows: QuerySet, pk: int, noun: str) -> Any:
    try:
        return rows.get(pk=pk)
    except ObjectDoesNotExist:
        raise NotFound(f"No {noun} with id {pk}.") from None


class _List(GenericAPIView):
    select: Callable[[dict[str, Any]], QuerySet]

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.select(_filters(request)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DatastoreList(_List):
    queryset = Datastore.objects.all()
    serializer_class = DatastoreSerializer

    def select(self, f: dict[str, Any]) -> QuerySet:
        return selectors.datastore_list(
            q=f["q"],
            connector_type=f["connector"],
            tag_id=f["tag"],
            inherited=f["inherited"],
            integration_id=f["integration"],
        )

    @extend_schema(
        tags=["catalog"],
        summary="Datastores with their tags",
        parameters=[
            Q,
            _param("connector", "Connector type.", str, enum=ConnectorType.values),
            TAG_FILTER,
            INHERITED_FILTER,
            INTEGRATION_FILTER,
        ],
        responses={200: DatastoreSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class ContainerList(_List):
    queryset = Container.objects.all()
    serializer_class = ContainerSerializer

    def select(self, f: dict[str, Any]) -> QuerySet:
        if f["type"] and f["type"] not in Container.Type.values:
            raise ValidationError({"type": [f"Unknown container type “{f['type']}”."]})
        return selectors.container_list(
            datastore_id=f["datastore"],
            q=f["q"],
            container_type=f["type"],
            tag_id=f["tag"],
            inherited=f["inherited"],
            integration_id=f["integration"],
        )

    @extend_schema(
        tags=["catalog"],
        summary="Containers (tables, views, files…) with their tags",
        parameters=[
            _param("datastore", "Only this datastore's containers (id)."),
            Q,
            _param("type", "Container type.", str, enum=Container.Type.values),
            TAG_FILTER,
            INHERITED_FILTER,
            INTEGRATION_FILTER,
        ],
        responses={200: ContainerSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class FieldList(_List):
    queryset = Field.objects.all()
    serializer_class = FieldSerializer

    def select(self, f: dict[str, Any]) -> QuerySet:
        return selectors.field_list(
            datastore_id=f["datastore"],
            container_id=f["container"],
            q=f["q"],
            tag_id=f["tag"],
            inherited=f["inherited"],
            integration_id=f["integration"],
        )

    @extend_schema(
        tags=["catalog"],
        summary="Fields with their tags",
        parameters=[
            _param("datastore", "Only this datastore's fields (id)."),
            _param("container", "Only this container's fields (id)."),
            Q,
            TAG_FILTER,
            INHERITED_FILTER,
            INTEGRATION_FILTER,
        ],
        responses={200: FieldSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class DatastoreDetail(GenericAPIView):
    queryset = Datastore.objects.all()
    serializer_class = DatastoreSerializer

    @extend_schema(
        tags=["catalog"], summary="A datastore", responses={200: DatastoreSerializer, **error_responses(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(DatastoreSerializer(_one(selectors.datastore_list(), pk, "datastore")).data)


class ContainerDetail(GenericAPIView):
    queryset = Container.objects.all()
    serializer_class = ContainerSerializer

    @extend_schema(
        tags=["catalog"], summary="A container", responses={200: ContainerSerializer, **error_responses(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ContainerSerializer(_one(selectors.container_list(), pk, "container")).data)


class FieldDetail(GenericAPIView):
    queryset = Field.objects.all()
    serializer_class = FieldSerializer

    @extend_schema(
        tags=["catalog"], summary="A field", responses={200: FieldSerializer, **error_responses(404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(FieldSerializer(_one(selectors.field_list(), pk, "field")).data)


class TagList(GenericAPIView):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer

    @extend_schema(
        tags=["tags"],
        summary="Tags, global and external, by name",
        parameters=[
            Q,
            _param("type", "global or external.", str, enum=Tag.Type.values),
            _param("integration", "Only this integration's external tags (id)."),
        ],
        responses={200: TagSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        f = _filters(request)
        if f["type"] and f["type"] not in Tag.Type.values:
            raise ValidationError({"type": ["Show global or external tags."]})
        rows = selectors.tag_list(q=f["q"], tag_type=f["type"], integration_id=f["integration"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TagSerializer(page, many=True).data)

    @extend_schema(
        tags=["tags"],
        summary="Make a global tag",
        request=TagWriteSerializer,
        responses={201: TagSerializer, **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        payload = TagWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tag = services.tag_create(**payload.validated_data)
        location = reverse("api:tag-detail", args=[tag.pk])
        return Response(_tag(tag.pk), status=status.HTTP_201_CREATED, headers={"Location": location})


def _tag(pk: int) -> dict[str, Any]:
    return TagSerializer(_one(selectors.tag_list(), pk, "tag")).data


class TagDetail(GenericAPIView):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer

    @extend_schema(tags=["tags"], summary="A tag", responses={200: TagSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_tag(pk))

    def _change(self, request: Request, pk: int, *, partial: bool) -> Response:
        tag = _global_tag(pk)
        payload = TagWriteSerializer(tag, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        services.tag_update(tag=tag, **payload.validated_data)
        return Response(_tag(pk))

    @extend_schema(
        tags=["tags"],
        summary="Replace a global tag (external tags are read-only)",
        request=TagWriteSerializer,
        responses={200: TagSerializer, **error_responses(400, 404)},
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._change(request, pk, partial=False)

    @extend_schema(
        tags=["tags"],
        summary="Change a global tag (external tags are read-only)",
        request=TagWriteSerializer,
        responses={200: TagSerializer, **error_responses(400, 404)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._change(request, pk, partial=True)

    @extend_schema(
        tags=["tags"],
        summary="Delete a global tag (it leaves every asset)",
        responses={204: None, **error_responses(400, 404)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.tag_delete(tag=_global_tag(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _global_tag(pk: int) -> Tag:
    tag = _one(Tag.objects.select_related("integration"), pk, "tag")
    if tag.is_external:
        raise ValidationError({"non_field_errors": [services.EXTERNAL_READ_ONLY]})
    return tag
