"""The request type every view takes: htmx details, and a signed-in user (LoginRequiredMiddleware)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: User  # anonymous requests never reach a view (LoginRequiredMiddleware)
