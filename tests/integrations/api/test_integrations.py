"""/api/integrations: list, create, read, replace, change, delete and test, with the form's rules."""

from __future__ import annotations

import pytest

from catalog.models import Tag
from integrations.models import Integration, IntegrationChange
from integrations.sync.connector import ConnectionProblem
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
TOKEN = "secret-token-123"
BODY = {
    "name": "Atlan prod",
    "type": "atlan",
    "api_url": "https://acme.atlan.com/",
    "api_access_token": TOKEN,
}
SHAPE = {
    "id",
    "name",
    "type",
    "type_label",
    "api_url",
    "parameters",
    "overwrite",
    "event_driven",
    "enable_announcements",
    "schedule_minutes",
    "schedule_pull",
    "schedule_push",
    "status",
    "status_message",
    "connected",
    "last_synced",
    "created",
    "updated",
    "external_tag_count",
    "active_run",
    "last_run",
}


def _url(pk: int) -> str:
    return f"/api/integrations/{pk}"


# List


def test_the_list_is_a_page_of_items_with_the_total(viewer_api):
    for name in ("B", "A", "C"):
        make_integration(name=name)
    body = viewer_api.get("/api/integrations?size=2").json()
    assert (body["total"], body["page"], body["size"]) == (3, 1, 2)
    assert [i["name"] for i in body["items"]] == ["A", "B"]
    assert set(body["items"][0]) == SHAPE
    second = viewer_api.get("/api/integrations?size=2&page=2").json()
    assert [i["name"] for i in second["items"]] == ["C"]
    assert viewer_api.get("/api/integrations?page=9").json()["items"] == []


def test_the_list_uses_the_modelled_products_names(viewer_api):
    make_integration(overwrite_tags=True, event_driven=False)
    item = viewer_api.get("/api/integrations").json()["items"][0]
    assert item | {"id": 0, "created": "", "updated": ""} == {
        "id": 0,
        "name": "Atlan prod",
        "type": "atlan",
        "type_label": "Atlan",
        "api_url": "https://acme.atlan.com",
        "parameters": {},
        "overwrite": True,
        "event_driven": False,
        "enable_announcements": True,
        "schedule_minutes": 0,
        "schedule_pull": True,
        "schedule_push": True,
        "status": "connected",
        "status_message": "",
        "connected": True,
        "last_synced": None,
        "created": "",
        "updated": "",
        "external_tag_count": 0,
        "active_run": None,
        "last_run": None,
    }


# Create


def test_adding_tries_the_token_then_saves_a_connected_integration(admin_api, fake_connector):
    response = admin_api.post("/api/integrations", BODY)
    body = response.json()
    assert response.status_code == 201 and set(body) == SHAPE
    assert response["Location"] == _url(body["id"])
    assert fake_connector.seen_tokens == [TOKEN]
    integration = Integration.objects.get()
    assert integration.token == TOKEN and integration.url == "https://acme.atlan.com"
    assert body["status"] == "connected" and body["connected"] is True
    assert body["status_message"] == "Connected as service-account-apikey-demo"
    change = IntegrationChange.objects.get()
    assert change.action == "created" and change.user.username == "alice-admin"
    assert change.changes["token"] == "set"


