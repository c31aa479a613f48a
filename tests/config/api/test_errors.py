"""Every failure under /api/ answers JSON (`detail`, and `errors` for invalid input), never an HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config import urls
from config.api import errors
from integrations.models import Integration

pytestmark = pytest.mark.django_db


def _json(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()


def test_an_unknown_path_is_a_json_404_for_every_method(admin_api):
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(admin_api, method)("/api/no/such/thing")
        assert response.status_code == 404
        assert _json(response) == {"detail": "No API endpoint at /api/no/such/thing."}


def test_a_trailing_slash_gets_a_hint(admin_api):
    response = admin_api.get("/api/integrations/")
    assert response.status_code == 404
    assert _json(response)["detail"].endswith("Did you mean /api/integrations?")


def test_an_unknown_path_is_404_even_without_credentials(anonymous_api):
    assert anonymous_api.get("/api/nowhere").status_code == 404


def test_a_missing_object_is_a_json_404_naming_it(admin_api):
    response = admin_api.get("/api/integrations/12345")
    assert response.status_code == 404 and _json(response) == {"detail": "No integration with id 12345."}


def test_a_method_an_endpoint_lacks_is_a_json_405(admin_api):
    response = admin_api.delete("/api/integrations")
    assert response.status_code == 405
    assert _json(response) == {"detail": 'Method "DELETE" not allowed.'}


def test_a_body_that_is_not_json_is_a_json_415(admin_api):
    response = admin_api.post("/api/tags", "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and "Unsupported media type" in _json(response)["detail"]


def test_broken_json_is_a_json_400(admin_api):
    response = admin_api.post("/api/tags", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in _json(response)["detail"]


def test_invalid_input_names_each_field_in_errors_and_in_detail(admin_api):
    response = admin_api.post("/api/tags", {"name": "", "weight_modifier": 99})
    body = _json(response)
    assert response.status_code == 400
    assert body["errors"] == {
        "name": ["This field may not be blank."],
        "weight_modifier": ["Ensure this value is less than or equal to 10."],
    }
    assert body["detail"] == (
        "name: This field may not be blank. weight_modifier: Ensure this value is less than or equal to 10."
    )


def test_a_bad_page_number_is_a_field_error(admin_api):
    response = admin_api.get("/api/integrations?page=0&size=500")
    body = _json(response)
    assert response.status_code == 400
    assert set(body["errors"]) == {"page", "size"}


def test_a_crash_in_an_api_view_is_a_json_500_and_is_logged(admin_api, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("integrations.api.views.integration_cards", boom)
    response = admin_api.get("/api/integrations")
    assert response.status_code == 500
    assert _json(response) == {"detail": errors.SERVER_ERROR}
    assert "disk on fire" not in response.content.decode()
    assert any("API request failed" in r.getMessage() for r in caplog.records)


def test_a_crash_outside_an_api_view_is_json_under_api_and_html_elsewhere(rf):
    assert urls.handler500 == "config.api.errors.server_error"
    api = errors.server_error(rf.get("/api/integrations"))
    assert api["Content-Type"] == "application/json"
    assert json.loads(api.content) == {"detail": errors.SERVER_ERROR}
    page = errors.server_error(rf.get("/settings/integrations/"))
    assert page.status_code == 500 and "text/html" in page["Content-Type"]


def test_viewers_changing_anything_get_a_json_403(viewer_api):
    Integration.objects.create(name="x", url="https://a.atlan.com")
    response = viewer_api.delete(f"/api/integrations/{Integration.objects.get().pk}")
    assert response.status_code == 403 and _json(response) == {"detail": "Only Admins can do this."}


def test_the_browser_session_needs_the_csrf_token_to_change_things(admin):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.get("/api/tags").status_code == 200
    refused = browser.post("/api/tags", {"name": "PII"})
    assert refused.status_code == 403 and "CSRF" in _json(refused)["detail"]
    page = Client(enforce_csrf_checks=True)
    page.force_login(admin)
    page.get("/settings/integrations/")
    token = page.cookies["csrftoken"].value
    browser.cookies["csrftoken"] = token
    accepted = browser.post("/api/tags", {"name": "PII"}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_a_signed_in_browser_reads_the_api_with_its_session(viewer_http):
    response = viewer_http.get("/api/")
    assert response.status_code == 200 and response.json()["authentication"] == "session"
