"""The scope kept on an integration (domains and connections): how it is stored and read, and the
form, the API and the choices list around it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Integration
from integrations.scope import scope_entries, scope_ids, scope_limited, scope_store, scope_text
from integrations.sync.connector import ParameterField
from tests.helpers import HTMX
from tests.integrations import fakes
from tests.integrations.fakes import make_integration

SCOPED = (
    ParameterField("domains", "Domains", "Only these domains."),
    ParameterField("connections", "Connections", "Only these connections."),
)


def test_entries_read_every_stored_shape():
    parameters = {"domains": [4, "7", {"id": "d-1", "name": "Sales"}, {"id": "d-2"}, "", {"name": "x"}]}
    assert [(e.id, e.name) for e in scope_entries(parameters, "domains")] == [
        ("4", "4"),
        ("7", "7"),
        ("d-1", "Sales"),
        ("d-2", "d-2"),
    ]
    assert scope_ids(parameters, "connections") == []


def test_stored_entries_keep_the_order_given_once_each_with_their_names():
    stored = scope_store(["b", "a", "b", " "], {"a": "Alpha"})
    assert stored == [{"id": "b", "name": "b"}, {"id": "a", "name": "Alpha"}]


def test_the_text_names_what_limits_the_integration():
    parameters = {"domains": [{"id": "1", "name": "Sales"}], "connections": [{"id": "c", "name": "snow"}]}
    text = scope_text(parameters, {"connections": "Data sources"})
    assert text == "Domains: Sales · Data sources: snow"
    assert scope_limited(parameters) and not scope_limited({"domains": [], "connections": []})
    assert scope_text({}, {}) == ""


@pytest.fixture
def scoped_fake(fake_connector, monkeypatch):
    monkeypatch.setattr(fakes.FakeConnector, "parameter_fields", SCOPED)
    return fake_connector


@pytest.mark.django_db
def test_changing_other_settings_over_the_api_keeps_the_stored_scope(admin_api, scoped_fake):
    scope = {"domains": [{"id": "g-1", "name": "Sales"}], "connections": [{"id": "q/1", "name": "Snow"}]}
    integration = make_integration(parameters=scope)
    response = admin_api.patch(f"/api/integrations/{integration.pk}", {"name": "Renamed"})
    assert response.status_code == 200, response.json()
    integration.refresh_from_db()
    assert (integration.name, integration.parameters) == ("Renamed", scope)


@pytest.mark.django_db
def test_the_api_stores_connections_with_their_names(admin_api, scoped_fake):
    integration = make_integration()
    connections = [{"id": "default/postgres/1700000100", "name": "app-postgres"}]
    body = admin_api.patch(
        f"/api/integrations/{integration.pk}", {"parameters": {"connections": connections}}
    ).json()
    assert body["parameters"]["connections"] == connections
    integration.refresh_from_db()
    assert integration.parameters == {"connections": connections}


@pytest.mark.django_db
def test_the_form_stores_the_ticked_ids_with_the_names_listed_beside_them(admin_http, scoped_fake):
    integration = make_integration(parameters={"domains": [{"id": "g-1", "name": "Sales"}]})
    html = admin_http.get(reverse("integrations:edit", args=[integration.pk]), headers=HTMX).content.decode()
    assert 'value="g-1" checked' in html and "<span>Sales</span>" in html
    form = {
        "name": integration.name,
        "url": integration.url,
        "token": "",
        "event_driven": "on",
        "domains": ["g-2"],
        "domains__choice": ["g-1", "g-2"],
        "domains__label": ["Sales", "Finance › Ledger"],
        "connections": ["default/postgres/1700000100"],
    }
    response = admin_http.post(reverse("integrations:edit", args=[integration.pk]), form, headers=HTMX)
    assert "HX-Redirect" in response, response.context["form"].errors
    integration.refresh_from_db()
    assert integration.parameters == {
        "domains": [{"id": "g-2", "name": "Finance › Ledger"}],
        "connections": [{"id": "default/postgres/1700000100", "name": "default/postgres/1700000100"}],
    }


@pytest.mark.django_db
def test_listing_choices_for_another_host_never_sends_the_stored_token(admin_http, scoped_fake, monkeypatch):
    seen: list[tuple[str, dict]] = []

    def choices(self, name, *, url, credentials):
        seen.append((url, dict(credentials)))
        return [("g-1", "Sales")]

    monkeypatch.setattr(fakes.FakeConnector, "parameter_choices", choices)
    integration = make_integration(token="stored-secret-1")
    url = reverse("integrations:edit_choices", args=[integration.pk, "domains"])
    same = admin_http.post(url, {"url": integration.url, "token": ""}, headers=HTMX).content.decode()
    admin_http.post(url, {"url": "https://elsewhere.example.com", "token": ""}, headers=HTMX)
    assert seen == [
        ("https://acme.atlan.com", {"token": "stored-secret-1"}),
        ("https://elsewhere.example.com", {"token": ""}),
    ]
    assert '<input type="hidden" name="domains__label" value="Sales">' in same
    assert Integration.objects.get().token == "stored-secret-1"


@pytest.mark.django_db
def test_the_card_the_log_the_report_and_the_api_say_what_the_scope_was(admin_http, admin_api, scoped_fake):
    from integrations.runs import run_start

    integration = make_integration(
        parameters={"domains": [{"id": "g-1", "name": "Sales"}, {"id": "g-2", "name": "Finance"}]}
    )
    page = admin_http.get(reverse("integrations:list")).content.decode()
    assert '<dd class="card-scope">Domains: Sales, Finance</dd>' in page
    run = run_start(integration=integration, pull=True)
    run.refresh_from_db()
    assert run.scope == {"text": "Domains: Sales, Finance", "domains": ["Sales", "Finance"]}
    assert run.log_lines.filter(message="Scope: Domains: Sales, Finance.").exists()
    # The scope changes later; the run keeps what it was.
    integration.parameters = {}
    integration.save()
    report = admin_http.get(reverse("integrations:run_assets", args=[run.pk])).content.decode()
    assert "Scope of this sync: <b>Domains: Sales, Finance</b>" in report
    assert admin_api.get(f"/api/runs/{run.pk}").json()["scope"] == "Domains: Sales, Finance"
    page = admin_http.get(reverse("integrations:list")).content.decode()
    assert '<dd class="card-scope">Everything the credentials can see</dd>' in page
    unlimited = run_start(integration=integration, pull=True)
    assert unlimited.log_lines.filter(message="Scope: everything the credentials can see.").exists()
