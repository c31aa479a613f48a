"""Pages as the modelled product answers them: `{items, total, page, size}` from `?page=&size=`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

DEFAULT_SIZE = 50
MAX_SIZE = 100


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    size = serializers.IntegerField(min_value=1, max_value=MAX_SIZE, default=DEFAULT_SIZE)


class PagePagination(BasePagination):
    """A page past the last one is empty (with the total), not an error."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.page: int = query.validated_data["page"]
        self.size: int = query.validated_data["size"]
        rows: QuerySet | Sequence = queryset
        self.total = rows.count() if isinstance(rows, QuerySet) else len(rows)
        start = (self.page - 1) * self.size
        return list(rows[start : start + self.size])

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"items": data, "total": self.total, "page": self.page, "size": self.size})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["items", "total", "page", "size"],
            "properties": {
                "items": schema,
                "total": {"type": "integer", "description": "Rows in every page together."},
                "page": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "size",
                "in": "query",
                "required": False,
                "description": f"Rows per page, at most {MAX_SIZE}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": DEFAULT_SIZE},
            },
        ]
