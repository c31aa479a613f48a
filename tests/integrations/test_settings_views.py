from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog.models import Datastore, Tag
from integrations.models import Integration, IntegrationChange
from integrations.sync.connector import ConnectionProblem
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
TOKEN = "secret-token-123"
TOKEN_INPUT_REST = (
    'autocomplete="off" maxlength="4096" required aria-describedby="id_token_helptext" id="id_token"'
)
FORM = {
    "name": "Atlan prod",
    "integration_type": "atlan",
    "url": "https://acme.atlan.com/",
    "token": TOKEN,
    "event_driven": "on",
    "enable_announcements": "on",
}


def _urls(pk: int) -> list[str]:
    return [
        reverse("integrations:add"),
        reverse("integrations:edit", args=[pk]),
        reverse("integrations:delete", args=[pk]),
    ]


def test_anonymous_users_are_sent_to_sign_in(client):
    integration = make_integration()
    for url in [
        reverse("integrations:list"),
        *_urls(integration.pk),
        reverse("integrations:test", args=[integration.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_viewers_see_cards_without_actions(viewer_http):
    integration = make_integration()
    response = viewer_http.get(reverse("integrations:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Atlan prod" in html and "Connected" in html
    assert reverse("integrations:edit", args=[integration.pk]) not in html
    assert "Add Integration" not in html


def test_viewers_cannot_add_edit_delete_or_test(viewer_http, fake_connector):
    integration = make_integration()
    for url in _urls(integration.pk):
        assert viewer_http.get(url).status_code == 403
        assert viewer_http.post(url, FORM | {"name": "x"}).status_code == 403
    assert viewer_http.post(reverse("integrations:test", args=[integration.pk])).status_code == 403
    assert Integration.objects.get().name == "Atlan prod"


def test_empty_state_explains_what_an_integration_does(admin_http):
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert "No integrations yet" in html and "persona" in html and "custom metadata" in html
    assert "Add Integration" in html


def test_add_form_opens_in_the_modal(admin_http):
    response = admin_http.get(reverse("integrations:add"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Overwrite Tags" in html and "Event Driven" in html and "Enable Announcements" in html
    assert '<option value="alation">Alation</option>' in html and "coming soon" not in html


def test_a_catalog_not_ready_yet_is_listed_as_coming_soon_and_refused(admin_http, fake_connector, settings):
    settings.PLUMBLINE_CONNECTORS = {
        **settings.PLUMBLINE_CONNECTORS,
        "collibra": "tests.integrations.fakes.CollibraSoon",
    }
    html = admin_http.get(reverse("integrations:add"), headers=HTMX).content.decode()
    assert "Collibra (coming soon)" in html
    response = admin_http.post(
        reverse("integrations:add"), FORM | {"integration_type": "collibra"}, headers=HTMX
    )
    assert "coming soon" in response.content.decode() and not Integration.objects.exists()


def test_adding_tries_the_token_and_saves_a_connected_integration(admin_http, fake_connector):
    response = admin_http.post(reverse("integrations:add"), FORM, headers=HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("integrations:list")
    integration = Integration.objects.get()
    assert integration.status == Integration.Status.CONNECTED
    assert integration.url == "https://acme.atlan.com"
    assert integration.token == TOKEN and TOKEN not in integration.credentials_encrypted
    assert (integration.overwrite_tags, integration.event_driven, integration.enable_announcements) == (
        False,
        True,
        True,
    )
    assert fake_connector.seen_tokens == [TOKEN]
    change = IntegrationChange.objects.get()
    assert (
        change.action == "created" and change.changes["token"] == "set" and TOKEN not in str(change.changes)
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "not a url"}, "url", "Enter the catalog"),
        ({"url": "ftp://acme.atlan.com"}, "url", "Enter the catalog"),
        ({"url": "http://acme.atlan.com"}, "url", "Use https"),
        ({"url": "https://user:pw@acme.atlan.com"}, "url", "not in the URL"),
        ({"url": "https://acme.atlan.com:99999"}, "url", "not a valid URL"),
        ({"integration_type": "collibra"}, "integration_type", "Select a valid choice"),
        ({"token": ""}, "token", "This field is required"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_bad_form_input_gets_a_clear_message_and_saves_nothing(
    admin_http, fake_connector, changes, field, message
):
    response = admin_http.post(reverse("integrations:add"), FORM | changes, headers=HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Integration.objects.exists()
    # A token typed is kept for the next try: in its password input of this answer, nowhere else.
    html = response.content.decode()
    typed = (FORM | changes)["token"]
    assert re.findall(rf'<input [^>]*value="{TOKEN}"[^>]*>', html) == (
        [f'<input type="password" name="token" value="{TOKEN}" {TOKEN_INPUT_REST}>'] if typed else []
    )
    assert html.count(TOKEN) == (1 if typed else 0)


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("unreachable", "url"),
        ("tls", "url"),
        ("not_api", "url"),
        ("rejected", "token"),
        ("no_access", "token"),
    ],
)
def test_a_failed_connection_check_shows_why_and_saves_nothing(admin_http, fake_connector, kind, field):
    fake_connector.problem = ConnectionProblem(kind, f"Problem of kind {kind}.")
    response = admin_http.post(reverse("integrations:add"), FORM, headers=HTMX)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [f"Problem of kind {kind}."]
    assert not Integration.objects.exists() and not IntegrationChange.objects.exists()


def test_plain_http_is_allowed_for_loopback(admin_http, fake_connector):
    response = admin_http.post(
        reverse("integrations:add"), FORM | {"url": "http://127.0.0.1:8765"}, headers=HTMX
    )
    assert response.status_code == 200 and "HX-Redirect" in response
    assert Integration.objects.get().url == "http://127.0.0.1:8765"


def test_names_are_unique_without_regard_to_case(admin_http, fake_connector):
    make_integration()
    response = admin_http.post(reverse("integrations:add"), FORM | {"name": "ATLAN PROD"}, headers=HTMX)
    assert "already has this name" in response.content.decode()
    assert Integration.objects.count() == 1


def test_editing_without_a_token_keeps_the_old_one(admin_http, fake_connector):
    integration = make_integration()
    form = FORM | {"token": "", "name": "Atlan renamed", "overwrite_tags": "on"}
    response = admin_http.post(reverse("integrations:edit", args=[integration.pk]), form, headers=HTMX)
    assert response.status_code == 200 and "HX-Redirect" in response
    integration.refresh_from_db()
    assert integration.name == "Atlan renamed" and integration.overwrite_tags and integration.token == TOKEN
    assert fake_connector.seen_tokens == [TOKEN]
    change = IntegrationChange.objects.get(action="updated")
    assert change.changes["name"] == ["Atlan prod", "Atlan renamed"] and "token" not in change.changes


def test_editing_with_a_new_token_replaces_it_after_trying_it(admin_http, fake_connector):
    integration = make_integration()
    admin_http.post(
        reverse("integrations:edit", args=[integration.pk]), FORM | {"token": "new-token-456"}, headers=HTMX
    )
    integration.refresh_from_db()
    assert integration.token == "new-token-456"
    assert IntegrationChange.objects.get(action="updated").changes["token"] == "changed"


def test_a_rejected_new_token_changes_nothing(admin_http, fake_connector):
    integration = make_integration()
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    response = admin_http.post(
        reverse("integrations:edit", args=[integration.pk]),
        FORM | {"token": "bad", "name": "Other"},
        headers=HTMX,
    )
    assert "Atlan rejected the API token." in response.content.decode()
    integration.refresh_from_db()
    assert integration.token == TOKEN and integration.name == "Atlan prod"


def test_the_token_is_never_rendered_back(admin_http, fake_connector):
    integration = make_integration()
    pages = [
        admin_http.get(reverse("integrations:list")),
        admin_http.get(reverse("integrations:edit", args=[integration.pk]), headers=HTMX),
        admin_http.get(reverse("integrations:edit", args=[integration.pk])),
        admin_http.get(reverse("integrations:delete", args=[integration.pk]), headers=HTMX),
        # Nothing typed: the stored token stays out of the answer (a typed one comes back: see above).
        admin_http.post(
            reverse("integrations:edit", args=[integration.pk]),
            FORM | {"url": "bad", "token": ""},
            headers=HTMX,
        ),
        admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX),
        admin_http.get(reverse("integrations:run_list", args=[integration.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert TOKEN not in page.content.decode()
        assert integration.credentials_encrypted not in page.content.decode()


def test_deleting_says_what_happens_to_external_tags_and_removes_them(admin_http, fake_connector):
    integration = make_integration()
    ds = Datastore.objects.create(name="Sales", connector_type="snowflake")
    external = Tag.objects.create(name="PII", tag_type="external", integration=integration)
    global_tag = Tag.objects.create(name="Finance")
    ds.tags.add(external, global_tag)
    confirm = admin_http.get(
        reverse("integrations:delete", args=[integration.pk]), headers=HTMX
    ).content.decode()
    assert "<b>1</b> external tag will be removed" in confirm
    response = admin_http.post(reverse("integrations:delete", args=[integration.pk]), headers=HTMX)
    assert response["HX-Redirect"] == reverse("integrations:list")
    assert not Integration.objects.exists()
    assert list(ds.tags.values_list("name", flat=True)) == ["Finance"]
    assert IntegrationChange.objects.get(action="deleted").changes == {"external_tags_removed": 1}


def test_test_connection_updates_the_status(admin_http, fake_connector):
    integration = make_integration()
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX)
    assert response.status_code == 200 and "Needs re-authentication" in response.content.decode()
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    fake_connector.problem = None
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX)
    assert "Connected" in response.content.decode()
    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED


def test_the_card_shows_the_schedule(admin_http, fake_connector):
    make_integration(schedule_minutes=360)
    assert "Scheduled every 6 hours" in admin_http.get(reverse("integrations:list")).content.decode()


def test_django_admin_never_shows_the_token(client, fake_connector):
    from django.contrib.auth.models import User

    integration = make_integration()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    html = client.get(f"/admin/integrations/integration/{integration.pk}/change/").content.decode()
    assert "Atlan prod" in html and TOKEN not in html and integration.credentials_encrypted not in html
