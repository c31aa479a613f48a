"""The catalog panel on asset pages: the matched catalog asset, runs, values written, the warning."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Container, Field
from integrations.models import AssetLink, Integration, SyncRun
from integrations.runs import run_start
from tests.integrations.atlan.test_sync_against_sandbox import SNOW, demo, fast_retries  # noqa: F401


@pytest.fixture
def synced(atlan_sandbox, demo) -> SyncRun:  # noqa: F811
    integration = Integration(name="Atlan", url=atlan_sandbox.url, event_driven=False)
    integration.token = atlan_sandbox.token
    integration.save()
    run = run_start(integration=integration, pull=True, push=True)
    run.refresh_from_db()
    return run


def panel(client, level: str, pk: int, **headers) -> str:
    response = client.get(reverse("integrations:asset_panel", args=[level, pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_table_page_loads_its_catalog_panel_after_the_page(viewer_http, synced):
    items = Container.objects.get(name="ORDER_ITEMS")
    page = viewer_http.get(items.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("integrations:asset_panel", args=["container", items.pk])}"' in page
    assert 'hx-trigger="load"' in page


def test_a_matched_table_shows_its_catalog_asset_runs_values_and_plumblines_announcement(
    viewer_http, synced, atlan_sandbox
):
    items = Container.objects.get(name="ORDER_ITEMS")
    link = AssetLink.objects.get(level="container", object_id=items.pk)
    html = panel(viewer_http, "container", items.pk, **{"HX-Request": "true"})
    assert f'href="{atlan_sandbox.url}/assets/{link.catalog_guid}/overview"' in html
    assert f"{SNOW}/ORDER_ITEMS" in html
    assert "Plumbline's</span> Plumbline: 1 active anomaly" in html
    assert "<th>Plumbline › Anomaly Count</th><td>1</td>" in html
    assert f"sync #{synced.pk}" in html and "Last pull:" in html and "last push:" in html


def test_a_persons_announcement_shows_as_left_alone(viewer_http, synced):
    orders = Container.objects.get(name="ORDERS")
    html = panel(viewer_http, "container", orders.pk)
    assert "A person's, left alone" in html and "set by jsmith" in html


def test_an_unmatched_table_says_why(viewer_http, synced):
    sessions = Container.objects.get(name="sessions")
    html = panel(viewer_http, "container", sessions.pk)
    assert "Only in Plumbline" in html and "No table or view named &#x27;sessions&#x27;" in html
    assert "Matched:" not in html


def test_a_column_matched_ignoring_case_is_flagged(viewer_http, synced):
    email = Field.objects.get(name="email", container__name="customers")
    html = panel(viewer_http, "field", email.pk)
    assert f"{SNOW}/CUSTOMERS/EMAIL" in html and "matched ignoring case" in html


def test_without_integrations_the_panel_says_so_and_unknown_levels_are_404(viewer_http, db):
    from tests.catalog.factories import container_make

    container = container_make()
    assert "No catalog integration yet." in panel(viewer_http, "container", container.pk)
    assert viewer_http.get(reverse("integrations:asset_panel", args=["table", 1])).status_code == 404
