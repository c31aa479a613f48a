"""Sign-in throttling with django-axes: after the limit, even the right password waits, and says so."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return User.objects.create_user("alice", password="right-password")


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_after_the_failure_limit_sign_in_is_locked_with_a_clear_message(alice):
    client = Client()
    for _ in range(2):
        response = sign_in(client, "alice", "wrong")
        assert response.status_code == 200 and "didn't match" in response.content.decode()
    locked = sign_in(client, "alice", "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-ins for “alice” from your address: try again in 15 minutes." in (
        locked.content.decode()
    )
    # Locked means locked: the right password does not get in either, until the cool-off ends.
    again = sign_in(client, "alice", "right-password")
    assert again.status_code == 429 and "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_so_others_still_sign_in(alice):
    User.objects.create_user("bob", password="bobs-password")
    client = Client()
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    response = sign_in(client, "bob", "bobs-password")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(
        User.objects.get(username="bob").pk
    )


def test_a_successful_sign_in_resets_the_count(alice):
    client = Client()
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "right-password").status_code == 302
    client.logout()
    sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "wrong").status_code == 200  # counting from zero again
