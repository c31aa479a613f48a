"""Refresh token -> access token: each way it can go wrong has its own message; tokens are
re-minted on expiry and on refusal, and no token ever reaches a message, a repr or a log."""

from __future__ import annotations

import logging
import traceback

import pytest
import responses

from integrations.alation.errors import (
    AlationNotAnAlationApiError,
    AlationRefreshTokenExpiredError,
    AlationRefreshTokenInvalidError,
    AlationWrongUserIdError,
)
from integrations.http import CatalogAuthenticationError, CatalogError, CatalogPermissionError
from tests.integrations.alation.support import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_2,
    BASE,
    CREATE_TOKEN,
    REFRESH_TOKEN,
    VALIDATE,
    FakeClock,
    access_ok,
    add_auth,
    error_body,
    make_client,
    refresh_ok,
    sample,
)

TABLES = f"{BASE}/integration/v2/table/"
TABLE = sample("table_v2_list.json")[0]
INVALID_ACCESS = {"detail": "API Access Token provided is invalid.", "code": "401000"}


def token_calls(path: str) -> list[responses.Call]:
    return [c for c in responses.calls if c.request.url.startswith(path)]


@responses.activate
def test_the_first_call_validates_the_refresh_token_mints_an_access_token_and_sends_it_as_token():
    add_auth(responses)
    responses.get(TABLES, json=[TABLE])
    client = make_client()

    assert [t.id for t in client.tables()] == [93]

    assert [c.request.url for c in responses.calls[:2]] == [VALIDATE, CREATE_TOKEN]
    for call in responses.calls[:2]:
        assert call.request.body == f'{{"refresh_token": "{REFRESH_TOKEN}", "user_id": 1}}'.encode()
        assert "TOKEN" not in call.request.headers
    assert responses.calls[2].request.headers["TOKEN"] == ACCESS_TOKEN
    assert "Authorization" not in responses.calls[2].request.headers


@responses.activate
def test_an_expired_refresh_token_answered_with_200_says_when_and_where_to_make_a_new_one():
    responses.post(VALIDATE, json=refresh_ok(token_status="EXPIRED", token_expires_at="2023-01-14T21:52:48Z"))
    client = make_client()

    with pytest.raises(AlationRefreshTokenExpiredError) as caught:
        client.connection_check()

    assert str(caught.value) == (
        "The Alation refresh token expired on 2023-01-14 21:52 UTC. To reconnect, create a new refresh token "
        f"in Alation ({BASE}/account/auth, signed in as that user) and paste it here."
    )
    assert isinstance(caught.value, CatalogAuthenticationError)


@responses.activate
def test_a_revoked_refresh_token_says_it_is_no_longer_active():
    responses.post(VALIDATE, json=refresh_ok(token_status="REVOKED"))
    client = make_client()

    with pytest.raises(AlationRefreshTokenInvalidError, match=r"no longer active \(Alation says REVOKED\)"):
        client.connection_check()


@responses.activate
def test_an_unknown_refresh_token_names_the_user_id_and_what_to_check():
    responses.post(VALIDATE, status=401, json=error_body("invalid_refresh_token"))
    client = make_client()

    with pytest.raises(AlationRefreshTokenInvalidError) as caught:
        client.connection_check()

    message = str(caught.value)
    assert message.startswith("Alation does not accept this refresh token for user id 1: it was revoked")
    assert "number at the end of that user's Alation profile URL (.../user/<id>/)" in message
    assert f"{BASE}/account/auth" in message


@responses.activate
def test_a_refresh_token_of_another_user_names_the_right_user_id():
    responses.post(VALIDATE, json=refresh_ok(user_id=42))
    client = make_client()

    with pytest.raises(AlationWrongUserIdError) as caught:
        client.connection_check()

    assert str(caught.value) == (
        "This refresh token belongs to Alation user id 42, not 1. Set the user id to 42, or paste a refresh "
        "token made by user 1."
    )


@responses.activate
def test_a_user_id_alation_rejects_says_where_the_user_id_comes_from():
    responses.post(VALIDATE, status=400, json={"user_id": ["Invalid user id."]})
    client = make_client()

    with pytest.raises(
        AlationWrongUserIdError, match=r"does not know user id 1 .*profile URL \(\.\.\./user/<id>/\)"
    ):
        client.connection_check()


def test_a_user_id_that_is_not_a_number_is_refused_before_any_call():
    with pytest.raises(ValueError, match="profile URL"):
        make_client(user_id="alice")


def test_the_url_is_cut_back_to_the_host_and_a_user_id_may_come_as_text():
    client = make_client(base_url=f"{BASE}/app/catalog/", user_id=" 7 ")

    assert (client.base_url, client.user_id) == (BASE, 7)


@pytest.mark.parametrize(
    "answer",
    [
        {
            "status": 200,
            "body": "<!DOCTYPE html><html><body>Sign in</body></html>",
            "content_type": "text/html",
        },
        {"status": 404, "body": "<html><body>Page not found</body></html>", "content_type": "text/html"},
        {"status": 404, "json": {"detail": "Not found."}},
        {"status": 405, "json": {"detail": 'Method "POST" not allowed.'}},
        {"status": 200, "json": {"hello": "world"}},
    ],
)
@responses.activate
def test_a_url_that_is_not_alation_says_so_and_what_the_url_should_be(answer):
    responses.post(VALIDATE, **answer)
    client = make_client()

    with pytest.raises(AlationNotAnAlationApiError) as caught:
        client.connection_check()

    assert str(caught.value).startswith(f"{BASE} answered, but it is not an Alation API")
    assert "e.g. https://yourcompany.alationcloud.com, with no path" in str(caught.value)


