"""The Mappings page: every database datastore with the schema it syncs with (or why not), and an
admin's pins, exclusions and return to matching by name, each in the change log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Datastore
from integrations.models import AssetLink, IntegrationChange, MappingPin, SyncIssue, SyncRun
from integrations.sync.connector import ConnectionProblem
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
SCHEMA = "conn/warehouse/SALES/PUBLIC"


@pytest.fixture
def integration(demo, fake_connector):
    return make_integration()


def ds(name: str) -> Datastore:
    return Datastore.objects.get(name=name)


def page(client, integration) -> str:
    return client.get(reverse("integrations:mappings", args=[integration.pk])).content.decode()


def test_the_page_lists_every_database_datastore_with_what_the_latest_sync_found(viewer_http, integration):
    run = SyncRun.objects.create(
        integration=integration, status="warnings", pull=True, scope={"text": "Domains: Sales"}
    )
    AssetLink.objects.create(
        integration=integration,
        level="datastore",
        object_id=ds("Sales Warehouse").pk,
        path="Sales Warehouse",
        catalog_type="Schema",
        catalog_qualified_name=SCHEMA,
        catalog_guid="g-1",
    )
    SyncIssue.objects.create(
        run=run,
        kind="out_of_scope",
        level="datastore",
        object_id=ds("App Database").pk,
        path="App Database",
        reason="Neither its schema nor any of its tables is in the integration's Atlan domains.",
    )
    Datastore.objects.create(name="Lake", connector_type="s3", store_type=Datastore.StoreType.DFS)
    html = page(viewer_http, integration)
    assert html.count('<tr id="mapping-') == 3 and "Lake" not in html  # file datastores are not synced
    assert 'href="https://acme.atlan.com/assets/g-1/overview"' in html and SCHEMA in html
    assert 'data-status="out_of_scope"' in html and "Out of scope" in html and "Atlan domains" in html
    assert 'data-status="not_synced"' in html  # Finance Mart: nothing reported yet
    assert "scope: Domains: Sales" in html
    assert "Pin…" not in html  # a Viewer reads


def test_an_admin_pins_a_datastore_to_a_schema_listed_by_the_catalog(admin_http, admin, integration):
    finance = ds("Finance Mart")
    url = reverse("integrations:mapping_pin", args=[integration.pk, finance.pk])
    modal = admin_http.get(url, headers=HTMX).content.decode()
    assert '<option value="conn/warehouse">Warehouse (snowflake)</option>' in modal
    schemas = admin_http.get(
        reverse("integrations:mapping_schemas", args=[integration.pk]),
        {"connection": "conn/warehouse"},
        headers=HTMX,
    ).content.decode()
    assert f'<option value="{SCHEMA}">SALES.PUBLIC</option>' in schemas
    unpicked = admin_http.get(reverse("integrations:mapping_schemas", args=[integration.pk]), headers=HTMX)
    assert "Pick a connection first" in unpicked.content.decode()
    response = admin_http.post(url, {"connection": "conn/warehouse", "schema": SCHEMA}, headers=HTMX)
    assert response["HX-Redirect"] == reverse("integrations:mappings", args=[integration.pk])
    pin = MappingPin.objects.get()
    assert (pin.datastore, pin.schema_ref, pin.schema_guid, pin.updated_by) == (
        finance,
        SCHEMA,
        "guid-SALES.PUBLIC",
        admin,
    )
    html = page(admin_http, integration)
    assert (
        'data-state="pinned"' in html
        and 'SALES.PUBLIC</span> <span class="muted">in Warehouse (snowflake)' in html
    )
    change = IntegrationChange.objects.get(action="mapping")
    assert change.user == admin and change.changes == {
        "datastore": "Finance Mart",
        "datastore_id": finance.pk,
        "mapping": ["matched by name", "pinned to SALES.PUBLIC in Warehouse (snowflake)"],
    }


def test_a_schema_the_catalog_does_not_have_or_a_catalog_that_fails_is_said_and_nothing_is_saved(
    admin_http, integration, fake_connector
):
    url = reverse("integrations:mapping_pin", args=[integration.pk, ds("Finance Mart").pk])
    html = admin_http.post(url, {"schema": "conn/warehouse/NOPE"}, headers=HTMX).content.decode()
    assert "has no schema &#x27;conn/warehouse/NOPE&#x27;" in html
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    html = admin_http.post(url, {"schema": SCHEMA}, headers=HTMX).content.decode()
    assert "Atlan rejected the API token." in html
    assert not MappingPin.objects.exists() and not IntegrationChange.objects.exists()


def test_exclude_and_back_to_matching_by_name_forget_the_old_links(admin_http, integration):
    sales = ds("Sales Warehouse")
    AssetLink.objects.create(
        integration=integration,
        level="datastore",
        object_id=sales.pk,
        path="x",
        catalog_type="Schema",
        catalog_qualified_name=SCHEMA,
    )
    admin_http.post(reverse("integrations:mapping_exclude", args=[integration.pk, sales.pk]))
    assert MappingPin.objects.get().excluded and not AssetLink.objects.exists()
    assert 'data-state="excluded"' in page(admin_http, integration)
    admin_http.post(reverse("integrations:mapping_clear", args=[integration.pk, sales.pk]))
    assert not MappingPin.objects.exists()
    history = IntegrationChange.objects.filter(action="mapping").order_by("id")
    assert [c.changes["mapping"] for c in history] == [
        ["matched by name", "excluded"],
        ["excluded", "matched by name"],
    ]


def test_viewers_change_nothing_and_file_datastores_cannot_be_pinned(viewer_http, admin_http, integration):
    sales = ds("Sales Warehouse")
    for name in ("mapping_exclude", "mapping_clear", "mapping_pin"):
        assert (
            viewer_http.post(reverse(f"integrations:{name}", args=[integration.pk, sales.pk])).status_code
            == 403
        )
    lake = Datastore.objects.create(name="Lake", connector_type="s3", store_type=Datastore.StoreType.DFS)
    assert (
        admin_http.post(reverse("integrations:mapping_exclude", args=[integration.pk, lake.pk])).status_code
        == 404
    )
    assert not MappingPin.objects.exists()


def test_the_card_links_the_mappings_with_their_counts(admin_http, integration):
    admin_http.post(reverse("integrations:mapping_exclude", args=[integration.pk, ds("Sales Warehouse").pk]))
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert (
        f'href="{reverse("integrations:mappings", args=[integration.pk])}">0 pinned · 1 excluded</a>' in html
    )
