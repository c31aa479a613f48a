"""The OpenAPI schema validates, is served at /api/schema/, and its docs page needs no internet."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert {"/api/integrations", "/api/integrations/{id}/sync", "/api/runs/{id}/log", "/api/tags"} <= set(
        schema["paths"]
    )


def _schema(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_served_to_signed_in_users_only(viewer_api, anonymous_api):
    assert _schema(viewer_api)["info"]["title"] == "Plumbline API"
    refused = anonymous_api.get("/api/schema/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/json"


def test_every_operation_says_how_it_authenticates_and_fails(viewer_api):
    schema = _schema(viewer_api)
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"tokenAuth": []} in operation["security"], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_credentials_are_write_only_in_the_schema(viewer_api):
    components = _schema(viewer_api)["components"]["schemas"]
    request = components["IntegrationWriteRequest"]["properties"]
    assert request["api_access_token"]["writeOnly"] and request["api_refresh_token"]["writeOnly"]
    assert "api_access_token" not in components["Integration"]["properties"]
    assert "api_refresh_token" not in components["Integration"]["properties"]
    assert "example" not in str(request["api_access_token"])


def test_the_docs_page_loads_swagger_ui_from_installed_files(viewer_http, anonymous_api):
    page = viewer_http.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200 and "swagger-ui" in html
    assert "/api/schema/" in html
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assets = [u for u in urls if "swagger-ui-dist" in u]
    assert assets and not [u for u in urls if u.startswith(("http:", "https:", "//"))]
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), url
    refused = anonymous_api.get("/api/docs/")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/json"