@responses.activate
def test_a_200_that_says_failed_is_an_invalid_token_with_alations_words():
    responses.post(VALIDATE, json={"status": "failed", "detail": "Token validation failed."})
    client = make_client()

    with pytest.raises(AlationRefreshTokenInvalidError, match=r"Alation said: Token validation failed\."):
        client.connection_check()


@responses.activate
def test_a_refused_mint_is_explained_by_validating_the_refresh_token_again():
    responses.post(VALIDATE, json=refresh_ok())
    responses.post(CREATE_TOKEN, status=401, json=error_body("invalid_refresh_token"))
    responses.post(VALIDATE, json=refresh_ok(token_status="EXPIRED"))
    client = make_client()

    with pytest.raises(AlationRefreshTokenExpiredError):
        client.connection_check()

    assert len(token_calls(VALIDATE)) == 2


@responses.activate
def test_an_access_token_past_its_known_expiry_is_re_minted_before_the_next_page():
    clock = FakeClock()
    add_auth(responses)
    responses.post(CREATE_TOKEN, json=access_ok(ACCESS_TOKEN_2))
    responses.get(TABLES, json=[TABLE], headers={"X-Next-Page": "/integration/v2/table/?limit=1&skip=1"})
    responses.get(TABLES, json=[TABLE | {"id": 94}])
    client = make_client(clock)

    seen = []
    for table in client.tables():
        seen.append(table.id)
        clock.now += 25 * 3600  # the consumer is slow: the 24 h token is gone by the next page

    assert seen == [93, 94]
    pages = token_calls(TABLES)
    assert [p.request.headers["TOKEN"] for p in pages] == [ACCESS_TOKEN, ACCESS_TOKEN_2]
    assert len(token_calls(VALIDATE)) == 1  # re-minting needs no second validation
    assert client.auth.mint_count == 2


@responses.activate
def test_an_access_token_refused_mid_listing_is_re_minted_and_the_listing_completes():
    add_auth(responses)
    responses.post(CREATE_TOKEN, json=access_ok(ACCESS_TOKEN_2))
    responses.get(TABLES, json=[TABLE], headers={"X-Next-Page": "/integration/v2/table/?limit=1&skip=1"})
    responses.get(TABLES, status=401, json=INVALID_ACCESS)
    responses.get(TABLES, json=[TABLE | {"id": 94}])
    client = make_client()

    assert [t.id for t in client.tables()] == [93, 94]

    pages = token_calls(TABLES)
    assert [p.request.url.split("?")[1] for p in pages] == ["limit=1000", "limit=1&skip=1", "limit=1&skip=1"]
    assert [p.request.headers["TOKEN"] for p in pages] == [ACCESS_TOKEN, ACCESS_TOKEN, ACCESS_TOKEN_2]


@responses.activate
def test_a_403_about_missing_credentials_re_mints_but_a_403_about_rights_does_not():
    add_auth(responses)
    responses.post(CREATE_TOKEN, json=access_ok(ACCESS_TOKEN_2))
    responses.get(TABLES, status=403, json=error_body("not_authenticated"))
    responses.get(TABLES, json=[TABLE])
    responses.get(
        f"{BASE}/integration/v2/schema/", status=403, json={"detail": "You do not have permission."}
    )
    client = make_client()

    assert [t.id for t in client.tables()] == [93]
    with pytest.raises(CatalogPermissionError):
        list(client.schemas())

    assert client.auth.mint_count == 2


@responses.activate
def test_a_refresh_token_close_to_expiry_is_warned_about(caplog):
    responses.post(VALIDATE, json=refresh_ok(token_expires_at="2023-11-17T00:00:00Z"))
    responses.post(CREATE_TOKEN, json=access_ok())
    responses.get(f"{BASE}/integration/v2/datasource/", json=[])
    responses.get(f"{BASE}/integration/v1/datasource/", json=[])
    client = make_client()

    with caplog.at_level(logging.WARNING):
        client.connection_check()

    assert any("expires on 2023-11-17 00:00 UTC (in 2 days)" in r.getMessage() for r in caplog.records)


def _texts(error: BaseException) -> list[str]:
    return [str(error), repr(error), "".join(traceback.format_exception(error))]


@responses.activate
def test_no_token_appears_in_any_error_repr_or_log_line_even_when_alation_echoes_them(caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"refresh {REFRESH_TOKEN} access {ACCESS_TOKEN} new {ACCESS_TOKEN_2}"
    add_auth(responses)
    responses.post(CREATE_TOKEN, json=access_ok(ACCESS_TOKEN_2))
    responses.get(TABLES, status=401, json={"detail": echo, "code": "401000"})
    responses.get(TABLES, status=401, json={"detail": echo, "code": "401000"})
    responses.get(f"{BASE}/integration/flag/", status=503, json={"detail": echo})
    responses.get(f"{BASE}/integration/tag/", body=f"<html>{echo}</html>", content_type="text/html")
    client = make_client(max_retries=1)

    texts = [repr(client), repr(client.auth), repr(client.http)]
    for listing in (client.tables, lambda: client.flags("table"), client.tags):
        with pytest.raises(CatalogError) as caught:
            list(listing())
        texts += _texts(caught.value)
    texts += [r.getMessage() for r in caplog.records]
    texts += ["".join(traceback.format_exception(*r.exc_info)) for r in caplog.records if r.exc_info]

    assert client.auth.mint_count == 2  # the second token was minted, so it is known to the scrubber
    for text in texts:
        for secret in (REFRESH_TOKEN, ACCESS_TOKEN, ACCESS_TOKEN_2, "SECRET"):
            assert secret not in text, text
