"""The look-ups and a pin over the API against the sandboxes over real HTTP: what a deployment
script does before and after it creates an integration."""

from __future__ import annotations

import pytest

from catalog.models import Datastore
from integrations.models import Integration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_retries")]
FINANCE = "default/mssql/1700000200/FINANCE/dbo"


def test_an_unsaved_atlan_integration_lists_domains_and_connections(admin_api, atlan_sandbox):
    body = {"type": "atlan", "api_url": atlan_sandbox.url, "api_access_token": atlan_sandbox.token}
    domains = admin_api.post("/api/integrations/domains", body)
    assert {
        "id": "d0000000-0000-4000-8000-000000000004",
        "name": "Product › Product Analytics",
    } in domains.json()
    connections = admin_api.post("/api/integrations/connections", body).json()
    assert {"id": "default/postgres/1700000100", "name": "app-postgres (postgres)"} in connections
    bad = admin_api.post("/api/integrations/domains", body | {"api_access_token": "not-the-token-77"})
    assert bad.status_code == 400 and "rejected the API token" in bad.json()["errors"]["api_access_token"][0]
    for answer in (domains, bad):
        assert (
            atlan_sandbox.token not in answer.content.decode()
            and "not-the-token-77" not in answer.content.decode()
        )


def test_an_unsaved_alation_integration_lists_domains_and_data_sources(admin_api, alation_sandbox):
    body = {
        "type": "alation",
        "api_url": alation_sandbox.url,
        "api_refresh_token": alation_sandbox.refresh_token,
        "parameters": {"user_id": str(alation_sandbox.user_id)},
    }
    assert {"id": "4", "name": "Sales › Orders"} in admin_api.post("/api/integrations/domains", body).json()
    sources = admin_api.post("/api/integrations/connections", body).json()
    assert {"id": "3", "name": "Finance Mart (sqlserver, sql01.acme.internal)"} in sources
    wrong_user = admin_api.post("/api/integrations/domains", body | {"parameters": {"user_id": "3"}})
    # On the field the form puts it on, as creating the integration would.
    assert "for user id 3" in wrong_user.json()["errors"]["api_refresh_token"][0]


def test_a_script_scopes_pins_and_syncs_an_atlan_integration(admin_api, atlan_sandbox, demo):
    created = admin_api.post(
        "/api/integrations",
        {
            "name": "Atlan",
            "type": "atlan",
            "api_url": atlan_sandbox.url,
            "api_access_token": atlan_sandbox.token,
            "event_driven": False,
            "parameters": {"domains": [{"id": "d0000000-0000-4000-8000-000000000002", "name": "Finance"}]},
        },
    ).json()
    base = f"/api/integrations/{created['id']}"
    assert created["parameters"]["domains"][0]["name"] == "Finance"
    ledger = Datastore.objects.get(name="Finance Mart")
    ledger.schema = "reporting"  # the names no longer match
    ledger.save()
    schemas = admin_api.get(f"{base}/schemas", {"connection": "default/mssql/1700000200"}).json()
    assert schemas == [{"id": FINANCE, "name": "FINANCE.dbo"}]
    pinned = admin_api.put(f"{base}/mappings/{ledger.pk}", {"schema": FINANCE}).json()
    assert pinned["pin"]["schema"]["guid"] == atlan_sandbox.store.find_qn(FINANCE)["guid"]
    run = admin_api.post(f"{base}/sync", {"pull": False, "push": True}).json()
    detail = admin_api.get(f"/api/runs/{run['id']}").json()
    assert detail["status"] == "succeeded" and detail["scope"] == "Domains: Finance"
    rows = {r["datastore"]["name"]: r for r in admin_api.get(f"{base}/mappings").json()["items"]}
    assert (rows["Finance Mart"]["status"], rows["Finance Mart"]["catalog_name"]) == ("matched", FINANCE)
    assert rows["App Database"]["status"] == "out_of_scope"
    assert atlan_sandbox.token not in str(rows) and Integration.objects.get().token == atlan_sandbox.token
