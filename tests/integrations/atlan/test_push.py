"""The push plan: only values that differ, and announcements only where they are Plumbline's."""

from __future__ import annotations

from integrations.atlan.push import CmLayout, PushTarget, announcement_title, push_plan
from integrations.atlan.records import AtlanAsset
from integrations.sync.values import value_normalise

ME = "service-account-apikey-plumbline"
LAYOUT = CmLayout("SET", {"URL": "u", "Quality Score Total": "t", "Anomaly Count": "a", "Check Count": "c"})
QN = "default/snowflake/1/DB/SCH/ORDERS"


def table(cm=None, **announcement) -> AtlanAsset:
    return AtlanAsset(
        guid="g1",
        type_name="Table",
        qualified_name=QN,
        name="ORDERS",
        custom_metadata={"SET": cm} if cm else {},
        announcement_type=announcement.get("type"),
        announcement_title=announcement.get("title"),
        announcement_message=announcement.get("message"),
        announcement_updated_by=announcement.get("by"),
    )


def target(asset, values=None, anomalies=None, stored_title="", stored_message="") -> PushTarget:
    values = values or {"URL": "http://p/containers/1/", "Quality Score Total": 91.234, "Anomaly Count": 2}
    return PushTarget(
        ("container", 1),
        "Sales / ORDERS",
        "Sales",
        asset,
        values,
        anomalies=anomalies,
        anomalies_url="http://p/containers/1/#anomalies",
        stored_title=stored_title,
        stored_message=stored_message,
    )


def plan(*targets, on=True):
    return push_plan(targets, LAYOUT, username=ME, announcements_on=on)


def test_only_values_that_differ_are_written_rounded():
    asset = table({"u": "http://p/containers/1/", "t": 91.23, "a": 1})
    result = plan(target(asset))
    [(_, update, before, after)] = result.updates
    assert update.values == {"SET": {"a": 2}}
    assert (before, after) == ({"Anomaly Count": 1}, {"Anomaly Count": 2})


def test_nothing_is_written_when_the_catalog_already_holds_the_values():
    asset = table({"u": "http://p/containers/1/", "t": 91.23, "a": 2})
    assert not plan(target(asset)).updates


def test_empty_values_are_not_written():
    asset = table({"u": "http://p/containers/1/", "a": 2})
    assert not plan(
        target(asset, {"URL": "http://p/containers/1/", "Quality Score Total": None, "Anomaly Count": 2})
    ).updates


def test_without_a_set_yet_every_value_differs():
    result = push_plan([target(table())], None, username=ME, announcements_on=True)
    [(_, update, _, after)] = result.updates
    assert set(after) == {"URL", "Quality Score Total", "Anomaly Count"}


def test_open_anomalies_set_a_warning_with_the_count_and_link():
    [change] = plan(target(table(), anomalies=3)).announcements
    assert (change.action, change.title) == ("set", "Plumbline: 3 active anomalies")
    assert "http://p/containers/1/#anomalies" in change.message


def test_our_announcement_is_updated_when_the_count_changes_and_cleared_at_zero():
    ours = table(type="warning", title="Plumbline: 3 active anomalies", message="x", by=ME)
    [update] = plan(target(ours, anomalies=1, stored_title="Plumbline: 3 active anomalies")).announcements
    assert (update.action, update.title) == ("set", announcement_title(1))
    [clear] = plan(target(ours, anomalies=0, stored_title="Plumbline: 3 active anomalies")).announcements
    assert clear.action == "clear"


def test_our_announcement_is_cleared_when_announcements_are_turned_off():
    ours = table(type="warning", title="Plumbline: 3 active anomalies", message="x", by=ME)
    [clear] = plan(target(ours, anomalies=3), on=False).announcements
    assert clear.action == "clear"


def test_a_persons_announcement_is_never_touched():
    persons = table(type="information", title="Migrating in Q1", message="ask us", by="jsmith")
    result = plan(target(persons, anomalies=3))
    assert not result.announcements and result.left_alone
    assert not plan(target(persons, anomalies=0)).announcements
    assert not plan(target(persons, anomalies=3), on=False).announcements


def test_a_person_reusing_our_title_is_still_a_person():
    copied = table(type="warning", title="Plumbline: 3 active anomalies", by="jsmith")
    assert not plan(target(copied, anomalies=0, stored_title="Plumbline: 3 active anomalies")).announcements


def test_an_unchanged_announcement_is_not_rewritten():
    from integrations.atlan.push import announcement_message

    title = announcement_title(2)
    message = announcement_message(2, "ORDERS", "http://p/containers/1/#anomalies")
    ours = table(type="warning", title=title, message=message, by=ME)
    result = plan(target(ours, anomalies=2, stored_title=title))
    assert not result.announcements and result.remember == {("container", 1): (title, message)}


def test_where_the_catalog_names_no_updater_exactly_what_plumbline_wrote_is_plumblines():
    from integrations.atlan.push import announcement_message

    title, message = (
        announcement_title(3),
        announcement_message(3, "ORDERS", "http://p/containers/1/#anomalies"),
    )
    unsigned = table(type="warning", title=title, message=message)
    [update] = plan(target(unsigned, anomalies=1, stored_title=title, stored_message=message)).announcements
    assert (update.action, update.title) == ("set", announcement_title(1))
    [clear] = plan(target(unsigned, anomalies=0, stored_title=title, stored_message=message)).announcements
    assert clear.action == "clear"


def test_where_the_catalog_names_no_updater_anything_else_is_a_persons():
    title = announcement_title(3)
    edited = table(type="warning", title=title, message="we are on it")
    result = plan(
        target(edited, anomalies=0, stored_title=title, stored_message="3 active anomalies on ORDERS")
    )
    assert not result.announcements and result.remember == {("container", 1): ("", "")}
    assert plan(target(edited, anomalies=5, stored_title=title, stored_message="x")).left_alone
    # Nothing remembered (a lost link): an unsigned announcement is never taken for ours.
    assert not plan(target(edited, anomalies=0)).announcements


def test_values_are_normalised_for_comparison():
    assert value_normalise("float", "91.2349") == 91.23
    assert value_normalise("int", 3.0) == 3
    assert value_normalise("url", None) is None


def test_a_set_created_concurrently_by_another_sync_is_reused(db, atlan_sandbox):
    """Two integrations on one tenant both find no set; the second create gets a 409 and reuses it."""
    from integrations.atlan.client import AtlanClient
    from integrations.atlan.push import CM_SET_NAME, CM_SPECS, cm_ensure
    from integrations.models import Integration, SyncRun
    from integrations.sync.context import RunContext

    client = AtlanClient(atlan_sandbox.url, atlan_sandbox.token)
    real_defs = client.custom_metadata_typedefs
    client.custom_metadata_create(CM_SET_NAME, CM_SPECS)
    calls = []

    def stale_then_real():
        calls.append(1)
        return [] if len(calls) == 1 else real_defs()

    client.custom_metadata_typedefs = stale_then_real
    integration = Integration(name="i", url=atlan_sandbox.url)
    integration.token = atlan_sandbox.token
    integration.save()
    ctx = RunContext(SyncRun.objects.create(integration=integration, push=True, status="running"))
    layout = cm_ensure(client, ctx)
    assert layout is not None and len(calls) == 2
    assert [d.display_name for d in real_defs()].count(CM_SET_NAME) == 1
