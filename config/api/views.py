"""The API's front door: who is calling, where things are, the OpenAPI schema and its docs page."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.roles import user_is_admin
from config.api.errors import error_responses

COLLECTIONS = {
    "integrations": "api:integration-list",
    "specifications": "api:integration-specifications",
    "datastores": "api:datastore-list",
    "containers": "api:container-list",
    "fields": "api:field-list",
    "tags": "api:tag-list",
    "schema": "api:schema",
    "docs": "api:docs",
}


class ApiRoot(APIView):
    @extend_schema(
        tags=["api"],
        summary="Who is calling, with which role, and where the collections are",
        responses={
            200: inline_serializer(
                "ApiRoot",
                {
                    "user": serializers.CharField(),
                    "role": serializers.ChoiceField(choices=["admin", "viewer"]),
                    "authentication": serializers.ChoiceField(choices=["token", "session"]),
                    "links": serializers.DictField(child=serializers.CharField()),
                },
            ),
            **error_responses(),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "user": request.user.get_username(),
                "role": "admin" if user_is_admin(request.user) else "viewer",
                "authentication": "token" if isinstance(request.auth, ApiToken) else "session",
                "links": {
                    name: request.build_absolute_uri(reverse(url)) for name, url in COLLECTIONS.items()
                },
            }
        )


class _JsonErrors(APIView):
    """Failures answered in JSON even by views whose success is YAML or an HTML page."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response


class SchemaView(_JsonErrors, SpectacularAPIView):
    permission_classes = [IsAuthenticated]


class DocsView(_JsonErrors, SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar's files: the page works with no internet access."""

    permission_classes = [IsAuthenticated]
