"""Shared test cast: an Admin, a Viewer and their signed-in clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from accounts.roles import ADMIN_GROUP, VIEWER_GROUP

pytest_plugins = ["integrations.atlan.sandbox.pytest_plugin"]


def _user_in_group(username: str, group: str) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def admin(db) -> User:
    return _user_in_group("alice-admin", ADMIN_GROUP)


@pytest.fixture
def viewer(db) -> User:
    return _user_in_group("victor-viewer", VIEWER_GROUP)


@pytest.fixture
def admin_http(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def viewer_http(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


HTMX = {"HX-Request": "true"}
