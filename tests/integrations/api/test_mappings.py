"""/api/integrations/{id}/mappings and the catalog look-ups (domains, connections, schemas; for an
unsaved integration too): shapes, the Admin/Viewer/anonymous rules, the catalog's failures, and
credentials never in an answer."""

from __future__ import annotations

import pytest

from catalog.models import Datastore
from integrations.models import IntegrationChange, MappingPin
from integrations.sync.connector import ConnectionProblem
from tests.integrations import fakes
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
SCHEMA = "conn/warehouse/SALES/PUBLIC"
TOKEN = "secret-token-123"
ROW = {"datastore", "state", "pin", "status", "status_label", "catalog_name", "catalog_url", "note"}


@pytest.fixture
def integration(demo, fake_connector):
    return make_integration(token=TOKEN)


def _ds(name: str) -> Datastore:
    return Datastore.objects.get(name=name)


def _url(integration, datastore=None) -> str:
    base = f"/api/integrations/{integration.pk}/mappings"
    return f"{base}/{datastore.pk}" if datastore else base


def test_a_viewer_lists_every_database_datastore_with_its_mapping(viewer_api, integration):
    body = viewer_api.get(_url(integration), {"size": 2}).json()
    assert (body["total"], body["page"], body["size"]) == (3, 1, 2)
    first = body["items"][0]
    assert set(first) == ROW and set(first["datastore"]) == {
        "id",
        "name",
        "database",
        "schema",
        "connector_type",
    }
    assert (first["datastore"]["name"], first["state"], first["status"], first["pin"]) == (
        "App Database",
        "automatic",
        "not_synced",
        None,
    )
    one = viewer_api.get(_url(integration, _ds("Finance Mart"))).json()
    assert one["datastore"]["database"] == "finance"


def test_an_admin_pins_excludes_and_clears_recorded_in_the_history(admin_api, admin, integration):
    finance = _ds("Finance Mart")
    body = admin_api.put(_url(integration, finance), {"schema": SCHEMA}).json()
    assert body["state"] == "pinned" and body["pin"]["schema"] == {
        "id": SCHEMA,
        "name": "SALES.PUBLIC",
        "guid": "guid-SALES.PUBLIC",
    }
    assert body["pin"]["connection"] == {"id": "conn/warehouse", "name": "Warehouse (snowflake)"}
    assert body["pin"]["updated_by"] == admin.username
    assert admin_api.put(_url(integration, finance), {"excluded": True}).json()["state"] == "excluded"
    cleared = admin_api.delete(_url(integration, finance))
    assert cleared.status_code == 200 and cleared.json()["state"] == "automatic"
    assert not MappingPin.objects.exists()
    history = admin_api.get(f"/api/integrations/{integration.pk}/history").json()["items"]
    assert [h["changes"]["mapping"] for h in history if h["action"] == "mapping"] == [
        ["excluded", "matched by name"],
        ["pinned to SALES.PUBLIC in Warehouse (snowflake)", "excluded"],
        ["matched by name", "pinned to SALES.PUBLIC in Warehouse (snowflake)"],
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Name the schema to pin to"),
        ({"excluded": True, "schema": SCHEMA}, "An excluded datastore is pinned to no schema."),
        ({"schema": "conn/warehouse/NOPE"}, "has no schema 'conn/warehouse/NOPE'"),
    ],
)
def test_a_pin_the_catalog_cannot_take_is_refused_on_the_schema_field(
    admin_api, integration, payload, message
):
    response = admin_api.put(_url(integration, _ds("Finance Mart")), payload)
    assert response.status_code == 400 and message in response.json()["errors"]["schema"][0]
    assert not MappingPin.objects.exists() and not IntegrationChange.objects.exists()


def test_a_catalog_that_cannot_answer_is_a_502_saying_why(admin_api, integration, fake_connector):
    fake_connector.problem = ConnectionProblem("unreachable", "Nothing answers at acme.atlan.com:443.")
    response = admin_api.put(_url(integration, _ds("Finance Mart")), {"schema": SCHEMA})
    assert response.status_code == 502 and response.json() == {
        "detail": "Nothing answers at acme.atlan.com:443."
    }
    listing = admin_api.get(f"/api/integrations/{integration.pk}/schemas", {"connection": "conn/warehouse"})
    assert listing.status_code == 502


