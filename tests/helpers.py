"""Helpers any test imports (fixtures live in conftest.py files; plain values and builders here)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

# Headers that make the test client's request look like an htmx request.
HTMX = {"HX-Request": "true"}


def user_in_group(username: str, group: str) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user
