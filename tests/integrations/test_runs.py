from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from integrations.http import CatalogAuthenticationError
from integrations.models import Integration, SyncChange, SyncLogLine, SyncRun
from integrations.runs import RunAlreadyActive, run_cancel, run_execute, run_start, runs_sweep
from tests.helpers import HTMX
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def _running(integration: Integration, **values) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        integration=integration, status="running", pull=True, started_at=now, heartbeat_at=now, **values
    )


def test_sync_modal_offers_pull_push_and_preview(admin_http, fake_connector):
    integration = make_integration()
    response = admin_http.get(reverse("integrations:sync", args=[integration.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Pull Atlan Metadata" in html and "Push Plumbline Metadata" in html and "Preview only" in html


def test_start_needs_pull_or_push(admin_http, fake_connector):
    integration = make_integration()
    response = admin_http.post(reverse("integrations:sync", args=[integration.pk]), {}, headers=HTMX)
    assert "Pick what to sync" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_start_runs_the_sync_and_takes_the_admin_to_the_run(admin_http, admin, fake_connector):
    integration = make_integration()
    response = admin_http.post(
        reverse("integrations:sync", args=[integration.pk]), {"pull": "on", "push": "on"}, headers=HTMX
    )
    run = SyncRun.objects.get()
    assert response["HX-Redirect"] == run.get_absolute_url()
    assert run.status == "succeeded" and run.started_by == admin and run.pull and run.push
    assert run.counts == {"Sales": {"tables": 3}}
    assert run.task_id
    integration.refresh_from_db()
    assert integration.last_synced_at is not None
    page = admin_http.get(run.get_absolute_url()).content.decode()
    assert "fake sync working" in page and "Succeeded" in page
    assert 'hx-trigger="every 1s"' not in page


def test_viewers_cannot_start_or_cancel(viewer_http, fake_connector):
    integration = make_integration()
    assert viewer_http.get(reverse("integrations:sync", args=[integration.pk])).status_code == 403
    assert (
        viewer_http.post(reverse("integrations:sync", args=[integration.pk]), {"pull": "on"}).status_code
        == 403
    )
    run = _running(integration)
    assert viewer_http.post(reverse("integrations:run_cancel", args=[run.pk])).status_code == 403
    assert viewer_http.get(run.get_absolute_url()).status_code == 200
    assert not SyncRun.objects.filter(cancel_requested=True).exists()


def test_a_second_start_says_a_sync_is_running_and_links_to_it(admin_http, fake_connector):
    integration = make_integration()
    active = _running(integration)
    response = admin_http.post(
        reverse("integrations:sync", args=[integration.pk]), {"pull": "on"}, headers=HTMX
    )
    html = response.content.decode()
    assert "already running" in html and active.get_absolute_url() in html
    assert SyncRun.objects.count() == 1


def test_the_database_refuses_two_active_runs(fake_connector):
    integration = make_integration()
    _running(integration)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(integration=integration, status="queued", push=True)
    with pytest.raises(RunAlreadyActive):
        run_start(integration=integration, push=True)


def test_runs_of_different_integrations_do_not_block_each_other(fake_connector):
    _running(make_integration("one"))
    run = run_start(integration=make_integration("two"), push=True)
    assert run.status == "succeeded"


def test_cancelling_a_queued_run_ends_it_and_it_never_runs(admin_http, fake_connector):
    integration = make_integration()
    run = run_start(integration=integration, pull=True, enqueue=False)
    admin_http.post(reverse("integrations:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run_execute(run.pk).status == "cancelled"
    assert not run.log_lines.filter(message="fake sync working").exists()


def test_cancelling_a_running_run_stops_it_at_the_next_safe_point(admin, fake_connector):
    integration = make_integration()

    def work(ctx):
        run_cancel(run=ctx.run, user=admin)
        ctx.checkpoint()
        ctx.log("never reached")

    fake_connector.work = work
    run = run_start(integration=integration, pull=True)
    assert run.status == "cancelled"
    messages = list(run.log_lines.values_list("message", flat=True))
    assert any("Cancel requested by alice-admin" in m for m in messages)
    assert any("Cancelled at a safe point" in m for m in messages)
    assert "never reached" not in messages


def test_a_failure_on_one_asset_makes_the_run_partial_with_samples(fake_connector):
    fake_connector.work = lambda ctx: ctx.error("boom", datastore="Sales", asset="ORDERS")
    run = run_start(integration=make_integration(), push=True)
    assert run.status == "partial"
    assert run.error_samples == [{"datastore": "Sales", "asset": "ORDERS", "message": "boom"}]
    assert run.counts["Sales"]["errors"] == 1


def test_a_rejected_token_fails_the_run_and_asks_for_reauthentication(fake_connector):
    def work(ctx):
        raise CatalogAuthenticationError("Atlan rejected the API token (HTTP 401)", status=401)

    fake_connector.work = work
    integration = make_integration()
    run = run_start(integration=integration, pull=True)
    assert run.status == "failed" and "rejected the token" in run.message
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH


def test_an_unexpected_error_fails_the_run_with_the_reason_logged(fake_connector):
    fake_connector.work = lambda ctx: 1 / 0
    run = run_start(integration=make_integration(), pull=True)
    assert run.status == "failed" and "ZeroDivisionError" in run.message
    assert run.log_lines.filter(level="ERROR").exists()


def test_a_preview_ends_previewed_with_unapplied_changes(fake_connector):
    run = run_start(integration=make_integration(), pull=True, preview=True)
    assert run.status == "previewed"
    assert list(SyncChange.objects.values_list("applied", flat=True)) == [False]


def test_a_run_whose_worker_died_is_marked_failed(fake_connector):
    run = _running(make_integration())
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert runs_sweep() == 1
    run.refresh_from_db()
    assert run.status == "failed" and "stopped responding" in run.message
    assert run_start(integration=run.integration, push=True).status == "succeeded"


def test_the_log_poll_returns_only_new_lines_while_running(admin_http, fake_connector):
    run = _running(make_integration())
    first = SyncLogLine.objects.create(run=run, at=timezone.now(), message="line one")
    SyncLogLine.objects.create(run=run, at=timezone.now(), message="line two")
    response = admin_http.get(f"{run.get_absolute_url()}?after={first.pk}", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "line two" in html and "line one" not in html and "<html" not in html
    assert 'hx-trigger="every 1s"' in html


def test_the_log_poll_stops_with_286_once_the_run_ended(admin_http, fake_connector):
    run = run_start(integration=make_integration(), pull=True)
    last = run.log_lines.last()
    response = admin_http.get(f"{run.get_absolute_url()}?after={last.pk}", headers=HTMX)
    assert response.status_code == 286
    assert "hx-trigger" not in response.content.decode()
    assert "Succeeded" in response.content.decode()


def test_the_run_page_polls_while_the_run_is_active(admin_http, fake_connector):
    run = _running(make_integration())
    html = admin_http.get(run.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in html and "Cancel sync" in html


def test_run_history_lists_runs_newest_first(admin_http, fake_connector):
    integration = make_integration()
    first = run_start(integration=integration, pull=True)
    second = run_start(integration=integration, push=True, preview=True)
    html = admin_http.get(reverse("integrations:run_list", args=[integration.pk])).content.decode()
    assert html.index(second.get_absolute_url()) < html.index(first.get_absolute_url())
    assert "Previewed" in html and "Succeeded" in html


def test_the_card_shows_syncing_while_a_run_is_active(admin_http, fake_connector):
    integration = make_integration()
    _running(integration)
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert "Syncing" in html and "Cancel sync" in html


def test_changes_download_as_csv_with_formulas_neutralised(admin_http, fake_connector):
    fake_connector.work = lambda ctx: ctx.change(
        datastore="Sales", asset="X", kind="tag_added", after="=HYPERLINK()"
    )
    run = run_start(integration=make_integration(), pull=True)
    response = admin_http.get(reverse("integrations:run_changes_csv", args=[run.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["run", "datastore", "asset", "catalog asset", "change", "attribute"]
    assert rows[1][2:5] == ["Sales › ORDERS", "", "tag_added"]
    assert rows[2][7] == "'=HYPERLINK()"


def test_command_runs_here_and_prints_the_log(fake_connector, capsys):
    make_integration()
    call_command("sync_integration", "Atlan prod", "--pull", "--here")
    out = capsys.readouterr().out
    assert "fake sync working" in out and "succeeded" in out


def test_command_exits_non_zero_on_failure(fake_connector):
    fake_connector.work = lambda ctx: 1 / 0
    make_integration()
    with pytest.raises(CommandError, match="failed"):
        call_command("sync_integration", "Atlan prod", "--here")


def test_command_names_unknown_integrations(fake_connector):
    with pytest.raises(CommandError, match="No integration named 'nope'"):
        call_command("sync_integration", "nope")
