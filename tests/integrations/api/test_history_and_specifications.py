"""An integration's change history, and the per-type specifications from the connectors' descriptions."""

from __future__ import annotations

import pytest

from integrations.models import IntegrationChange
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def test_the_history_lists_every_change_newest_first_with_api_names(admin_api, viewer_api, fake_connector):
    created = admin_api.post(
        "/api/integrations",
        {"name": "Atlan", "type": "atlan", "api_url": "https://a.atlan.com", "api_access_token": "t-1"},
    ).json()
    admin_api.patch(f"/api/integrations/{created['id']}", {"overwrite": True, "api_access_token": "t-2"})
    body = viewer_api.get(f"/api/integrations/{created['id']}/history").json()
    assert body["total"] == 2
    updated, first = body["items"]
    assert updated["action"] == "updated" and updated["user"] == "alice-admin"
    assert updated["changes"] == {"overwrite": [False, True], "api_access_token": "changed"}
    assert first["action"] == "created" and first["integration_name"] == "Atlan"
    assert (
        first["changes"]["type"] == [None, "atlan"]
        and first["changes"]["api_url"][1] == "https://a.atlan.com"
    )
    assert first["changes"]["api_access_token"] == "set"
    assert set(updated) == {"id", "at", "action", "user", "integration_name", "changes"}


def test_the_history_of_a_missing_integration_is_404(viewer_api):
    assert viewer_api.get("/api/integrations/999/history").status_code == 404


def test_changes_by_the_system_have_no_user(viewer_api):
    integration = make_integration()
    IntegrationChange.objects.create(integration=integration, integration_name="x", action="tested")
    assert viewer_api.get(f"/api/integrations/{integration.pk}/history").json()["items"][0]["user"] is None


def _spec(client, kind: str) -> dict:
    specs = client.get("/api/integrations-specifications").json()
    return next(s for s in specs if s["type"] == kind)


def _property(spec: dict, field: str) -> dict:
    return next(p for p in spec["properties"] if p["field"] == field)


def test_specifications_come_from_each_connectors_description(viewer_api):
    specs = viewer_api.get("/api/integrations-specifications").json()
    assert [s["type"] for s in specs] == ["atlan", "alation"]
    atlan = _spec(viewer_api, "atlan")
    assert (atlan["label"], atlan["category"], atlan["implemented"]) == ("Atlan", "data_catalog", True)
    assert _property(atlan, "api_url")["placeholder"] == "https://your-company.atlan.com"
    token = _property(atlan, "api_access_token")
    assert token["secret"] is True and token["required"] is True and token["title"] == "API token"
    assert "persona" in token["info"]
    alation = _spec(viewer_api, "alation")
    assert alation["implemented"] is True
    assert _property(alation, "parameters.user_id")["secret"] is False
    assert _property(alation, "api_refresh_token")["secret"] is True


def test_specifications_describe_the_shared_settings_as_the_form_does(viewer_api):
    atlan = _spec(viewer_api, "atlan")
    overwrite = _property(atlan, "overwrite")
    assert overwrite["title"] == "Overwrite Tags" and overwrite["type"] == "boolean"
    assert overwrite["default"] is False and "global tag" in overwrite["info"]
    assert _property(atlan, "event_driven")["default"] is True
    schedule = _property(atlan, "schedule_minutes")
    assert schedule["type"] == "integer" and {"value": 60, "label": "Hourly"} in schedule["values"]


def test_specifications_follow_a_new_connector(viewer_api, fake_alation):
    alation = _spec(viewer_api, "alation")
    assert alation["implemented"] is True and alation["label"] == "Alation"
    user_id, refresh = _property(alation, "parameters.user_id"), _property(alation, "api_refresh_token")
    assert user_id["secret"] is False and user_id["title"] == "User ID"
    assert refresh["secret"] is True and refresh["required"] is True
    assert "api_access_token" not in [p["field"] for p in alation["properties"]]


def test_anonymous_requests_get_no_specifications_or_history(anonymous_api):
    assert anonymous_api.get("/api/integrations-specifications").status_code == 401
    assert anonymous_api.get(f"/api/integrations/{make_integration().pk}/history").status_code == 401
