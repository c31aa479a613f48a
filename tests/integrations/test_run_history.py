"""Run history that says what happened, and a run page that says what it waits for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import SyncLogLine, SyncRun
from integrations.runs import run_start
from integrations.templatetags.run_tags import ago, duration_text
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.04, "0.0 s"),
        (4.2, "4.2 s"),
        (59.94, "59.9 s"),
        (60, "1 min"),
        (185, "3 min 5 s"),
        (3720, "1 h 2 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds, text):
    assert duration_text(seconds) == text


def test_a_moment_ago_is_just_now_then_minutes_ago():
    now = timezone.now()
    assert ago(now - timedelta(seconds=10)) == "just now"
    assert ago(now - timedelta(minutes=5, seconds=20)) == "5\xa0minutes ago"


def _row(html: str, run: SyncRun) -> str:
    start = html.index(f'<tr id="run-{run.pk}">')
    return html[start : html.index("</tr>", start)]


def test_each_history_row_says_trigger_who_when_how_long_outcome_and_counts(
    admin_http, admin, fake_connector
):
    integration = make_integration()
    started = timezone.now() - timedelta(minutes=3)
    run = SyncRun.objects.create(
        integration=integration,
        status="warnings",
        warnings=2,
        pull=True,
        push=True,
        started_by=admin,
        started_at=started,
        finished_at=started + timedelta(seconds=4.2),
        counts={
            "Sales": {"tables": 3, "tags_pulled": 12, "tags_removed": 1, "assets_pushed": 40},
            "Finance": {"assets_pushed": 2, "announcements_set": 3, "announcements_cleared": 0},
        },
    )
    SyncRun.objects.filter(pk=run.pk).update(created_at=started)
    row = _row(admin_http.get(reverse("integrations:run_list", args=[integration.pk])).content.decode(), run)
    assert "Manual" in row and "alice-admin" in row
    assert "3\xa0minutes ago" in row and "4.2 s" in row
    assert "Succeeded with warnings · 2 warnings" in row and "status-warn" in row
    for count in (
        "<b>12</b> tags pulled",
        "<b>1</b> tag removed",
        "<b>42</b> assets pushed",
        "<b>3</b> announcements set",
    ):
        assert count in row
    assert "cleared" not in row  # zero counts stay out of the way


def test_a_fresh_run_says_just_now_and_an_empty_one_says_nothing_changed(admin_http, fake_connector):
    integration = make_integration()
    fake_connector.work = None
    run = run_start(integration=integration, push=True)
    SyncRun.objects.filter(pk=run.pk).update(counts={})
    row = _row(admin_http.get(reverse("integrations:run_list", args=[integration.pk])).content.decode(), run)
    assert "just now" in row and "nothing changed" in row


def test_alation_runs_count_trust_flags_not_announcements(admin_http, fake_connector):
    integration = make_integration(integration_type="alation")
    run = SyncRun.objects.create(
        integration=integration,
        status="succeeded",
        push=True,
        counts={"Sales": {"announcements_set": 2, "announcements_cleared": 1}},
    )
    row = _row(admin_http.get(reverse("integrations:run_list", args=[integration.pk])).content.decode(), run)
    assert "<b>2</b> trust flags set" in row and "<b>1</b> trust flag cleared" in row
    assert "announcement" not in row
    page = admin_http.get(run.get_absolute_url()).content.decode()
    assert '<th class="num">trust flags set</th>' in page


def test_an_empty_log_waits_for_a_worker_until_its_first_line(admin_http, fake_connector):
    run = run_start(integration=make_integration(), pull=True, enqueue=False)
    page = admin_http.get(run.get_absolute_url()).content.decode()
    assert '<p class="log-empty" id="log-empty">Waiting for a worker…</p>' in page
    poll = admin_http.get(run.get_absolute_url(), {"after": 0}, headers=HTMX).content.decode()
    assert 'id="log-empty" hx-swap-oob="true">Waiting for a worker…' in poll

    SyncLogLine.objects.create(run=run, at=timezone.now(), message="Matching datastores")
    poll = admin_http.get(run.get_absolute_url(), {"after": 0}, headers=HTMX).content.decode()
    assert "Matching datastores" in poll and "log-empty" not in poll  # the line follows it: CSS hides it


def test_a_run_that_ended_without_a_line_says_so(admin_http, fake_connector):
    run = SyncRun.objects.create(
        integration=make_integration(), status="failed", pull=True, finished_at=timezone.now()
    )
    page = admin_http.get(run.get_absolute_url()).content.decode()
    assert "This sync wrote no log lines." in page and "Waiting for a worker" not in page
