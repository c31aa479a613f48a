"""Refresh token + user id → access token, every failure of that exchange, and the TOKEN header
on API calls (missing, expired mid-session, revoked)."""

from __future__ import annotations

import pytest
import requests

from .conftest import DEMO_REFRESH, Client

VALIDATE = "/integration/v1/validateRefreshToken/"
CREATE = "/integration/v1/createAPIAccessToken/"
VALIDATE_ACCESS = "/integration/v1/validateAPIAccessToken/"
REVOKE = "/integration/v1/revokeAPIAccessTokens/"
INVALID_REFRESH = {"detail": "Refresh token provided is invalid.", "code": "401000"}
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided.", "code": "403000"}
API_CALLS = [
    ("GET", "/integration/v1/datasource/"),
    ("GET", "/integration/v2/datasource/"),
    ("GET", "/integration/v2/schema/"),
    ("GET", "/integration/v2/table/"),
    ("GET", "/integration/v2/column/"),
    ("GET", "/integration/tag/"),
    ("GET", "/integration/tag/PII/subject/"),
    ("GET", "/integration/v2/custom_field/"),
    ("GET", "/integration/v2/custom_field_value/"),
    ("PUT", "/integration/v2/custom_field_value/async/"),
    ("GET", "/integration/v1/data_quality/values/"),
    ("POST", "/integration/v1/data_quality/"),
    ("GET", "/integration/flag/"),
    ("POST", "/integration/flag/"),
    ("GET", "/integration/v2/domain/"),
    ("GET", "/api/v1/bulk_metadata/job/"),
]


def _post(sandbox, path: str, body: dict) -> requests.Response:
    return requests.post(f"{sandbox.url}{path}", json=body, timeout=5)


def _mint(sandbox, token: str = DEMO_REFRESH, user_id: int = 7) -> str:
    r = _post(sandbox, CREATE, {"refresh_token": token, "user_id": user_id})
    assert r.status_code == 200, r.text
    return r.json()["api_access_token"]


def test_a_refresh_token_validates_and_mints_an_access_token_in_the_sdk_shapes(alation_sandbox):
    body = {"refresh_token": alation_sandbox.refresh_token, "user_id": alation_sandbox.user_id}
    validated = _post(alation_sandbox, VALIDATE, body)
    assert validated.status_code == 200
    assert list(validated.json()) == [
        "user_id",
        "created_at",
        "token_expires_at",
        "token_status",
        "last_used_at",
        "name",
        "refresh_token",
    ]
    assert validated.json()["token_status"] == "ACTIVE" and validated.json()["user_id"] == 7
    created = _post(alation_sandbox, CREATE, body)
    assert list(created.json()) == [
        "user_id",
        "created_at",
        "token_expires_at",
        "token_status",
        "api_access_token",
    ]
    token = created.json()["api_access_token"]
    checked = _post(alation_sandbox, VALIDATE_ACCESS, {"api_access_token": token, "user_id": 7})
    assert checked.status_code == 200 and checked.json() == created.json()
    assert _post(alation_sandbox, VALIDATE, body).json()["last_used_at"] is not None
    listing = requests.get(f"{alation_sandbox.url}/integration/v2/datasource/", headers={"Token": token})
    assert listing.status_code == 200 and listing.json()


def test_an_expired_refresh_token_validates_with_200_and_status_expired_but_mints_nothing(alation_sandbox):
    body = {"refresh_token": "plumbline-expired-refresh-token", "user_id": 7}
    validated = _post(alation_sandbox, VALIDATE, body)
    assert validated.status_code == 200 and validated.json()["token_status"] == "EXPIRED"
    created = _post(alation_sandbox, CREATE, body)
    assert created.status_code == 401 and created.json() == INVALID_REFRESH
    alation_sandbox.behaviour.configure(expired_refresh_token_status=401)
    assert _post(alation_sandbox, VALIDATE, body).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"refresh_token": "plumbline-revoked-refresh-token", "user_id": 7},
        {"refresh_token": "no-such-token", "user_id": 7},
        {"refresh_token": DEMO_REFRESH, "user_id": 8},
    ],
    ids=["revoked", "unknown", "wrong-user-id"],
)
def test_revoked_unknown_and_other_users_refresh_tokens_are_401_invalid(alation_sandbox, body):
    for path in (VALIDATE, CREATE, REVOKE):
        r = _post(alation_sandbox, path, body)
        assert (r.status_code, r.json()) == (401, INVALID_REFRESH), path


