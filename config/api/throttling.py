"""One request budget per API token, and one per signed-in user for browser sessions."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken

CACHE_ALIAS = "api-throttle"


class ApiRateThrottle(SimpleRateThrottle):
    """Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("token", "session"), read per request."""

    def __init__(self) -> None:
        # The scope depends on how the request authenticated, so the rate is read in allow_request.
        self.ident: str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiToken):
            self.scope, self.ident = "token", str(request.auth.pk)
        elif request.user and request.user.is_authenticated:
            self.scope, self.ident = "session", str(request.user.pk)
        else:  # refused before throttling anyway: every endpoint needs a user
            return True
        self.cache = caches[CACHE_ALIAS]
        self.rate = str(api_settings.DEFAULT_THROTTLE_RATES[self.scope])
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
