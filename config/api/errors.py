"""Every failure under /api/ is JSON: `{"detail": …}`, and for invalid input also `{"errors": {field: […]}}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler, set_rollback

logger = logging.getLogger("plumbline.api")

SERVER_ERROR = "The server failed to answer this request; its log has the details."
API_PREFIX = "/api/"


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    """`field: message` lines from DRF's nested error structure (lists, dicts, lists of dicts)."""
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            lines += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return lines
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [f"{prefix}: {e}" if prefix else str(e) for e in errors]
        lines = []
        for index, item in enumerate(errors):
            if item:
                lines += _flatten(item, f"{prefix}[{index}]")
        return lines
    return [f"{prefix}: {errors}" if prefix else str(errors)]


def _from_django(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        )
    return ValidationError({"non_field_errors": exc.messages})


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    response = exception_handler(exc, context)
    if response is None:
        # Answered here (not by Django's HTML 500 page); logged with the traceback.
        logger.error("API request failed: %s", context["request"].path, exc_info=exc)
        set_rollback()
        return Response({"detail": SERVER_ERROR}, status=500)
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": " ".join(_flatten(errors)) or "Invalid input.", "errors": errors}
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/ (a failure outside an API view), Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)


def _suggestion(path: str) -> str:
    """The same path with or without its trailing slash, when that one exists."""
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    try:
        match = resolve(other)
    except Resolver404:
        return ""
    return "" if match.url_name == "not-found" else f" Did you mean {other}?"


@extend_schema(exclude=True)
class ApiNotFound(APIView):
    """Any path under /api/ that names no endpoint, whatever the method."""

    permission_classes = [AllowAny]
    throttle_classes: list = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound(f"No API endpoint at {request.path}.{_suggestion(request.path)}")


# For the schema: what an error answer looks like.
ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
INVALID = inline_serializer(
    "ValidationError",
    {
        "detail": serializers.CharField(help_text="Every problem as one sentence per field."),
        "errors": serializers.DictField(
            child=serializers.JSONField(), help_text="Messages per field (nested fields as nested objects)."
        ),
    },
)
_TEXTS = {
    400: "Invalid input: `errors` names each field and what is wrong with it.",
    401: "No credentials, or an invalid or revoked token.",
    403: "Signed in, but not allowed (only Admins change things), or a missing CSRF token.",
    404: "No such object.",
    409: "Conflict with the object's current state.",
    429: "Too many requests for this token: wait `Retry-After` seconds.",
    502: "The catalog could not be asked (unreachable, or it refused the credentials): `detail` says why.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers for extend_schema(responses=…): 401, 403 and 429 always, plus the codes given."""
    return {
        code: OpenApiResponse(INVALID if code == 400 else ERROR, description=_TEXTS[code])
        for code in sorted({401, 403, 429, *codes})
    }


def not_found(noun: str, pk: object) -> NotFound:
    return NotFound(f"No {noun} with id {pk}.")