def test_adding_takes_the_options_and_stores_the_domains(admin_api, fake_connector):
    domains = [{"id": "d-1", "name": "Sales"}, {"id": "d-2", "name": "Finance"}]
    body = admin_api.post(
        "/api/integrations",
        BODY
        | {
            "overwrite": True,
            "event_driven": False,
            "enable_announcements": False,
            "schedule_minutes": 60,
            "schedule_push": False,
            "parameters": {"domains": domains},
        },
    ).json()
    integration = Integration.objects.get()
    assert (integration.overwrite_tags, integration.event_driven, integration.enable_announcements) == (
        True,
        False,
        False,
    )
    assert (integration.schedule_minutes, integration.schedule_pull, integration.schedule_push) == (
        60,
        True,
        False,
    )
    assert integration.parameters == {"domains": domains}
    assert body["parameters"] == {"domains": domains}
    assert IntegrationChange.objects.get().changes["parameters"] == [None, {"domains": domains}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"api_url": "ftp://acme"},
            "api_url",
            "Enter the catalog's address, such as https://your-company.atlan.com.",
        ),
        (
            {"api_url": "http://acme.atlan.com"},
            "api_url",
            "Use https: plain http is only allowed for this machine",
        ),
        ({"api_url": "https://user:pw@acme.atlan.com"}, "api_url", "Put the API token in the token field"),
        ({"api_access_token": ""}, "api_access_token", "This field is required."),
        ({"type": "looker"}, "type", '"looker" is not a valid choice.'),
        ({"schedule_minutes": 5}, "schedule_minutes", '"5" is not a valid choice.'),
    ],
)
def test_adding_reports_the_forms_messages_on_the_apis_fields(
    admin_api, fake_connector, changes, field, message
):
    response = admin_api.post("/api/integrations", BODY | changes)
    body = response.json()
    assert response.status_code == 400
    assert body["errors"][field][0].startswith(message)
    assert body["detail"].startswith(f"{field}: {message}")
    assert not Integration.objects.exists()


def test_a_name_taken_in_another_case_is_refused(admin_api, fake_connector):
    make_integration(name="ATLAN PROD")
    body = admin_api.post("/api/integrations", BODY).json()
    assert body["errors"] == {"name": ["Another integration already has this name."]}


def test_required_fields_are_named(admin_api):
    body = admin_api.post("/api/integrations", {}).json()
    assert set(body["errors"]) == {"name", "type", "api_url"}


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        (ConnectionProblem("rejected", "Atlan rejected the API token."), "api_access_token"),
        (ConnectionProblem("no_access", "The token is valid but cannot read any asset."), "api_access_token"),
        (ConnectionProblem("unreachable", "Nothing answers at acme.atlan.com."), "api_url"),
        (ConnectionProblem("not_api", "This does not look like an Atlan API.", field="url"), "api_url"),
    ],
)
def test_a_failed_connection_check_is_a_field_error_and_saves_nothing(
    admin_api, fake_connector, problem, field
):
    fake_connector.problem = problem
    response = admin_api.post("/api/integrations", BODY)
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [problem.message]}
    assert not Integration.objects.exists() and not IntegrationChange.objects.exists()


def test_credentials_another_type_takes_are_refused(admin_api, fake_connector):
    body = admin_api.post(
        "/api/integrations", BODY | {"api_refresh_token": "r-1", "parameters": {"user_id": "7"}}
    ).json()
    assert body["errors"] == {
        "api_refresh_token": ["Atlan integrations take no api_refresh_token."],
        "parameters": {"user_id": ["Atlan integrations take no parameters.user_id."]},
    }


