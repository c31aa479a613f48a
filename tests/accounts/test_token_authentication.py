"""`Authorization: Token …` on the API: who the request acts as, and every way a token is refused."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def _with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_a_token_acts_as_its_user_with_the_users_role(admin_api, viewer_api):
    assert admin_api.get("/api/").json() | {"links": None} == {
        "user": "alice-admin",
        "role": "admin",
        "authentication": "token",
        "links": None,
    }
    assert viewer_api.get("/api/").json()["role"] == "viewer"


def test_no_credentials_is_401_with_a_token_challenge(anonymous_api):
    response = anonymous_api.get("/api/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_unknown_key_is_401(db):
    response = _with("Token plb_not-a-real-key").get("/api/")
    assert response.status_code == 401 and response.json() == {"detail": "Invalid or revoked token."}


@pytest.mark.parametrize("header", ["Token", "Token a b", "token  "])
def test_a_malformed_header_is_401_saying_how_to_send_it(db, header):
    response = _with(header).get("/api/")
    assert response.status_code == 401
    assert "Authorization: Token <key>" in response.json()["detail"]


def test_the_keyword_is_case_insensitive(admin):
    _, key = api_token_create(user=admin, name="x")
    assert _with(f"token {key}").get("/api/").status_code == 200


def test_other_schemes_are_not_tokens(db):
    response = _with("Bearer something").get("/api/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_inactive_users_token_is_refused(admin):
    client = token_client(admin)
    admin.is_active = False
    admin.save()
    response = client.get("/api/")
    assert response.status_code == 401 and "inactive" in response.json()["detail"]


def test_a_token_never_opens_the_pages(admin):
    _, key = api_token_create(user=admin, name="x")
    response = _with(f"Token {key}").get("/settings/integrations/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
