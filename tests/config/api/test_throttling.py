"""Throttling per API token (and per user for browser sessions), with rates from the settings."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = django_settings.REST_FRAMEWORK | {
            "DEFAULT_THROTTLE_RATES": {"token": "1000/minute", "session": "1000/minute", **rates}
        }

    return set_rates


def test_the_default_rates_come_from_the_environment():
    assert set(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) == {"token", "session"}


def test_a_token_over_its_rate_gets_429_with_retry_after(rates, admin):
    rates(token="3/minute")
    api = token_client(admin)
    assert [api.get("/api/tags").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/tags")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(refused["Retry-After"]) <= 60


def test_each_token_has_its_own_budget_even_for_one_user(rates, admin):
    rates(token="2/minute")
    first, second = token_client(admin, "first"), token_client(admin, "second")
    for _ in range(2):
        first.get("/api/tags")
    assert first.get("/api/tags").status_code == 429
    assert second.get("/api/tags").status_code == 200


def test_writes_count_against_the_same_budget(rates, admin):
    rates(token="2/minute")
    api = token_client(admin)
    assert api.post("/api/tags", {"name": "PII"}).status_code == 201
    assert api.get("/api/tags").status_code == 200
    assert api.post("/api/tags", {"name": "Finance"}).status_code == 429


def test_browser_sessions_are_throttled_per_user(rates, admin_http, viewer_http):
    rates(session="2/minute")
    assert [admin_http.get("/api/tags").status_code for _ in range(3)] == [200, 200, 429]
    assert viewer_http.get("/api/tags").status_code == 200


def test_a_session_and_a_token_of_one_user_are_counted_apart(rates, admin_http, admin):
    rates(session="1/minute", token="1/minute")
    api = token_client(admin)
    assert admin_http.get("/api/tags").status_code == 200
    assert api.get("/api/tags").status_code == 200
    assert admin_http.get("/api/tags").status_code == 429
