"""Helpers any test imports (fixtures live in conftest.py files; plain values and builders here)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from accounts.services import api_token_create

# Headers that make the test client's request look like an htmx request.
HTMX = {"HX-Request": "true"}


def user_in_group(username: str, group: str) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def token_client(user: User, name: str = "tests") -> APIClient:
    """An API client sending a new personal token of the user (`.key` holds the key)."""
    _, key = api_token_create(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.key = key
    return client
