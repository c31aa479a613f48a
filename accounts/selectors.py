"""Reads for accounts: a user's API tokens, and the token a key belongs to."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from accounts.models import ApiToken
from accounts.services import api_key_hash


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """Active tokens first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The active token with this key, with its user; None for an unknown or revoked key."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_key_hash(key), revoked_at__isnull=True)
        .first()
    )
