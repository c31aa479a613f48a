"""Settings › Integrations with an Alation integration, against the Alation sandbox over HTTP:
the connection check on save (a message per failure, on the field to fix), the Domains field,
secrets never shown, and the card's warning before the refresh token expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.alation.connector import AlationConnector
from integrations.models import Integration, IntegrationChange
from integrations.sync.connector import ConnectionProblem
from sandbox.alation.auth import RefreshToken, User
from tests.helpers import HTMX
from tests.integrations.alation.syncing import integration_make

pytestmark = pytest.mark.django_db
DAY = 86_400


def form(sandbox, **changes) -> dict:
    return {
        "name": "Alation sandbox",
        "integration_type": "alation",
        "url": sandbox.url,
        "user_id": str(sandbox.user_id),
        "refresh_token": sandbox.refresh_token,
        "event_driven": "on",
        "enable_announcements": "on",
    } | changes


def add(admin_http, sandbox, **changes):
    return admin_http.post(reverse("integrations:add"), form(sandbox, **changes), headers=HTMX)


def test_the_add_form_for_alation_asks_for_url_user_id_refresh_token_and_domains(admin_http):
    url = reverse("integrations:add") + "?integration_type=alation"
    html = admin_http.get(url, headers=HTMX).content.decode()
    assert 'placeholder="https://your-company.alationcloud.com"' in html
    assert 'name="user_id"' in html and 'type="password" name="refresh_token"' in html
    assert "Domains" in html and reverse("integrations:add_choices", args=["domains"]) in html
    assert "Put WARNING trust flags on tables with active anomalies in the catalog." in html


def test_adding_alation_with_the_demo_credentials_connects_and_stores_them_encrypted(
    admin_http, alation_sandbox
):
    # As the browser posts it: the ticked ids, and every listed choice with its name beside it.
    listed = {"domains__choice": ["1", "4"], "domains__label": ["Sales", "Sales › Orders"]}
    response = add(admin_http, alation_sandbox, domains=["4", "1"], **listed)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("integrations:list")
    integration = Integration.objects.get()
    assert (integration.integration_type, integration.status) == ("alation", Integration.Status.CONNECTED)
    assert integration.status_message == "Connected as Alation user 7"
    assert integration.credentials == {"user_id": "7", "refresh_token": alation_sandbox.refresh_token}
    assert alation_sandbox.refresh_token not in integration.credentials_encrypted
    assert integration.parameters == {
        "domains": [{"id": "4", "name": "Sales › Orders"}, {"id": "1", "name": "Sales"}]
    }
    assert integration.credentials_expire_at > timezone.now() + timedelta(days=50)
    change = IntegrationChange.objects.get()
    assert change.changes["refresh_token"] == "set" and alation_sandbox.refresh_token not in str(
        change.changes
    )
    page = admin_http.get(reverse("integrations:list")).content.decode()
    assert "Alation sandbox" in page and "Connected" in page and alation_sandbox.refresh_token not in page
    assert "credentials expire" not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"refresh_token": "plumbline-expired-refresh-token"}, "refresh_token", "refresh token expired on"),
        ({"refresh_token": "plumbline-revoked-refresh-token"}, "refresh_token", "revoked"),
        ({"user_id": "3"}, "refresh_token", "for user id 3"),
        ({"user_id": "seven"}, "user_id", "user id is a number"),
    ],
)
def test_a_refused_credential_gets_its_own_message_on_its_field_and_nothing_is_saved(
    admin_http, alation_sandbox, changes, field, message
):
    response = add(admin_http, alation_sandbox, **changes)
    assert response.status_code == 200 and "HX-Redirect" not in response
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    html = response.content.decode()
    # The typed token is kept for the next try: in its password input of this answer only.
    typed = changes.get("refresh_token", alation_sandbox.refresh_token)
    assert html.count(typed) == 1 and f'type="password" name="refresh_token" value="{typed}"' in html
    assert not Integration.objects.exists()


def test_a_revoked_token_that_alation_reports_as_revoked_says_so(admin_http, alation_sandbox):
    alation_sandbox.behaviour.configure(revoked_refresh_token="status")
    response = add(admin_http, alation_sandbox, refresh_token="plumbline-revoked-refresh-token")
    assert "Alation says REVOKED" in " ".join(response.context["form"].errors["refresh_token"])


def test_a_url_that_is_not_an_alation_api_is_reported_on_the_url(admin_http, alation_sandbox, atlan_sandbox):
    response = add(admin_http, alation_sandbox, url=atlan_sandbox.url)
    assert "not an Alation API" in " ".join(response.context["form"].errors["url"])
    assert not Integration.objects.exists()


def test_a_user_who_sees_no_data_source_is_told_to_get_access(admin_http, alation_sandbox):
    store = alation_sandbox.store
    store.auth.add_user(User(id=9, username="nobody", display_name="No One", email="", data_sources=[]))
    now = store.now()
    store.auth.add_refresh_token(RefreshToken(99, "nobody-token", 9, "nobody", now, now + 30 * DAY))
    response = add(admin_http, alation_sandbox, user_id="9", refresh_token="nobody-token")
    assert "sees no data source" in " ".join(response.context["form"].errors["refresh_token"])


def test_a_refresh_token_close_to_its_expiry_shows_a_warning_on_the_card(admin_http, alation_sandbox):
    store = alation_sandbox.store
    now = store.now()
    store.auth.add_refresh_token(RefreshToken(98, "short-lived-token", 7, "short", now - DAY, now + 3 * DAY))
    add(admin_http, alation_sandbox, refresh_token="short-lived-token")
    page = admin_http.get(reverse("integrations:list")).content.decode()
    assert "The credentials expire on" in page and "make new ones in Alation" in page
    assert Integration.objects.get().credentials_expiring


def test_editing_keeps_the_stored_refresh_token_shows_the_user_id_and_lists_domains(
    admin_http, alation_sandbox
):
    integration = integration_make(alation_sandbox, parameters={"domains": [4]})
    edit = reverse("integrations:edit", args=[integration.pk])
    html = admin_http.get(edit, headers=HTMX).content.decode()
    assert 'value="7"' in html and alation_sandbox.refresh_token not in html
    assert 'hx-trigger="load, click' in html and 'value="4" checked' in html
    choices = admin_http.post(
        reverse("integrations:edit_choices", args=[integration.pk, "domains"]),
        {"url": alation_sandbox.url, "user_id": "7", "refresh_token": "", "domains": ["4"]},
        headers=HTMX,
    ).content.decode()
    assert "Sales › Orders" in choices and 'value="4" checked' in choices and 'value="2">' in choices
    listed = {"domains__choice": ["2", "4"], "domains__label": ["Product", "Sales › Orders"]}
    response = admin_http.post(
        edit, form(alation_sandbox, refresh_token="", domains=["2"], **listed), headers=HTMX
    )
    assert response.status_code == 200 and "HX-Redirect" in response
    integration.refresh_from_db()
    assert integration.credential("refresh_token") == alation_sandbox.refresh_token
    # Saved before names were kept (bare ids), now saved with the name the catalog gave.
    assert integration.parameters == {"domains": [{"id": "2", "name": "Product"}]}
    change = IntegrationChange.objects.get(action="updated")
    assert change.changes["parameters"] == [{"domains": [4]}, {"domains": [{"id": "2", "name": "Product"}]}]


def test_the_domain_list_uses_what_the_form_holds_escapes_titles_and_explains_failures(
    admin_http, alation_sandbox
):
    alation_sandbox.store.domains.add(9, "<script>alert(1)</script>")
    url = reverse("integrations:add_choices", args=["domains"])
    good = admin_http.post(url, form(alation_sandbox), headers=HTMX).content.decode()
    assert "&lt;script&gt;" in good and "<script>alert" not in good
    bad = admin_http.post(url, form(alation_sandbox, refresh_token="wrong"), headers=HTMX).content.decode()
    assert "does not accept this refresh token" in bad and "wrong" not in bad.replace("does not accept", "")
    assert admin_http.post(url, form(alation_sandbox, url="ftp://x"), headers=HTMX).status_code == 200


def test_viewers_cannot_list_domains(viewer_http, alation_sandbox):
    url = reverse("integrations:add_choices", args=["domains"])
    assert viewer_http.post(url, form(alation_sandbox)).status_code == 403


def test_the_connection_check_reads_one_data_source_and_never_echoes_a_token(alation_sandbox):
    with pytest.raises(ConnectionProblem) as problem:
        AlationConnector().connection_test(
            url=alation_sandbox.url, credentials={"user_id": "7", "refresh_token": "not-the-token-1234"}
        )
    assert "not-the-token-1234" not in problem.value.message
    ok = AlationConnector().connection_test(
        url=alation_sandbox.url, credentials={"user_id": "7", "refresh_token": alation_sandbox.refresh_token}
    )
    assert "4 data sources visible" in ok.detail and ok.expires_at is not None


def test_domains_ticked_before_a_refused_save_stay_ticked(admin_http, alation_sandbox):
    response = add(
        admin_http, alation_sandbox, refresh_token="plumbline-expired-refresh-token", domains=["4"]
    )
    html = response.content.decode()
    assert 'value="4" checked' in html and 'hx-trigger="load, click' in html
    assert not Integration.objects.exists()


def test_test_connection_marks_an_expired_refresh_token_for_re_authentication(admin_http, alation_sandbox):
    integration = integration_make(alation_sandbox, refresh_token="plumbline-expired-refresh-token")
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX)
    html = response.content.decode()
    assert (
        response.status_code == 200 and "Needs re-authentication" in html and "refresh token expired" in html
    )
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert "plumbline-expired-refresh-token" not in html