@pytest.mark.parametrize(
    ("parameters", "errors"),
    [
        ({"scope": "all"}, {"scope": ["Unknown parameter."]}),
        ({"domains": [{"id": "d-1"}]}, {"domains": {"0": {"name": ["This field is required."]}}}),
        (
            {"domains": "Sales"},
            {"domains": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
    ],
)
def test_parameters_are_checked(admin_api, fake_connector, parameters, errors):
    body = admin_api.post("/api/integrations", BODY | {"parameters": parameters}).json()
    assert body["errors"] == {"parameters": errors}
    assert body["detail"].startswith("parameters.")


# Read


def test_reading_one_integration(viewer_api):
    integration = make_integration()
    body = viewer_api.get(_url(integration.pk)).json()
    assert body["id"] == integration.pk and set(body) == SHAPE


# Replace (PUT) and change (PATCH)


def test_put_needs_name_and_url_and_keeps_an_omitted_token(admin_api, fake_connector):
    integration = make_integration(token=TOKEN)
    assert set(admin_api.put(_url(integration.pk), {}).json()["errors"]) == {"name", "api_url"}
    response = admin_api.put(_url(integration.pk), {"name": "Renamed", "api_url": "https://acme.atlan.com/"})
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    integration.refresh_from_db()
    assert (integration.name, integration.url, integration.token) == (
        "Renamed",
        "https://acme.atlan.com",
        TOKEN,
    )
    assert fake_connector.seen_tokens == [TOKEN]
    change = IntegrationChange.objects.get()
    assert change.action == "updated" and change.changes["name"] == ["Atlan prod", "Renamed"]
    assert "token" not in change.changes


def test_a_new_host_needs_the_token_again_and_changes_nothing_without_it(admin_api, fake_connector):
    integration = make_integration(token=TOKEN)
    response = admin_api.patch(_url(integration.pk), {"api_url": "https://collector.example.com"})
    assert response.status_code == 400
    assert "enter the token again" in str(response.json()["errors"]["api_access_token"])
    integration.refresh_from_db()
    assert integration.url == "https://acme.atlan.com" and fake_connector.seen_tokens == []


def test_patch_changes_only_what_it_sends(admin_api, fake_connector):
    integration = make_integration(token=TOKEN, overwrite_tags=True, schedule_minutes=60)
    response = admin_api.patch(_url(integration.pk), {"event_driven": False})
    assert response.status_code == 200
    integration.refresh_from_db()
    assert (integration.event_driven, integration.overwrite_tags, integration.schedule_minutes) == (
        False,
        True,
        60,
    )
    assert IntegrationChange.objects.get().changes == {"event_driven": [True, False]}


def test_patch_with_a_new_token_tries_it_and_logs_it_changed(admin_api, fake_connector):
    integration = make_integration(token=TOKEN)
    admin_api.patch(_url(integration.pk), {"api_access_token": "new-token-456"})
    integration.refresh_from_db()
    assert integration.token == "new-token-456" and fake_connector.seen_tokens == ["new-token-456"]
    assert IntegrationChange.objects.get().changes == {"token": "changed"}


def test_a_rejected_new_token_changes_nothing(admin_api, fake_connector):
    integration = make_integration(token=TOKEN)
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    response = admin_api.patch(_url(integration.pk), {"api_access_token": "bad", "name": "New name"})
    assert response.json()["errors"] == {"api_access_token": ["Atlan rejected the API token."]}
    integration.refresh_from_db()
    assert (integration.token, integration.name) == (TOKEN, "Atlan prod")


def test_patch_replaces_the_domains_and_keeps_other_parameters(admin_api, fake_connector):
    integration = make_integration(parameters={"domains": [{"id": "a", "name": "A"}], "connections": ["x"]})
    body = admin_api.patch(_url(integration.pk), {"parameters": {"domains": []}}).json()
    assert body["parameters"] == {"domains": [], "connections": ["x"]}
    integration.refresh_from_db()
    assert integration.parameters == {"domains": [], "connections": ["x"]}


def test_the_type_cannot_change(admin_api, fake_connector):
    integration = make_integration()
    assert admin_api.patch(_url(integration.pk), {"type": "atlan"}).status_code == 200
    body = admin_api.patch(_url(integration.pk), {"type": "alation"}).json()
    assert body["errors"] == {"type": ["The type of an existing integration cannot change."]}


def test_changing_a_missing_integration_is_404(admin_api):
    assert admin_api.patch(_url(999), {"name": "x"}).status_code == 404
    assert admin_api.put(_url(999), {"name": "x", "api_url": "https://a"}).status_code == 404


# Credentials by type: the same contract for Alation's user id and refresh token


def test_an_alation_like_type_takes_a_user_id_and_a_refresh_token(admin_api, fake_alation):
    body = {"name": "Alation", "type": "alation", "api_url": "https://acme.alationcloud.com"}
    missing = admin_api.post("/api/integrations", body).json()
    assert missing["errors"] == {
        "parameters": {"user_id": ["This field is required."]},
        "api_refresh_token": ["This field is required."],
    }
    created = admin_api.post(
        "/api/integrations", body | {"api_refresh_token": "refresh-xyz", "parameters": {"user_id": "7"}}
    ).json()
    assert fake_alation.seen == [{"user_id": "7", "refresh_token": "refresh-xyz"}]
    assert created["parameters"] == {"user_id": "7"} and "refresh-xyz" not in str(created)
    integration = Integration.objects.get(name="Alation")
    assert integration.credentials == {"user_id": "7", "refresh_token": "refresh-xyz"}
    changed = admin_api.patch(_url(integration.pk), {"parameters": {"user_id": "8"}}).json()
    assert changed["parameters"] == {"user_id": "8"}
    integration.refresh_from_db()
    assert integration.credentials == {"user_id": "8", "refresh_token": "refresh-xyz"}


def test_an_alation_like_type_refuses_the_atlan_token(admin_api, fake_alation):
    body = admin_api.post(
        "/api/integrations",
        {
            "name": "Alation",
            "type": "alation",
            "api_url": "https://acme.alationcloud.com",
            "api_refresh_token": "r",
            "api_access_token": "t",
            "parameters": {"user_id": "7"},
        },
    ).json()
    assert body["errors"] == {"api_access_token": ["Alation integrations take no api_access_token."]}


# Delete and test


def test_deleting_removes_its_external_tags_and_logs_it(admin_api):
    integration = make_integration()
    Tag.objects.create(name="PII-x", tag_type="external", integration=integration)
    response = admin_api.delete(_url(integration.pk))
    assert response.status_code == 200
    assert response.json() == {"id": integration.pk, "name": "Atlan prod", "external_tags_removed": 1}
    assert not Integration.objects.exists() and not Tag.objects.exists()
    assert IntegrationChange.objects.get().action == "deleted"
    assert admin_api.delete(_url(integration.pk)).status_code == 404


def test_testing_the_connection_records_the_outcome(admin_api, fake_connector):
    integration = make_integration(status=Integration.Status.ERROR)
    body = admin_api.post(f"{_url(integration.pk)}/test").json()
    assert body["status"] == "connected" and body["connected"] is True
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    body = admin_api.post(f"{_url(integration.pk)}/test").json()
    assert body["status"] == "needs_reauth" and body["status_message"] == "Atlan rejected the API token."
    assert [c.action for c in IntegrationChange.objects.all()] == ["tested", "tested"]


# Roles


def test_viewers_read_but_change_nothing(viewer_api, fake_connector):
    integration = make_integration()
    url = _url(integration.pk)
    assert viewer_api.get("/api/integrations").status_code == 200
    assert viewer_api.get(url).status_code == 200
    for response in (
        viewer_api.post("/api/integrations", BODY | {"name": "other"}),
        viewer_api.put(url, {"name": "x", "api_url": "https://a.atlan.com"}),
        viewer_api.patch(url, {"name": "x"}),
        viewer_api.delete(url),
        viewer_api.post(f"{url}/test"),
    ):
        assert response.status_code == 403 and response.json() == {"detail": "Only Admins can do this."}
    assert Integration.objects.get().name == "Atlan prod" and not IntegrationChange.objects.exists()


def test_anonymous_requests_are_401_for_every_method(anonymous_api):
    integration = make_integration()
    url = _url(integration.pk)
    for response in (
        anonymous_api.get("/api/integrations"),
        anonymous_api.post("/api/integrations", BODY),
        anonymous_api.get(url),
        anonymous_api.put(url, {}),
        anonymous_api.patch(url, {}),
        anonymous_api.delete(url),
        anonymous_api.post(f"{url}/test"),
    ):
        assert response.status_code == 401
    assert Integration.objects.exists()
