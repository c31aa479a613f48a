"""Settings › Integrations against the Atlan sandbox over real HTTP (no fakes)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Integration
from tests.helpers import HTMX

pytestmark = pytest.mark.django_db


def _form(sandbox, **changes):
    return {
        "name": "Sandbox",
        "integration_type": "atlan",
        "url": sandbox.url,
        "token": sandbox.token,
        "event_driven": "on",
        "enable_announcements": "on",
    } | changes


def test_adding_the_sandbox_with_the_demo_token_marks_it_connected(admin_http, atlan_sandbox):
    response = admin_http.post(reverse("integrations:add"), _form(atlan_sandbox), headers=HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("integrations:list")
    integration = Integration.objects.get()
    assert integration.status == Integration.Status.CONNECTED
    assert "service-account-apikey-plumbline-demo" in integration.status_message
    page = admin_http.get(reverse("integrations:list")).content.decode()
    assert "Connected" in page and atlan_sandbox.token not in page


def test_a_wrong_token_shows_the_rejected_token_error_and_saves_nothing(admin_http, atlan_sandbox):
    response = admin_http.post(
        reverse("integrations:add"), _form(atlan_sandbox, token="wrong-token"), headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert "rejected the API token" in html
    # The typed token comes back for the next try in its password input only, never in the message.
    assert html.count("wrong-token") == 1 and 'type="password" name="token" value="wrong-token"' in html
    assert not Integration.objects.exists()


def test_a_host_that_does_not_answer_is_reported_on_the_url(admin_http, atlan_sandbox):
    url = atlan_sandbox.url
    atlan_sandbox.stop()
    response = admin_http.post(reverse("integrations:add"), _form(atlan_sandbox, url=url), headers=HTMX)
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not Integration.objects.exists()


def test_test_connection_against_the_sandbox_updates_the_card(admin_http, atlan_sandbox):
    integration = Integration(name="Sandbox", url=atlan_sandbox.url, status=Integration.Status.ERROR)
    integration.token = atlan_sandbox.token
    integration.save()
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX)
    assert "Connected" in response.content.decode()
    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED
