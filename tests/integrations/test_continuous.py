from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from catalog.models import Anomaly, Check, Container, Datastore
from catalog.services import anomaly_set_status, check_set_status, quality_score_record
from integrations.events import event_push_flush
from integrations.models import Integration, PendingPush, SyncRun
from integrations.schedules import MAINTENANCE, integration_schedule_sync
from integrations.services import integration_update
from integrations.sync.staging import push_stage
from integrations.tasks import maintenance, scheduled_sync
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def tables(db):
    ds = Datastore.objects.create(name="Sales", connector_type="snowflake")
    orders = Container.objects.create(datastore=ds, name="ORDERS")
    customers = Container.objects.create(datastore=ds, name="CUSTOMERS")
    return orders, customers


def _anomalies(container: Container, n: int) -> list[Anomaly]:
    return Anomaly.objects.bulk_create(
        [Anomaly(container=container, message=f"a{i}", created_at=timezone.now()) for i in range(n)]
    )


def test_resolving_200_anomalies_of_one_table_pushes_that_table_once(
    tables, fake_connector, django_capture_on_commit_callbacks
):
    integration = make_integration()
    orders, _ = tables
    anomalies = _anomalies(orders, 200)
    with django_capture_on_commit_callbacks(execute=True):
        anomaly_set_status(anomalies=anomalies, status="resolved")
    assert fake_connector.pushed == [[orders.pk]]
    run = SyncRun.objects.get()
    assert run.trigger == "event" and run.push and not run.pull and run.container_ids == [orders.pk]
    assert run.status == "succeeded" and run.integration == integration
    assert not PendingPush.objects.exists()


@pytest.mark.parametrize(
    "trigger",
    [
        lambda orders: quality_score_record(asset=orders, scores={"total": 80}),
        lambda orders: quality_score_record(asset=orders.fields.create(name="ID"), scores={"total": 80}),
        lambda orders: anomaly_set_status(anomalies=_anomalies(orders, 1), status="acknowledged"),
        lambda orders: check_set_status(
            checks=[Check.objects.create(container=orders, rule_type="notNull")], status="archived"
        ),
    ],
    ids=["table scores", "field scores", "anomaly acknowledged", "check archived"],
)
def test_each_trigger_pushes_only_the_affected_table(
    tables, fake_connector, django_capture_on_commit_callbacks, trigger
):
    make_integration()
    orders, _ = tables
    with django_capture_on_commit_callbacks(execute=True):
        trigger(orders)
    assert fake_connector.pushed == [[orders.pk]]


def test_only_event_driven_integrations_get_pushes(
    tables, fake_connector, django_capture_on_commit_callbacks
):
    make_integration("manual", event_driven=False)
    on = make_integration("evented")
    with django_capture_on_commit_callbacks(execute=True):
        quality_score_record(asset=tables[0], scores={"total": 50})
    assert list(SyncRun.objects.values_list("integration", flat=True)) == [on.pk]


def test_tables_waiting_behind_an_active_run_are_pushed_by_maintenance(tables, fake_connector):
    integration = make_integration()
    active = SyncRun.objects.create(
        integration=integration, status="running", pull=True, heartbeat_at=timezone.now()
    )
    PendingPush.objects.create(integration=integration, container_id=tables[0].pk, due_at=timezone.now())
    PendingPush.objects.create(integration=integration, container_id=tables[1].pk, due_at=timezone.now())
    assert event_push_flush(integration.pk) is None
    assert PendingPush.objects.count() == 2
    SyncRun.objects.filter(pk=active.pk).update(status="succeeded")
    maintenance()
    assert fake_connector.pushed == [sorted([tables[0].pk, tables[1].pk])]
    assert not PendingPush.objects.exists()


def test_a_schedule_follows_the_integration_settings(fake_connector):
    integration = make_integration(schedule_minutes=60)
    schedule = integration_schedule_sync(integration)
    assert schedule.func == "integrations.tasks.scheduled_sync" and schedule.minutes == 60
    integration_update(integration=integration, user=None, schedule_minutes=1440)
    assert Schedule.objects.get(name=f"integration-{integration.pk}-sync").minutes == 1440
    integration_update(integration=integration, user=None, schedule_minutes=0)
    assert not Schedule.objects.filter(name=f"integration-{integration.pk}-sync").exists()


def test_deleting_an_integration_removes_its_schedule(admin_http, fake_connector):
    integration = make_integration(schedule_minutes=360)
    integration_schedule_sync(integration)
    admin_http.post(f"/settings/integrations/{integration.pk}/delete/")
    assert not Schedule.objects.filter(name__startswith="integration-").exists()


def test_a_scheduled_sync_runs_with_the_schedule_trigger(fake_connector):
    integration = make_integration(schedule_minutes=60, schedule_pull=True, schedule_push=False)
    assert scheduled_sync(integration.pk) == "succeeded"
    run = SyncRun.objects.get()
    assert run.trigger == "schedule" and run.pull and not run.push


def test_a_scheduled_sync_that_finds_a_run_active_is_skipped_with_a_log_line(fake_connector):
    integration = make_integration(schedule_minutes=60)
    active = SyncRun.objects.create(
        integration=integration, status="running", pull=True, heartbeat_at=timezone.now()
    )
    assert scheduled_sync(integration.pk) == "skipped"
    assert SyncRun.objects.count() == 1
    assert active.log_lines.filter(message__contains="scheduled sync was skipped").exists()


def test_missed_slots_are_not_replayed(settings):
    assert settings.Q_CLUSTER["catch_up"] is False


def test_maintenance_is_scheduled_every_minute_after_migrate():
    schedule = Schedule.objects.get(name=MAINTENANCE)
    assert schedule.func == "integrations.tasks.maintenance" and schedule.minutes == 1


def test_maintenance_marks_dead_runs_failed(fake_connector):
    integration = make_integration()
    SyncRun.objects.create(
        integration=integration, status="running", pull=True, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert maintenance().startswith("1 dead run")
    assert SyncRun.objects.get().status == "failed"
    assert Integration.objects.get().status == "connected"


def test_maintenance_drops_the_held_back_pushes_of_a_dead_run(fake_connector):
    run = SyncRun.objects.create(
        integration=make_integration(),
        status="running",
        pull=True,
        push=True,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    push_stage(run.pk, 1, 1, {("container", 5): {"guid": "a"}})  # type: ignore[dict-item]
    assert run.staged_pushes.count() == 1
    maintenance()
    assert not run.staged_pushes.exists() and SyncRun.objects.get().status == "failed"
