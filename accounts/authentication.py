"""`Authorization: Token <key>` for the API: the request acts as the token's user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.selectors import api_token_for_key
from accounts.services import api_token_touch

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    """Personal API tokens. A request without the header is left to the next authenticator."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "Send the key as `Authorization: Token <key>`, with no spaces in the key."
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise AuthenticationFailed("Invalid token.") from None
        token = api_token_for_key(key=key)
        # One message for unknown and revoked keys: nothing to learn by guessing.
        if token is None:
            raise AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise AuthenticationFailed("The token's user is inactive.")
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        # Makes unauthenticated requests 401 (with this challenge) rather than 403.
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema (and Swagger UI's Authorize button) describes the token."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token from Settings › API tokens, sent as `Token <key>`.",
        }
