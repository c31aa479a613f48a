"""Typed access to what DRF's request carries."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from rest_framework.request import Request


def acting_user(request: Request) -> User:
    """The signed-in user (every endpoint that writes needs one, so never anonymous here)."""
    return cast(User, request.user)
