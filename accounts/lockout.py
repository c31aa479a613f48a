"""The page a sign-in gets while django-axes has locked the username out from that address."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with the sign-in card saying why and for how long, instead of django-axes' bare text."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {"username": str(username)[:150], "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
