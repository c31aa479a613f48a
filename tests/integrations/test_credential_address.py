"""A stored credential is only ever sent to the host it was typed for; the Django admin is read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from integrations.models import Integration, IntegrationChange
from integrations.services import ADDRESS_CHANGED_MESSAGE, CredentialsRequired, integration_update
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
TOKEN = "secret-token-123"
FORM = {
    "name": "Atlan prod",
    "integration_type": "atlan",
    "url": "https://acme.atlan.com",
    "token": "",
    "event_driven": "on",
    "enable_announcements": "on",
}


def edit(admin_http, integration: Integration, **fields: str):
    return admin_http.post(reverse("integrations:edit", args=[integration.pk]), FORM | fields, headers=HTMX)


@pytest.mark.parametrize(
    "url",
    [
        "https://listener.example.net",  # another host
        "https://ACME.atlan.com.evil.example",  # a host that only starts alike
        "https://acme.atlan.com:8443",  # another port on the same host
        "http://localhost:9999",  # a listener on this machine
    ],
)
def test_changing_the_address_without_typing_the_token_again_is_refused_and_sends_nothing(
    admin_http, fake_connector, url
):
    integration = make_integration()
    response = edit(admin_http, integration, url=url)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert (
        "The address changed: enter the token again so it is only ever sent to a host you typed it for."
        in html
    )
    assert fake_connector.seen_tokens == []  # the stored token went nowhere
    integration.refresh_from_db()
    assert integration.url == "https://acme.atlan.com" and integration.token == TOKEN
    assert not IntegrationChange.objects.filter(action="updated").exists()


def test_the_service_refuses_it_too_whoever_calls_it(fake_connector):
    integration = make_integration()
    with pytest.raises(CredentialsRequired) as refused:
        integration_update(integration=integration, user=None, url="https://listener.example.net")
    assert refused.value.fields == ["token"] and str(refused.value) == ADDRESS_CHANGED_MESSAGE
    assert fake_connector.seen_tokens == []
    assert Integration.objects.get().url == "https://acme.atlan.com"


def test_a_new_address_with_the_token_typed_again_is_saved_and_both_changes_are_logged(
    admin_http, fake_connector
):
    integration = make_integration()
    response = edit(admin_http, integration, url="https://acme-eu.atlan.com", token=TOKEN)
    assert "HX-Redirect" in response
    assert fake_connector.seen_tokens == [TOKEN]
    integration.refresh_from_db()
    assert integration.url == "https://acme-eu.atlan.com" and integration.token == TOKEN
    changes = IntegrationChange.objects.get(action="updated").changes
    assert changes["url"] == ["https://acme.atlan.com", "https://acme-eu.atlan.com"]
    assert changes["token"] == "entered again"


def test_a_new_address_with_a_new_token_logs_the_token_as_changed(admin_http, fake_connector):
    integration = make_integration()
    edit(admin_http, integration, url="https://acme-eu.atlan.com", token="new-token-456")
    changes = IntegrationChange.objects.get(action="updated").changes
    assert changes["url"][1] == "https://acme-eu.atlan.com" and changes["token"] == "changed"


def test_the_same_address_written_differently_keeps_the_stored_token(admin_http, fake_connector):
    integration = make_integration()
    response = edit(admin_http, integration, url="https://ACME.atlan.com:443/some/path")
    assert "HX-Redirect" in response
    assert fake_connector.seen_tokens == [TOKEN]


@pytest.fixture
def superuser_http(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_the_django_admin_shows_integrations_read_only(superuser_http, fake_connector):
    integration = make_integration()
    change_url = f"/admin/integrations/integration/{integration.pk}/change/"
    page = superuser_http.get(change_url)
    html = page.content.decode()
    assert page.status_code == 200 and "Atlan prod" in html
    assert 'name="_save"' not in html and TOKEN not in html
    assert superuser_http.post(change_url, {"name": "x", "url": "https://evil.example"}).status_code == 403
    assert superuser_http.get("/admin/integrations/integration/add/").status_code == 403
    assert superuser_http.post(f"/admin/integrations/integration/{integration.pk}/delete/").status_code == 403
    assert Integration.objects.get().url == "https://acme.atlan.com"
    assert superuser_http.get("/admin/integrations/integrationchange/add/").status_code == 403
