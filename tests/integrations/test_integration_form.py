"""The Add / Edit Integration form: in the modelled product's order, options folded, the schedule's
parts following the schedule, typed credentials kept across a refused save, make run's sandbox fill."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from integrations.models import Integration
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db
FORM = {"name": "Atlan prod", "integration_type": "atlan", "url": "https://acme.atlan.com", "token": "tok-1"}


def _names(html: str) -> list[str]:
    return [
        n for n in re.findall(r'<(?:input|select)[^>]* name="([a-z_]+)"', html) if n != "csrfmiddlewaretoken"
    ]


def test_name_type_url_and_credentials_come_first_and_the_options_are_folded(admin_http):
    html = admin_http.get(reverse("integrations:add"), headers=HTMX).content.decode()
    assert _names(html) == [
        "name",
        "integration_type",
        "url",
        "token",
        "overwrite_tags",
        "event_driven",
        "enable_announcements",
        "schedule_minutes",
        "schedule_pull",
        "schedule_push",
    ]
    folded = html[html.index('<details class="form-options">') : html.index("</details>")]
    assert "<summary>Sync options" in folded and 'name="overwrite_tags"' in folded
    assert 'name="token"' not in folded
    assert 'class="modal-foot sticky-foot"' in html


def test_alation_asks_for_user_id_and_refresh_token_then_domains_before_the_options(admin_http):
    html = admin_http.get(reverse("integrations:add"), {"integration_type": "alation"}, headers=HTMX)
    names = _names(html.content.decode())
    assert names[:5] == ["name", "integration_type", "url", "user_id", "refresh_token"]
    assert names.index("refresh_token") < names.index("overwrite_tags")


def test_an_option_with_an_error_opens_the_fold(admin_http, fake_connector):
    response = admin_http.post(reverse("integrations:add"), FORM | {"schedule_minutes": "7"}, headers=HTMX)
    assert '<details class="form-options" open>' in response.content.decode()


def test_the_schedules_parts_are_disabled_while_the_schedule_is_off(admin_http):
    html = admin_http.get(reverse("integrations:add"), headers=HTMX).content.decode()
    assert 'data-toggles="schedule-part"' in html
    for name in ("schedule_pull", "schedule_push"):
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)[0]
        assert "disabled" in tag and 'data-toggled-by="schedule-part"' in tag
    scheduled = make_integration(schedule_minutes=60)
    html = admin_http.get(reverse("integrations:edit", args=[scheduled.pk]), headers=HTMX).content.decode()
    assert "disabled" not in re.search(r'<input [^>]*name="schedule_pull"[^>]*>', html)[0]


def test_saving_with_the_schedule_off_keeps_what_a_scheduled_sync_would_do(admin_http, fake_connector):
    integration = make_integration(schedule_minutes=0, schedule_pull=True, schedule_push=False)
    # The page does not post disabled inputs.
    form = FORM | {"token": "", "name": "Renamed", "schedule_minutes": "0", "event_driven": "on"}
    response = admin_http.post(reverse("integrations:edit", args=[integration.pk]), form, headers=HTMX)
    assert "HX-Redirect" in response
    integration.refresh_from_db()
    assert (integration.name, integration.schedule_pull, integration.schedule_push) == (
        "Renamed",
        True,
        False,
    )


def test_with_a_schedule_unticked_parts_are_saved_off(admin_http, fake_connector):
    integration = make_integration(schedule_minutes=0)
    form = FORM | {"token": "", "schedule_minutes": "60", "schedule_pull": "on"}
    admin_http.post(reverse("integrations:edit", args=[integration.pk]), form, headers=HTMX)
    integration.refresh_from_db()
    assert (integration.schedule_minutes, integration.schedule_pull, integration.schedule_push) == (
        60,
        True,
        False,
    )


def test_credentials_typed_before_a_refused_save_come_back_in_that_answer_only(admin_http, alation_sandbox):
    form = {
        "name": "",
        "integration_type": "alation",
        "url": alation_sandbox.url,
        "user_id": "7",
        "refresh_token": "typed-refresh-token-42",
    }
    refused = admin_http.post(reverse("integrations:add"), form, headers=HTMX).content.decode()
    assert "This field is required" in refused
    assert re.search(r'<input type="password" name="refresh_token" value="typed-refresh-token-42"', refused)
    assert 'name="user_id" value="7"' in refused
    again = admin_http.get(reverse("integrations:add"), {"integration_type": "alation"}, headers=HTMX)
    assert "typed-refresh-token-42" not in again.content.decode()
    assert not Integration.objects.exists()


def _fill(html: str) -> dict[str, str] | None:
    found = re.search(r'data-fill="([^"]*)"', html)
    return json.loads(unescape(found[1])) if found else None


SANDBOXES = {
    "atlan": {"url": "http://127.0.0.1:8765", "token": "plumbline-demo-token", "ignored": "x"},
    "alation": {
        "url": "http://127.0.0.1:8766",
        "user_id": "7",
        "refresh_token": "plumbline-demo-refresh-token",
    },
}


def test_make_run_offers_the_local_sandbox_of_the_chosen_type_in_one_click(admin_http, settings):
    settings.PLUMBLINE_DEMO_SANDBOXES = SANDBOXES
    atlan = admin_http.get(reverse("integrations:add"), headers=HTMX).content.decode()
    assert "Use the local sandbox" in atlan
    assert _fill(atlan) == {"url": "http://127.0.0.1:8765", "token": "plumbline-demo-token"}
    alation = admin_http.get(reverse("integrations:add"), {"integration_type": "alation"}, headers=HTMX)
    assert _fill(alation.content.decode()) == SANDBOXES["alation"]
    edit = admin_http.get(reverse("integrations:edit", args=[make_integration().pk]), headers=HTMX)
    assert _fill(edit.content.decode()) is None


def test_without_make_runs_setting_there_is_no_sandbox_button(admin_http):
    html = admin_http.get(reverse("integrations:add"), headers=HTMX).content.decode()
    assert "Use the local sandbox" not in html and "data-fill" not in html