def test_the_rules_viewers_read_admins_change_anonymous_nothing(viewer_api, anonymous_api, integration):
    finance = _ds("Finance Mart")
    assert viewer_api.put(_url(integration, finance), {"excluded": True}).status_code == 403
    assert viewer_api.delete(_url(integration, finance)).status_code == 403
    assert anonymous_api.get(_url(integration)).status_code == 401
    assert anonymous_api.get(f"/api/integrations/{integration.pk}/domains").status_code == 401
    assert viewer_api.post("/api/integrations/domains", {}).status_code == 403


def test_missing_objects_are_404(admin_api, integration):
    lake = Datastore.objects.create(name="Lake", connector_type="s3", store_type=Datastore.StoreType.DFS)
    assert admin_api.get("/api/integrations/999/mappings").status_code == 404
    assert admin_api.put(_url(integration, lake), {"excluded": True}).status_code == 404
    assert admin_api.get(f"{_url(integration)}/999").status_code == 404


def test_look_ups_list_what_the_catalog_offers(viewer_api, integration, monkeypatch):
    def choices(self, name, *, url, credentials):
        assert credentials == {"token": TOKEN}
        return {"domains": [("g-1", "Sales")], "connections": [("conn/warehouse", "Warehouse")]}[name]

    monkeypatch.setattr(fakes.FakeConnector, "parameter_choices", choices)
    base = f"/api/integrations/{integration.pk}"
    assert viewer_api.get(f"{base}/domains").json() == [{"id": "g-1", "name": "Sales"}]
    assert viewer_api.get(f"{base}/connections").json() == [{"id": "conn/warehouse", "name": "Warehouse"}]
    schemas = viewer_api.get(f"{base}/schemas", {"connection": "conn/warehouse"}).json()
    assert schemas == [{"id": SCHEMA, "name": "SALES.PUBLIC"}]
    assert viewer_api.get(f"{base}/schemas").status_code == 400


def test_an_unsaved_integrations_domains_use_the_credentials_sent_and_never_echo_them(
    admin_api, fake_connector, monkeypatch
):
    seen = []

    def choices(self, name, *, url, credentials):
        seen.append((name, url, dict(credentials)))
        if credentials["token"] == "wrong-token-999":
            raise ConnectionProblem("rejected", "Atlan rejected the API token.")
        return [("g-1", "Sales")]

    monkeypatch.setattr(fakes.FakeConnector, "parameter_choices", choices)
    body = {"type": "atlan", "api_url": "https://acme.atlan.com/x", "api_access_token": "typed-token-42"}
    response = admin_api.post("/api/integrations/domains", body)
    assert response.json() == [{"id": "g-1", "name": "Sales"}]
    assert seen == [("domains", "https://acme.atlan.com", {"token": "typed-token-42"})]
    assert admin_api.post("/api/integrations/connections", body).status_code == 200
    refused = admin_api.post("/api/integrations/domains", body | {"api_access_token": "wrong-token-999"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"api_access_token": ["Atlan rejected the API token."]}
    missing = admin_api.post("/api/integrations/domains", {"type": "atlan", "api_url": "ftp://x"}).json()
    assert set(missing["errors"]) == {"api_url"}
    missing = admin_api.post("/api/integrations/domains", {"type": "atlan", "api_url": "https://a.b"}).json()
    assert missing["errors"] == {"api_access_token": ["This field is required."]}
    for answer in (response, refused):
        assert (
            "typed-token-42" not in answer.content.decode()
            and "wrong-token-999" not in answer.content.decode()
        )


def test_the_specifications_name_the_scope_options_and_where_their_choices_come_from(viewer_api):
    specs = {s["type"]: s for s in viewer_api.get("/api/integrations-specifications").json()}
    atlan = {p["field"]: p for p in specs["atlan"]["properties"]}
    alation = {p["field"]: p for p in specs["alation"]["properties"]}
    domains = atlan["parameters.domains"]
    assert (domains["type"], domains["default"], domains["lookup"]) == (
        "array",
        [],
        "/api/integrations/domains",
    )
    assert atlan["parameters.connections"]["title"] == "Connections"
    assert alation["parameters.connections"]["title"] == "Data sources"


def test_the_list_costs_the_same_few_queries_however_many_datastores_are_pinned(
    admin_api, integration, django_assert_max_num_queries
):
    for name in ("App Database", "Finance Mart"):
        admin_api.put(_url(integration, _ds(name)), {"schema": SCHEMA})
    with django_assert_max_num_queries(12):
        assert len(admin_api.get(_url(integration)).json()["items"]) == 3
