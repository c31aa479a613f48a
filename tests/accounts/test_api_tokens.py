"""Personal API tokens: made and shown once, stored hashed, listed with their last use, revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from tests.helpers import HTMX, token_client

pytestmark = pytest.mark.django_db
PAGE = reverse("accounts:api_tokens")
ADD = reverse("accounts:api_token_add")


def test_only_a_hash_of_the_key_is_stored(admin):
    token, key = api_token_create(user=admin, name="pipeline")
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key.startswith("plb_") and len(key) > 50
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(row) and row["prefix"] == key[:12]


def test_each_key_is_new(admin):
    keys = {api_token_create(user=admin, name=f"t{i}")[1] for i in range(5)}
    assert len(keys) == 5


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (PAGE, ADD):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_is_a_settings_tab_with_an_empty_state(viewer_http):
    html = viewer_http.get(PAGE).content.decode()
    assert "API tokens" in html and "No API tokens yet" in html
    assert reverse("integrations:list") in html and 'aria-current="page">API tokens' in html
    assert "a Viewer's token reads" in html


def test_integrations_page_links_to_the_api_tokens_tab(admin_http):
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert PAGE in html


def test_creating_a_token_shows_its_key_once_in_the_modal(viewer_http, viewer):
    form = viewer_http.get(ADD, headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.content.decode()
    response = viewer_http.post(ADD, {"name": "nightly scan"}, headers=HTMX)
    html = response.content.decode()
    token = ApiToken.objects.get()
    key = response.context["key"]
    assert token.user == viewer and token.name == "nightly scan"
    assert key in html and "cannot show it again" in html
    assert "no-store" in response["Cache-Control"]
    assert "api-tokens:changed" in response["HX-Trigger"]
    # Never again: the list shows the prefix only.
    listing = viewer_http.get(PAGE).content.decode()
    assert key not in listing and token.prefix in listing and "nightly scan" in listing


def test_creating_without_htmx_shows_the_key_on_a_page(admin_http):
    response = admin_http.post(ADD, {"name": "deploy"})
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert response.context["key"] in response.content.decode()


def test_a_token_needs_a_name(admin_http):
    response = admin_http.post(ADD, {"name": "  "}, headers=HTMX)
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_when_each_token_was_last_used(admin_http, admin):
    api = token_client(admin, name="used one")
    api_token_create(user=admin, name="never used")
    assert api.get("/api/").status_code == 200
    fragment = admin_http.get(PAGE + "?fragment=tokens", headers=HTMX).content.decode()
    assert "<html" not in fragment
    used = fragment[fragment.index("used one") :]
    assert "ago" in used.split("</tr>")[0]
    never = fragment[fragment.index("never used") :]
    assert "Never" in never.split("</tr>")[0]


def test_last_used_is_written_at_most_once_a_minute(admin):
    api = token_client(admin)
    api.get("/api/")
    token = ApiToken.objects.get()
    first = token.last_used_at
    assert first is not None
    api.get("/api/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_revoking_stops_the_token_at_once_and_keeps_it_listed(admin_http, admin):
    api = token_client(admin, name="old script")
    token = ApiToken.objects.get()
    assert api.get("/api/").status_code == 200
    response = admin_http.post(reverse("accounts:api_token_revoke", args=[token.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Revoked" in html and "old script" in html
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = api.get("/api/")
    assert refused.status_code == 401 and refused.json() == {"detail": "Invalid or revoked token."}


def test_revoking_without_htmx_redirects_with_a_message(admin_http, admin):
    token, _ = api_token_create(user=admin, name="x")
    response = admin_http.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)
    assert "was revoked" in response.content.decode()


def test_revoking_twice_keeps_the_first_time(admin):
    token, _ = api_token_create(user=admin, name="x")
    api_token_revoke(token=token)
    first = ApiToken.objects.get().revoked_at
    api_token_revoke(token=ApiToken.objects.get())
    assert ApiToken.objects.get().revoked_at == first


def test_users_see_and_revoke_only_their_own_tokens(viewer_http, admin):
    token, _ = api_token_create(user=admin, name="admin's token")
    assert "admin's token" not in viewer_http.get(PAGE).content.decode()
    response = viewer_http.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_revoke_needs_a_post(admin_http, admin):
    token, _ = api_token_create(user=admin, name="x")
    assert admin_http.get(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 405


def test_active_tokens_are_listed_before_revoked_ones(admin_http, admin):
    older, _ = api_token_create(user=admin, name="revoked-one")
    api_token_revoke(token=older)
    api_token_create(user=admin, name="active-one")
    ApiToken.objects.filter(name="active-one").update(created_at=timezone.now() - timedelta(days=3))
    html = admin_http.get(PAGE).content.decode()
    assert html.index("active-one") < html.index("revoked-one")


def test_superusers_revoke_anyones_token_in_the_django_admin(client, admin):
    root = User.objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(root)
    token, key = api_token_create(user=admin, name="lost laptop")
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert "lost laptop" in listing and key not in listing and token.key_hash not in listing
    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
