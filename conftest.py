"""Shared test cast: an Admin, a Viewer and their signed-in clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.roles import ADMIN_GROUP, VIEWER_GROUP
from tests.helpers import user_in_group

pytest_plugins = ["sandbox.atlan.pytest_plugin", "sandbox.alation.pytest_plugin"]


@pytest.fixture
def admin(db) -> User:
    return user_in_group("alice-admin", ADMIN_GROUP)


@pytest.fixture
def viewer(db) -> User:
    return user_in_group("victor-viewer", VIEWER_GROUP)


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
