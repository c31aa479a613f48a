"""Acknowledging and resolving anomalies in place, one by one or all at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Anomaly
from catalog.signals import container_changed
from tests.catalog.factories import anomaly_make, container_make
from tests.helpers import HTMX


def _status_url(anomaly: Anomaly) -> str:
    return reverse("catalog:anomaly_status", args=[anomaly.pk])


@pytest.fixture
def events():
    received: list[list[int]] = []

    def listener(sender, container_ids, **kwargs):
        received.append(container_ids)

    container_changed.connect(listener)
    yield received
    container_changed.disconnect(listener)


@pytest.mark.parametrize("status", ["acknowledged", "resolved"])
def test_admin_changes_an_anomaly_and_gets_the_updated_row(admin_http, status):
    anomaly = anomaly_make(container_make())

    response = admin_http.post(_status_url(anomaly), {"status": status}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="anomaly-{anomaly.pk}">')
    assert "<html" not in html
    anomaly.refresh_from_db()
    assert anomaly.status == status
    assert anomaly.get_status_display() in html


def test_acknowledged_row_keeps_resolve_but_drops_acknowledge(admin_http):
    anomaly = anomaly_make(container_make())

    html = admin_http.post(_status_url(anomaly), {"status": "acknowledged"}, headers=HTMX).content.decode()

    assert 'class="status status-warn">Acknowledged' in html
    assert ">Resolve<" in html and ">Acknowledge<" not in html


def test_resolved_row_has_no_actions_and_a_green_status(admin_http):
    anomaly = anomaly_make(container_make())

    html = admin_http.post(_status_url(anomaly), {"status": "resolved"}, headers=HTMX).content.decode()

    assert 'class="status status-ok">Resolved' in html
    assert "hx-post" not in html


def test_status_change_announces_the_table(admin_http, events, django_capture_on_commit_callbacks):
    container = container_make()
    anomaly = anomaly_make(container)

    with django_capture_on_commit_callbacks(execute=True):
        admin_http.post(_status_url(anomaly), {"status": "resolved"}, headers=HTMX)

    assert events == [[container.pk]]


def test_viewer_cannot_change_an_anomaly(viewer_http):
    anomaly = anomaly_make(container_make())

    response = viewer_http.post(_status_url(anomaly), {"status": "resolved"}, headers=HTMX)

    assert response.status_code == 403
    anomaly.refresh_from_db()
    assert anomaly.status == "active"


def test_get_is_not_allowed(admin_http):
    anomaly = anomaly_make(container_make())

    assert admin_http.get(_status_url(anomaly)).status_code == 405


@pytest.mark.parametrize("status", ["", "bogus", "duplicate", "active"])
def test_bad_status_is_400_with_a_message(admin_http, status):
    anomaly = anomaly_make(container_make())

    response = admin_http.post(_status_url(anomaly), {"status": status}, headers=HTMX)

    assert response.status_code == 400
    assert "acknowledged" in response.content.decode()
    anomaly.refresh_from_db()
    assert anomaly.status == "active"


def test_archived_anomaly_cannot_be_reopened_by_acknowledging(admin_http):
    anomaly = anomaly_make(container_make(), status="resolved")

    response = admin_http.post(_status_url(anomaly), {"status": "acknowledged"}, headers=HTMX)

    assert response.status_code == 400
    assert b"Only open anomalies" in response.content
    anomaly.refresh_from_db()
    assert anomaly.status == "resolved"


def test_unknown_anomaly_is_404(admin_http):
    assert (
        admin_http.post(reverse("catalog:anomaly_status", args=[999]), {"status": "resolved"}).status_code
        == 404
    )


def test_resolve_all_resolves_every_open_anomaly_with_one_event(
    admin_http, events, django_capture_on_commit_callbacks
):
    container = container_make()
    other = container_make()
    opened = [anomaly_make(container), anomaly_make(container, status="acknowledged")]
    invalid = anomaly_make(container, status="invalid")
    elsewhere = anomaly_make(other)
    url = reverse("catalog:container_anomalies_resolve", args=[container.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_http.post(url, headers={**HTMX, "HX-Target": "anomaly-results"})

    assert response.status_code == 200
    assert b"<html" not in response.content and b"No anomalies to show" in response.content
    assert {a.status for a in Anomaly.objects.filter(pk__in=[a.pk for a in opened])} == {"resolved"}
    assert Anomaly.objects.get(pk=invalid.pk).status == "invalid"
    assert Anomaly.objects.get(pk=elsewhere.pk).status == "active"
    assert events == [[container.pk]]


def test_resolve_all_is_only_offered_to_admins_when_something_is_open(admin_http, viewer_http):
    container = container_make()
    url = reverse("catalog:container_anomalies_resolve", args=[container.pk])

    assert url not in admin_http.get(container.get_absolute_url()).content.decode()
    anomaly_make(container)
    assert url in admin_http.get(container.get_absolute_url()).content.decode()
    assert url not in viewer_http.get(container.get_absolute_url()).content.decode()


def test_anomaly_list_shows_open_first_and_filters_open_archived_all(viewer_http):
    container = container_make()
    anomaly_make(container, message="Still broken")
    anomaly_make(container, status="resolved", message="Fixed already")
    url = container.get_absolute_url()
    fragment = {**HTMX, "HX-Target": "anomaly-results"}

    default = viewer_http.get(url).content.decode()
    archived = viewer_http.get(url, {"state": "archived"}, headers=fragment).content.decode()
    everything = viewer_http.get(url, {"state": "all"}, headers=fragment).content.decode()
    junk = viewer_http.get(url, {"state": "nonsense"}, headers=fragment).content.decode()

    assert "Still broken" in default and "Fixed already" not in default
    assert "Fixed already" in archived and "Still broken" not in archived
    assert everything.index("Still broken") < everything.index("Fixed already")
    assert "<html" not in archived
    assert "Show open, archived or all anomalies" in junk and "Still broken" in junk


def _oob(html: str, element_id: str) -> str:
    """The out-of-band element with this id in an htmx answer."""
    start = html.index(f'id="{element_id}" hx-swap-oob="true"')
    return html[start : html.index("</div>", start)]


def test_an_anomaly_action_updates_the_open_counts_around_its_row(admin_http):
    container = container_make()
    first, _ = anomaly_make(container), anomaly_make(container)

    html = admin_http.post(_status_url(first), {"status": "resolved"}, headers=HTMX).content.decode()

    assert html.strip().startswith(f'<tr id="anomaly-{first.pk}">')  # the row leads: tables parse it
    assert '<span class="count-pill alert">1</span>' in _oob(html, "open-anomalies-stat")
    bar = _oob(html, "anomaly-bar")
    assert (
        '<span class="count-pill alert">1</span> open' in bar
        and 'hx-confirm="Resolve all 1 open anomaly' in bar
    )


def test_acknowledging_keeps_the_anomaly_open_in_the_counts(admin_http):
    anomaly = anomaly_make(container_make())
    html = admin_http.post(_status_url(anomaly), {"status": "acknowledged"}, headers=HTMX).content.decode()
    assert '<span class="count-pill alert">1</span>' in _oob(html, "open-anomalies-stat")


def test_resolve_all_zeroes_the_tile_and_drops_its_own_button(admin_http):
    container = container_make()
    anomaly_make(container)
    url = reverse("catalog:container_anomalies_resolve", args=[container.pk])

    html = admin_http.post(url, headers={**HTMX, "HX-Target": "anomaly-results"}).content.decode()

    assert '<span class="count-pill">0</span>' in _oob(html, "open-anomalies-stat")
    assert "Resolve all open" not in html


def test_resolve_all_asks_in_the_products_modal_not_the_browsers(admin_http):
    container = container_make()
    anomaly_make(container)
    html = admin_http.get(container.get_absolute_url()).content.decode()
    assert 'data-confirm-action="Resolve all"' in html and '<dialog id="confirm"' in html
