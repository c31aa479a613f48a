"""Datastore list, datastore, container and field pages: content, filters, pagination, fragments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Container
from tests.catalog.factories import (
    anomaly_make,
    catalog_make,
    check_make,
    container_make,
    datastore_make,
    field_make,
    integration_make,
    scores_make,
    tag_make,
)
from tests.helpers import HTMX

LIST = reverse("catalog:datastore_list")


def test_datastore_list_shows_names_chips_scores_and_counts(viewer_http):
    pii = tag_make("PII", color="#E74C3C")
    external = tag_make("Certified", integration=integration_make("Atlan prod"))
    datastore = catalog_make(containers=2, fields=1, tags=(pii, external))

    html = viewer_http.get(LIST).content.decode()

    assert datastore.name in html
    assert "Snowflake" in html and "SALES.PUBLIC" in html
    assert 'fill="#E74C3C"' in html
    # The catalog's mark in the chip; the integration's name on hover, not repeated in every chip.
    assert (
        'class="chip chip-external"' in html
        and '<span class="mark mark-atlan" aria-hidden="true">A</span>' in html
    )
    assert 'title="External tag from integration Atlan prod"' in html
    assert '<span class="sr-only"> (external, from Atlan prod)</span>' in html
    assert 'class="badge score-fair"' in html  # latest datastore total is 75
    # Two tables, two active checks, two open anomalies (shown as an alert).
    assert '<span class="count-pill">2</span>' in html
    assert '<span class="count-pill alert">2</span>' in html


def test_datastore_list_counts_only_active_checks_and_open_anomalies(viewer_http):
    datastore = datastore_make("Quiet")
    container = container_make(datastore)
    check_make(container, status="archived")
    check_make(container, status="draft")
    anomaly_make(container, status="resolved")
    anomaly_make(container, status="acknowledged")

    html = viewer_http.get(LIST).content.decode()

    assert '<span class="count-pill">0</span>' in html  # no active checks
    assert '<span class="count-pill alert">1</span>' in html  # acknowledged is still open


def test_datastore_list_filters_by_name(viewer_http):
    datastore_make("Sales warehouse")
    datastore_make("Marketing lake")

    html = viewer_http.get(LIST, {"q": "sales"}).content.decode()

    assert "Sales warehouse" in html
    assert "Marketing lake" not in html


def test_datastore_list_filters_by_connector(viewer_http):
    datastore_make("On snowflake", connector_type="snowflake")
    datastore_make("On postgres", connector_type="postgresql")

    html = viewer_http.get(LIST, {"connector": "postgresql"}).content.decode()

    assert "On postgres" in html
    assert "On snowflake" not in html


@pytest.mark.parametrize("external", [False, True])
def test_datastore_list_filters_by_global_or_external_tag(viewer_http, external):
    tag = tag_make("Finance", integration=integration_make() if external else None)
    tagged, untagged = datastore_make("Tagged store"), datastore_make("Plain store")
    tagged.tags.add(tag)

    html = viewer_http.get(LIST, {"tag": tag.pk}).content.decode()

    assert "Tagged store" in html
    assert "Plain store" not in html
    assert untagged.pk


def test_tag_filter_groups_global_and_external_tags(viewer_http):
    tag_make("Global one")
    tag_make("Outside", integration=integration_make("Atlan prod"))

    html = viewer_http.get(LIST).content.decode()

    assert '<optgroup label="Global">' in html
    assert '<optgroup label="External">' in html
    assert "Outside (Atlan prod)" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tag": "99999"}, "That tag does not exist"),
        ({"tag": "abc"}, "That tag does not exist"),
        ({"connector": "excel"}, "Unknown connector type"),
        ({"q": "x" * 500}, "at most 200 characters"),
    ],
)
def test_invalid_filter_shows_a_message_not_an_error(viewer_http, params, message):
    datastore_make("Still listed")

    response = viewer_http.get(LIST, params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Still listed" in response.content.decode()


def test_datastore_list_paginates_25_per_page(viewer_http):
    for i in range(30):
        datastore_make(f"store-{i:02d}")

    first = viewer_http.get(LIST).content.decode()
    second = viewer_http.get(LIST, {"page": 2}).content.decode()
    junk = viewer_http.get(LIST, {"page": "nope"})

    assert "store-24" in first and "store-25" not in first
    assert "store-25" in second and "store-29" in second and "store-00" not in second
    assert "Page 1 of 2" in first
    assert junk.status_code == 200


def test_pager_links_keep_the_filters(viewer_http):
    for i in range(30):
        datastore_make(f"keep-{i:02d}")

    html = viewer_http.get(LIST, {"q": "keep"}).content.decode()

    assert 'href="/datastores/?q=keep&amp;page=2"' in html


def test_htmx_filter_request_gets_only_the_results_fragment(viewer_http):
    datastore_make("Sales")
    datastore_make("Marketing")

    response = viewer_http.get(LIST, {"q": "sales"}, headers={**HTMX, "HX-Target": "datastore-results"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and '<nav class="sidebar"' not in html
    assert "Sales" in html and "Marketing" not in html


def test_full_request_gets_the_page_with_filter_form_wired_to_htmx(viewer_http):
    html = viewer_http.get(LIST).content.decode()

    assert "<html" in html
    assert 'hx-target="#datastore-results"' in html
    assert 'hx-push-url="true"' in html


def test_history_restore_request_gets_the_full_page(viewer_http):
    response = viewer_http.get(LIST, headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert b"<html" in response.content


def test_datastore_page_shows_score_sparkline_factor_bars_and_containers(viewer_http):
    tag = tag_make("Gold")
    datastore = catalog_make(containers=2, fields=1, tags=(tag,))

    html = viewer_http.get(reverse("catalog:datastore_detail", args=[datastore.pk])).content.decode()

    assert f"<h1>{datastore.name}" in html
    assert '<svg class="sparkline"' in html and "<polyline" in html
    assert (
        'class="factor-bars"' in html and "Completeness" in html and '<rect width="90" height="1"/>' in html
    )
    for container in datastore.containers.all():
        assert container.name in html
    assert "Gold" in html


def test_datastore_page_filters_containers_by_name_type_and_tag(viewer_http):
    datastore = datastore_make()
    tag = tag_make("Hot")
    orders = container_make(datastore, "ORDERS")
    container_make(datastore, "ORDERS_VIEW", container_type=Container.Type.VIEW)
    container_make(datastore, "CUSTOMERS")
    orders.tags.add(tag)
    url = reverse("catalog:datastore_detail", args=[datastore.pk])

    by_name = viewer_http.get(url, {"q": "orders"}, headers=HTMX).content.decode()
    by_type = viewer_http.get(url, {"type": "view"}, headers=HTMX).content.decode()
    by_tag = viewer_http.get(url, {"tag": tag.pk}, headers=HTMX).content.decode()

    assert "ORDERS" in by_name and "CUSTOMERS" not in by_name
    assert "ORDERS_VIEW" in by_type and ">ORDERS<" not in by_type
    assert ">ORDERS<" in by_tag and "ORDERS_VIEW" not in by_tag
    assert "<html" not in by_name


def test_datastore_page_paginates_containers_50_per_page(viewer_http):
    datastore = datastore_make()
    for i in range(55):
        container_make(datastore, f"T{i:02d}")
    url = reverse("catalog:datastore_detail", args=[datastore.pk])

    first = viewer_http.get(url).content.decode()
    second = viewer_http.get(url, {"page": 2}).content.decode()

    assert "T49" in first and "T50" not in first
    assert "T54" in second and "T00" not in second


def test_unknown_datastore_is_404(viewer_http):
    assert viewer_http.get(reverse("catalog:datastore_detail", args=[999])).status_code == 404


def test_container_page_shows_breadcrumbs_fields_checks_and_anomalies(viewer_http):
    datastore = catalog_make(containers=1, fields=2)
    container = datastore.containers.get()

    html = viewer_http.get(reverse("catalog:container_detail", args=[container.pk])).content.decode()

    assert f'<a href="{datastore.get_absolute_url()}">{datastore.name}</a>' in html
    for field in container.fields.all():
        assert field.name in html
    assert "notNull" in html
    assert 'class="status status-bad">Active' in html
    assert '<svg class="sparkline"' in html


def test_container_page_filters_fields_by_name_and_tag(viewer_http):
    container = container_make()
    tag = tag_make("Key")
    field_make(container, "ORDER_ID").tags.add(tag)
    field_make(container, "ORDER_DATE")
    field_make(container, "AMOUNT")
    url = reverse("catalog:container_detail", args=[container.pk])

    by_name = viewer_http.get(url, {"q": "order"}, headers={**HTMX, "HX-Target": "field-results"})
    by_tag = viewer_http.get(url, {"tag": tag.pk}, headers={**HTMX, "HX-Target": "field-results"})

    assert b"ORDER_ID" in by_name.content and b"ORDER_DATE" in by_name.content
    assert b"AMOUNT" not in by_name.content
    assert b"ORDER_ID" in by_tag.content and b"ORDER_DATE" not in by_tag.content
    assert b"<html" not in by_name.content


def test_container_page_paginates_fields_50_per_page(viewer_http):
    container = container_make()
    for i in range(51):
        field_make(container, f"F{i:02d}")
    url = reverse("catalog:container_detail", args=[container.pk])

    assert b"F50" not in viewer_http.get(url).content
    assert b"F50" in viewer_http.get(url, {"page": 2}).content


def test_field_page_shows_breadcrumbs_score_tags_and_its_checks(viewer_http):
    container = container_make(name="ORDERS")
    field = field_make(container, "EMAIL")
    other = field_make(container, "ID")
    scores_make(field, [40, 50, 58], completeness=30)
    field.tags.add(tag_make("PII"))
    check_make(container, fields=[field], description="Emails are present")
    check_make(container, fields=[other], description="Ids are unique")

    html = viewer_http.get(reverse("catalog:field_detail", args=[field.pk])).content.decode()

    assert f'<a href="{container.get_absolute_url()}">ORDERS</a>' in html
    assert 'class="badge score-poor"' in html
    assert '<svg class="sparkline"' in html
    assert "PII" in html
    assert "Emails are present" in html and "Ids are unique" not in html


def test_asset_without_score_shows_a_dash_and_no_trend(viewer_http):
    field = field_make()

    html = viewer_http.get(reverse("catalog:field_detail", args=[field.pk])).content.decode()

    assert 'class="badge score-none"' in html
    assert "no trend yet" in html
    assert "No factor scores yet" in html
