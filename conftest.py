"""Shared test cast: an Admin, a Viewer, their signed-in clients and their API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import ADMIN_GROUP, VIEWER_GROUP
from tests.helpers import token_client, user_in_group

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


@pytest.fixture
def admin_api(admin) -> APIClient:
    return token_client(admin)


@pytest.fixture
def viewer_api(viewer) -> APIClient:
    return token_client(viewer)


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_api_throttles():
    # Ids repeat across tests (rolled back), so one test's requests must not count in the next one.
    caches["api-throttle"].clear()