def test_a_revoked_refresh_token_can_answer_status_revoked_when_switched(alation_sandbox):
    alation_sandbox.behaviour.configure(revoked_refresh_token="status")
    r = _post(alation_sandbox, VALIDATE, {"refresh_token": "plumbline-revoked-refresh-token", "user_id": 7})
    assert r.status_code == 200 and r.json()["token_status"] == "REVOKED"
    assert (
        _post(
            alation_sandbox, CREATE, {"refresh_token": "plumbline-revoked-refresh-token", "user_id": 7}
        ).status_code
        == 401
    )


def test_token_endpoints_name_missing_fields(alation_sandbox):
    r = _post(alation_sandbox, CREATE, {"user_id": 7})
    assert r.status_code == 400 and r.json() == {"refresh_token": ["This field is required."]}


@pytest.mark.parametrize(("method", "path"), API_CALLS)
def test_every_api_call_without_a_token_is_403_not_authenticated(alation_sandbox, method, path):
    r = requests.request(method, f"{alation_sandbox.url}{path}", json={}, timeout=5)
    assert (r.status_code, r.json()) == (403, NOT_AUTHENTICATED)
    assert alation_sandbox.store.write_count() == 0 and alation_sandbox.store.read_count() == 0


def test_an_access_token_expires_mid_session_and_a_new_one_works(alation_sandbox):
    alation_sandbox.store.auth.access_ttl = 60
    api = Client(alation_sandbox)
    assert api.get("/integration/v2/table/").status_code == 200
    alation_sandbox.store.advance(61)
    expired = api.get("/integration/v2/table/")
    assert (expired.status_code, expired.json()) == (403, NOT_AUTHENTICATED)
    token = api.session.headers["TOKEN"]
    checked = _post(alation_sandbox, VALIDATE_ACCESS, {"api_access_token": token, "user_id": 7})
    assert checked.status_code == 200 and checked.json()["token_status"] == "EXPIRED"
    fresh = requests.get(
        f"{alation_sandbox.url}/integration/v2/table/", headers={"TOKEN": _mint(alation_sandbox)}, timeout=5
    )
    assert fresh.status_code == 200


def test_every_access_token_can_be_ended_at_once_mid_sync(alation_sandbox):
    api = Client(alation_sandbox)
    assert api.get("/integration/tag/").status_code == 200
    store = alation_sandbox.store
    store.auth.expire_all(store.now())
    assert api.get("/integration/tag/").status_code == 403
    assert store.counts.rejected == 1


def test_an_expired_access_token_can_answer_401_when_switched(alation_sandbox):
    alation_sandbox.behaviour.configure(expired_access_token_status=401)
    r = requests.get(f"{alation_sandbox.url}/integration/tag/", headers={"TOKEN": "stale"}, timeout=5)
    assert (r.status_code, r.json()) == (
        401,
        {"detail": "API Access Token provided is invalid.", "code": "401000"},
    )


def test_revoking_access_tokens_ends_them_and_validation_calls_them_invalid(alation_sandbox):
    token = _mint(alation_sandbox)
    r = _post(alation_sandbox, REVOKE, {"refresh_token": DEMO_REFRESH, "user_id": 7})
    assert r.json() == {
        "detail": "Revoked active access tokens for refresh token: 'Plumbline demo' with id: 1"
    }
    assert (
        requests.get(f"{alation_sandbox.url}/integration/tag/", headers={"TOKEN": token}).status_code == 403
    )
    checked = _post(alation_sandbox, VALIDATE_ACCESS, {"api_access_token": token, "user_id": 7})
    assert (checked.status_code, checked.json()["code"]) == (401, "401000")


def test_token_calls_are_counted_apart_from_reads_and_writes(alation_sandbox):
    _mint(alation_sandbox)
    counts = alation_sandbox.store.counts
    assert (counts.auth, counts.reads, counts.writes) == (1, 0, 0)
