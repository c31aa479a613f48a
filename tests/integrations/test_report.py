"""The run's mapping report: every asset by name on both sides, filterable, searchable, as CSV."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from django.urls import reverse

from catalog.models import Container, Field
from integrations.models import AssetLink, Integration, SyncRun
from integrations.runs import run_start
from tests.helpers import HTMX
from tests.integrations.atlan.test_sync_against_sandbox import SNOW

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def synced(atlan_sandbox, demo) -> SyncRun:
    integration = Integration(name="Atlan", url=atlan_sandbox.url, event_driven=False)
    integration.token = "plumbline-snowflake-only-token"
    integration.save()
    run = run_start(integration=integration, pull=True, push=False)
    run.refresh_from_db()
    return run


def page(client, run, **params) -> str:
    response = client.get(reverse("integrations:run_assets", args=[run.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_report_opens_on_what_needs_attention_with_counts_per_kind(viewer_http, synced):
    html = page(viewer_http, synced)
    # The most pressing kind with rows is shown first: two datastores the token cannot see.
    assert 'aria-current="true">Not visible <b>2</b>' in html and "Only in Atlan <b>1</b>" in html
    assert "App Database" in html and "Finance Mart" in html and "check the persona" in html


def test_mapped_pairs_link_to_both_sides_and_the_catalog_link_opens_the_asset(
    viewer_http, synced, atlan_sandbox
):
    orders = Container.objects.get(name="ORDERS")
    link = AssetLink.objects.get(level="container", object_id=orders.pk)
    html = page(viewer_http, synced, kind="mapped", q="ORDERS")
    assert f'href="/containers/{orders.pk}/"' in html
    catalog_url = f"{atlan_sandbox.url}/assets/{link.catalog_guid}/overview"
    assert f'href="{catalog_url}"' in html and f"{SNOW}/ORDERS" in html
    shown = requests.get(catalog_url, timeout=5)
    assert shown.status_code == 200 and 'id="asset-name">ORDERS' in shown.text


def test_assets_matched_only_by_ignoring_case_are_flagged(viewer_http, synced):
    email = Field.objects.get(name="email", container__name="customers")
    html = page(viewer_http, synced, kind="case")
    assert "Sales Warehouse / customers / email" in html and "Names differ only in case." in html
    assert f'href="/fields/{email.pk}/"' in html
    assert "Sales Warehouse / ORDERS<" not in html


def test_catalog_only_assets_are_named_with_a_link_to_the_catalog(viewer_http, synced, atlan_sandbox):
    html = page(viewer_http, synced, kind="catalog_only")
    assert "Sales Warehouse / ORDERS_ARCHIVE" in html and f"{SNOW}/ORDERS_ARCHIVE" in html
    assert f"{atlan_sandbox.url}/assets/" in html and "Only in Atlan: Plumbline has no table" in html


def test_search_and_level_filter_the_rows_and_htmx_gets_the_fragment(admin_http, synced):
    response = admin_http.get(
        reverse("integrations:run_assets", args=[synced.pk]),
        {"kind": "mapped", "q": "payments", "level": "field"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and not html.lstrip().startswith("<!doctype")
    assert "PAYMENTS / CARD_LAST4" in html and "ORDERS" not in html
    assert '<tr data-kind="mapped">' in html and "Sales Warehouse / PAYMENTS<" not in html


def test_the_whole_report_downloads_as_csv_one_row_per_asset(viewer_http, synced):
    response = viewer_http.get(reverse("integrations:run_assets", args=[synced.pk]), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    kinds = {r["kind"] for r in rows}
    assert {"Mapped", "Matched ignoring case", "Not visible", "Only in Atlan"} <= kinds
    mapped = AssetLink.objects.filter(integration=synced.integration).count()
    assert sum(r["kind"] in ("Mapped", "Matched ignoring case") for r in rows) == mapped
    archive = next(r for r in rows if r["kind"] == "Only in Atlan")
    assert archive["catalog asset"] == f"{SNOW}/ORDERS_ARCHIVE" and archive["plumbline page"] == ""
    orders = next(r for r in rows if r["plumbline asset"] == "Sales Warehouse / ORDERS")
    assert orders["plumbline page"].endswith(f"/containers/{Container.objects.get(name='ORDERS').pk}/")


def test_the_run_page_names_the_unmapped_kinds_in_words(viewer_http, synced):
    html = viewer_http.get(synced.get_absolute_url()).content.decode()
    start = html.index("Mapped and unmatched assets")
    assert html[start : start + 70].startswith(
        "Mapped and unmatched assets (1 only in Atlan, 2 not visible)"
    ), html[start : start + 200]
