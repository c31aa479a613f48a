"""Syncs over the API: start (202, 409), cancel, the run list, a run, its log, assets and changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import AssetLink, Integration, SyncChange, SyncIssue, SyncLogLine, SyncRun
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def _running(integration: Integration, **values) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        integration=integration, status="running", pull=True, started_at=now, heartbeat_at=now, **values
    )


def _finished(integration: Integration, **values) -> SyncRun:
    now = timezone.now()
    values = {"status": "succeeded", "pull": True, "started_at": now, "finished_at": now, **values}
    return SyncRun.objects.create(integration=integration, **values)


def _lines(run: SyncRun, count: int, at=None) -> list[SyncLogLine]:
    return [
        SyncLogLine.objects.create(run=run, at=at or timezone.now(), message=f"line {i}")
        for i in range(count)
    ]


# Start


def test_sync_answers_202_with_the_run(admin_api, admin, fake_connector):
    integration = make_integration()
    response = admin_api.post(f"/api/integrations/{integration.pk}/sync", {})
    run = SyncRun.objects.get()
    body = response.json()
    assert response.status_code == 202 and response["Location"] == f"/api/runs/{run.pk}"
    assert body["id"] == run.pk and body["integration"] == integration.pk
    assert (body["pull"], body["push"], body["preview"]) == (True, True, False)
    assert run.started_by == admin
    # Tests run tasks inline, so the run has finished already; a worker would answer "queued".
    assert body["status"] in ("queued", "succeeded")


def test_sync_takes_pull_push_and_preview(admin_api, fake_connector):
    integration = make_integration()
    body = admin_api.post(
        f"/api/integrations/{integration.pk}/sync", {"pull": False, "push": True, "preview": True}
    ).json()
    assert (body["pull"], body["push"], body["preview"]) == (False, True, True)
    assert SyncRun.objects.get().status == "previewed"


def test_sync_needs_pull_or_push(admin_api, fake_connector):
    integration = make_integration()
    response = admin_api.post(f"/api/integrations/{integration.pk}/sync", {"pull": False, "push": False})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Pick what to sync: pull, push or both.",
        "errors": {"non_field_errors": ["Pick what to sync: pull, push or both."]},
    }
    assert not SyncRun.objects.exists()


def test_sync_answers_409_with_the_active_run(admin_api, fake_connector):
    integration = make_integration()
    active = _running(integration)
    response = admin_api.post(f"/api/integrations/{integration.pk}/sync", {"pull": True})
    body = response.json()
    assert response.status_code == 409
    assert body["detail"] == "A sync of this integration is already running."
    assert body["run"]["id"] == active.pk and body["run"]["active"] is True
    assert SyncRun.objects.count() == 1


def test_sync_of_a_missing_integration_is_404(admin_api):
    assert admin_api.post("/api/integrations/999/sync", {}).status_code == 404


def test_the_integration_shows_its_active_and_last_run(viewer_api):
    integration = make_integration()
    last = _finished(integration)
    active = _running(integration)
    body = viewer_api.get(f"/api/integrations/{integration.pk}").json()
    assert body["active_run"]["id"] == active.pk and body["last_run"]["id"] == last.pk


# Cancel


def test_cancelling_a_queued_run_ends_it_at_once(admin_api):
    run = SyncRun.objects.create(integration=make_integration(), pull=True)
    response = admin_api.post(f"/api/runs/{run.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["active"] is False
    assert "Cancelled by alice-admin" in run.log_lines.get().message


def test_cancelling_a_running_run_asks_it_to_stop(admin_api):
    run = _running(make_integration())
    body = admin_api.post(f"/api/runs/{run.pk}/cancel").json()
    assert body["status"] == "running" and body["cancel_requested"] is True


def test_cancelling_a_finished_run_is_409(admin_api):
    run = _finished(make_integration())
    response = admin_api.post(f"/api/runs/{run.pk}/cancel")
    assert response.status_code == 409
    assert response.json() == {"detail": "The run has already ended (Succeeded): nothing to cancel."}


def test_viewers_can_neither_start_nor_cancel(viewer_api, fake_connector):
    integration = make_integration()
    run = _running(integration)
    assert viewer_api.post(f"/api/integrations/{integration.pk}/sync", {}).status_code == 403
    assert viewer_api.post(f"/api/runs/{run.pk}/cancel").status_code == 403
    run.refresh_from_db()
    assert not run.cancel_requested and SyncRun.objects.count() == 1


# Runs and a run


def test_an_integrations_runs_are_listed_newest_first(viewer_api):
    integration = make_integration()
    old, new = _finished(integration), _finished(integration, status="failed", message="boom")
    _finished(make_integration(name="Other"))
    body = viewer_api.get(f"/api/integrations/{integration.pk}/runs").json()
    assert body["total"] == 2 and [r["id"] for r in body["items"]] == [new.pk, old.pk]
    assert body["items"][0]["outcome"] == "boom" and body["items"][0]["status_label"] == "Failed"
    assert viewer_api.get("/api/integrations/999/runs").status_code == 404


def test_a_run_has_its_status_outcome_warnings_counts_and_progress(viewer_api, admin):
    run = _running(
        make_integration(),
        started_by=admin,
        warnings=2,
        counts={"Sales": {"tables": 3, "errors": 1}, "Finance": {"tables": 2}},
        progress_done=5,
        progress_total=20,
        requests_read=7,
        requests_write=3,
        error_samples=[{"datastore": "Sales", "asset": "ORDERS", "message": "boom"}],
    )
    SyncIssue.objects.create(run=run, kind="unmatched", level="container", path="Sales › X", reason="r")
    SyncChange.objects.create(run=run, asset="Sales › ORDERS", kind="tag_added", after="PII")
    body = viewer_api.get(f"/api/runs/{run.pk}").json()
    assert body["status"] == "running" and body["active"] is True and body["outcome"] == ""
    assert body["started_by"] == "alice-admin" and body["warnings"] == 2
    assert body["counts"] == {"Sales": {"tables": 3, "errors": 1}, "Finance": {"tables": 2}}
    assert body["totals"] == {"tables": 5, "errors": 1}
    assert body["progress"] == {"done": 5, "total": 20, "percent": 25}
    assert body["requests"] == {"read": 7, "write": 3}
    assert body["error_samples"][0]["asset"] == "ORDERS"
    assert body["issue_counts"] == {"unmatched": 1} and body["change_count"] == 1
    assert viewer_api.get("/api/runs/999").status_code == 404


def test_a_run_of_a_dead_worker_is_marked_failed_when_read(viewer_api):
    run = _running(make_integration())
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    body = viewer_api.get(f"/api/runs/{run.pk}").json()
    assert body["status"] == "failed" and "stopped responding" in body["outcome"]


# The log


def test_the_log_follows_an_after_cursor(viewer_api):
    run = _running(make_integration())
    lines = _lines(run, 3)
    first = viewer_api.get(f"/api/runs/{run.pk}/log").json()
    assert [i["message"] for i in first["items"]] == ["line 0", "line 1", "line 2"]
    assert first["next_after"] == lines[-1].pk and first["more"] is False and first["active"] is True
    assert set(first["items"][0]) == {"id", "at", "level", "datastore", "message"}
    again = viewer_api.get(f"/api/runs/{run.pk}/log?after={first['next_after']}").json()
    assert again["items"] == [] and again["next_after"] == first["next_after"]
    _lines(run, 1)
    assert len(viewer_api.get(f"/api/runs/{run.pk}/log?after={first['next_after']}").json()["items"]) == 1


def test_the_log_says_when_more_lines_wait(viewer_api):
    run = _finished(make_integration())
    _lines(run, 5)
    page = viewer_api.get(f"/api/runs/{run.pk}/log?limit=2").json()
    assert len(page["items"]) == 2 and page["more"] is True
    last = viewer_api.get(f"/api/runs/{run.pk}/log?after={page['next_after']}&limit=3").json()
    assert [i["message"] for i in last["items"]] == ["line 2", "line 3", "line 4"]


def test_a_finished_runs_log_is_complete_once_its_closing_line_is_written(viewer_api):
    run = _finished(make_integration())
    _lines(run, 1, at=run.finished_at - timedelta(seconds=1))
    assert viewer_api.get(f"/api/runs/{run.pk}/log").json()["active"] is True
    _lines(run, 1, at=run.finished_at + timedelta(milliseconds=1))
    body = viewer_api.get(f"/api/runs/{run.pk}/log").json()
    assert body["active"] is False and body["run"]["status"] == "succeeded"
    SyncRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(minutes=1))
    SyncLogLine.objects.all().delete()
    assert viewer_api.get(f"/api/runs/{run.pk}/log").json()["active"] is False


@pytest.mark.parametrize("query", ["after=x", "after=-1", "limit=0", "limit=5000"])
def test_a_bad_cursor_or_limit_is_a_field_error(viewer_api, query):
    run = _finished(make_integration())
    response = viewer_api.get(f"/api/runs/{run.pk}/log?{query}")
    assert response.status_code == 400 and set(response.json()["errors"]) == {query.split("=")[0]}


# Assets and changes


def _link(integration: Integration, path: str, level: str = "container", **values) -> AssetLink:
    return AssetLink.objects.create(
        integration=integration,
        level=level,
        object_id=AssetLink.objects.count() + 1,
        path=path,
        catalog_type="Table",
        catalog_qualified_name=f"default/snowflake/1/{path}",
        **values,
    )


def test_mapped_assets_are_the_integrations_links_with_both_pages(viewer_api):
    integration = make_integration()
    run = _finished(integration)
    link = _link(integration, "Sales / ORDERS", run=run, catalog_guid="g-1")
    _link(integration, "Sales / ORDERS / ID", level="field", name_case_differs=True)
    _link(make_integration(name="Other"), "Other / X")
    body = viewer_api.get(f"/api/runs/{run.pk}/mapped-assets").json()
    assert body["total"] == 2
    assert body["items"][0] == {
        "kind": "mapped",
        "kind_label": "Mapped",
        "level": "container",
        "datastore": "Sales",
        "path": "Sales / ORDERS",
        "plumbline_url": f"http://plumbline.test/containers/{link.object_id}/",
        "catalog_type": "Table",
        "catalog_name": "default/snowflake/1/Sales / ORDERS",
        "catalog_url": "https://acme.atlan.com/assets/g-1/overview",
        "note": "",
    }


@pytest.mark.parametrize(
    ("query", "paths"),
    [
        ("level=field", ["Sales / ORDERS / ID"]),
        ("q=id", ["Sales / ORDERS / ID"]),
        ("kind=case", ["Sales / ORDERS / ID"]),
        ("q=nothing", []),
    ],
)
def test_mapped_assets_filter_by_level_name_and_case(viewer_api, query, paths):
    integration = make_integration()
    run = _finished(integration)
    _link(integration, "Sales / ORDERS")
    _link(integration, "Sales / ORDERS / ID", level="field", name_case_differs=True)
    body = viewer_api.get(f"/api/runs/{run.pk}/mapped-assets?{query}").json()
    assert [i["path"] for i in body["items"]] == paths


@pytest.mark.parametrize("query", ["level=table", "kind=unmatched"])
def test_bad_mapped_asset_filters_are_field_errors(viewer_api, query):
    run = _finished(make_integration())
    response = viewer_api.get(f"/api/runs/{run.pk}/mapped-assets?{query}")
    assert response.status_code == 400 and set(response.json()["errors"]) == {query.split("=")[0]}


def test_unmatched_assets_say_why_and_filter_by_kind(viewer_api):
    run = _finished(make_integration())
    SyncIssue.objects.create(
        run=run,
        kind="unmatched",
        level="container",
        datastore="Sales",
        object_id=7,
        path="Sales / GONE",
        reason="not in Atlan",
    )
    SyncIssue.objects.create(
        run=run,
        kind="catalog_only",
        level="container",
        datastore="Sales",
        path="",
        catalog_type="Table",
        catalog_qualified_name="default/snowflake/1/SALES/PUBLIC/EXTRA",
        catalog_guid="g-9",
        reason="only in Atlan",
    )
    body = viewer_api.get(f"/api/runs/{run.pk}/unmatched-assets").json()
    assert body["total"] == 2
    gone, extra = body["items"]
    assert (gone["kind"], gone["kind_label"], gone["note"]) == (
        "unmatched",
        "Only in Plumbline",
        "not in Atlan",
    )
    assert gone["plumbline_url"] == "http://plumbline.test/containers/7/" and gone["catalog_url"] == ""
    assert (extra["kind_label"], extra["plumbline_url"]) == ("Only in Atlan", "")
    assert extra["catalog_url"] == "https://acme.atlan.com/assets/g-9/overview"
    only = viewer_api.get(f"/api/runs/{run.pk}/unmatched-assets?kind=catalog_only").json()
    assert [i["kind"] for i in only["items"]] == ["catalog_only"]
    assert viewer_api.get(f"/api/runs/{run.pk}/unmatched-assets?q=extra").json()["total"] == 1
    assert viewer_api.get(f"/api/runs/{run.pk}/unmatched-assets?kind=mapped").status_code == 400


def test_changes_are_listed_in_the_order_they_were_made(viewer_api):
    run = _finished(make_integration())
    for n in range(3):
        SyncChange.objects.create(
            run=run, asset=f"A{n}", kind="cm_set", attribute="score", before="", after=str(n), applied=False
        )
    body = viewer_api.get(f"/api/runs/{run.pk}/changes?size=2").json()
    assert body["total"] == 3 and [c["asset"] for c in body["items"]] == ["A0", "A1"]
    assert body["items"][0]["attribute"] == "score" and body["items"][0]["applied"] is False
    assert body["items"][0]["at"]


def test_every_run_endpoint_is_404_for_a_missing_run(viewer_api):
    for path in ("", "/log", "/mapped-assets", "/unmatched-assets", "/changes"):
        response = viewer_api.get(f"/api/runs/999{path}")
        assert response.status_code == 404 and response.json() == {"detail": "No run with id 999."}


def test_anonymous_requests_to_runs_are_401(anonymous_api):
    run = _finished(make_integration())
    for path in ("", "/log", "/mapped-assets", "/unmatched-assets", "/changes"):
        assert anonymous_api.get(f"/api/runs/{run.pk}{path}").status_code == 401
    assert anonymous_api.post(f"/api/runs/{run.pk}/cancel").status_code == 401
    assert anonymous_api.post(f"/api/integrations/{run.integration_id}/sync", {}).status_code == 401
    assert anonymous_api.get(f"/api/integrations/{run.integration_id}/runs").status_code == 401
