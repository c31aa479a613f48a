"""Cards that stay true: a syncing card polls for itself until its run ends, Test connection answers
on the card, and Cancel sync answers with the card or the run's summary, whichever asked."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import SyncRun
from integrations.sync.connector import ConnectionProblem
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def _card_url(pk: int) -> str:
    return f"{reverse('integrations:list')}?card={pk}"


def _running(integration) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        integration=integration, status="running", pull=True, started_at=now, heartbeat_at=now
    )


def test_a_syncing_card_polls_for_itself_and_stops_with_286_once_the_run_ends(admin_http, fake_connector):
    integration = make_integration()
    run = _running(integration)
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert f'hx-get="{_card_url(integration.pk)}"' in html and 'hx-trigger="every 2s"' in html

    polled = admin_http.get(_card_url(integration.pk), headers=HTMX)
    assert polled.status_code == 200 and "Syncing" in polled.content.decode()
    assert "<html" not in polled.content.decode()

    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", finished_at=timezone.now())
    ended = admin_http.get(_card_url(integration.pk), headers=HTMX)
    html = ended.content.decode()
    assert ended.status_code == 286
    assert "Syncing" not in html and "Cancel sync" not in html and "every 2s" not in html
    assert ">Succeeded<" in html


def test_a_card_at_rest_does_not_poll(admin_http, fake_connector):
    make_integration()
    assert "every 2s" not in admin_http.get(reverse("integrations:list")).content.decode()


def test_the_card_of_an_integration_deleted_meanwhile_goes_away(admin_http):
    response = admin_http.get(_card_url(999), headers=HTMX)
    assert response.status_code == 286 and response.content == b""


def test_test_connection_says_who_it_connected_as_and_what_it_sees(admin_http, fake_connector):
    integration = make_integration()
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="status">Connected as service-account-apikey-demo · ok</p>' in html


def test_test_connection_shows_the_error_once(admin_http, fake_connector):
    integration = make_integration()
    fake_connector.problem = ConnectionProblem("unreachable", "Nothing answers at acme.atlan.com:443.")
    html = admin_http.post(reverse("integrations:test", args=[integration.pk]), headers=HTMX).content.decode()
    assert html.count("Nothing answers at acme.atlan.com:443.") == 1 and 'class="test-result error"' in html


def test_test_connection_without_htmx_says_it_in_a_message(admin_http, fake_connector):
    integration = make_integration()
    response = admin_http.post(reverse("integrations:test", args=[integration.pk]), follow=True)
    assert "Atlan prod: Connected as service-account-apikey-demo · ok" in response.content.decode()


def test_cancel_from_the_card_answers_with_the_card(admin_http, fake_connector):
    integration = make_integration()
    run = _running(integration)
    response = admin_http.post(
        reverse("integrations:run_cancel", args=[run.pk]),
        headers={**HTMX, "HX-Target": f"integration-{integration.pk}"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<article")
    assert "Cancelling…" in html and "every 2s" in html
    assert SyncRun.objects.get(pk=run.pk).cancel_requested


def test_cancel_from_the_run_page_answers_with_its_summary(admin_http, fake_connector):
    run = _running(make_integration())
    response = admin_http.post(
        reverse("integrations:run_cancel", args=[run.pk]), headers={**HTMX, "HX-Target": "run-summary"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="run-summary"')
    assert "Cancelling…" in html


def test_cancel_asks_in_the_products_modal(admin_http, fake_connector):
    integration = make_integration()
    run = _running(integration)
    for url in (reverse("integrations:list"), run.get_absolute_url()):
        html = admin_http.get(url).content.decode()
        assert 'hx-confirm="Cancel ' in html and 'data-confirm-action="Cancel sync"' in html, url
        assert '<dialog id="confirm"' in html
