"""Trust flags: created by and owned by the caller, listed by object, reason-only updates,
deletes, and the errors for someone else's flag, a missing flag and a bad subject."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import ADMIN_REFRESH, JSMITH_REFRESH, ORDERS, PRODUCTS

FLAGS = "/integration/flag/"


def _warn(api, key: str, reason: str = "2 active anomalies") -> dict:
    otype, oid = api.ref(key)
    r = api.post(
        FLAGS, {"flag_type": "WARNING", "flag_reason": reason, "subject": {"id": oid, "otype": otype}}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_flag_is_created_for_the_caller_with_its_reason_as_html(api):
    flag = _warn(api, "1.SALES.PUBLIC.PAYMENTS", "This is a test")
    assert list(flag) == ["id", "flag_type", "flag_reason", "ts_created", "subject", "user"]
    assert flag["flag_reason"] == "<p>This is a test</p>"
    assert flag["user"] == {"id": 7, "url": "/user/7/", "display_name": "Plumbline Service"}
    assert flag["subject"] == {
        "otype": "table",
        "id": api.ref("1.SALES.PUBLIC.PAYMENTS")[1],
        "url": flag["subject"]["url"],
    }


def test_flags_list_by_object_with_their_owner_in_the_fixture_shape(api):
    otype, oid = api.ref(ORDERS)
    flags = api.get(FLAGS, otype=otype, oid=oid).json()
    sample = Path("/work/shared/alation-responses/flag_list.json")
    if sample.exists():
        assert list(flags[0]) == list(json.loads(sample.read_text())[0])
    assert [(f["flag_type"], f["user"]["display_name"]) for f in flags] == [("WARNING", "Jane Smith")]
    every = api.get(FLAGS).json()
    assert {f["flag_type"] for f in every} == {"WARNING", "ENDORSEMENT", "DEPRECATION"}


def test_the_owner_changes_only_the_reason_and_deletes_the_flag(api, alation_sandbox):
    flag = _warn(api, "1.SALES.PUBLIC.PAYMENTS")
    updated = api.put(
        f"{FLAGS}{flag['id']}/", {"flag_reason": "3 active anomalies", "flag_type": "DEPRECATION"}
    )
    assert updated.status_code == 200
    assert (updated.json()["flag_type"], updated.json()["flag_reason"]) == (
        "WARNING",
        "<p>3 active anomalies</p>",
    )
    gone = api.delete(f"{FLAGS}{flag['id']}/")
    assert gone.status_code == 204 and gone.text == ""
    assert api.delete(f"{FLAGS}{flag['id']}/").json() == {"detail": "Not found."}
    actions = [e["action"] for e in alation_sandbox.store.flags.log[-3:]]
    assert actions == ["set", "updated", "removed"]


def test_another_users_flag_cannot_be_changed_or_deleted(api, alation_sandbox):
    janes = next(f for f in alation_sandbox.store.flags_on(ORDERS) if f["owner"] == "Jane Smith")
    for response in (
        api.put(f"{FLAGS}{janes['id']}/", {"flag_reason": "mine now"}),
        api.delete(f"{FLAGS}{janes['id']}/"),
    ):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "You do not have permission to perform this action.",
            "code": "403000",
        }
    alation_sandbox.behaviour.configure(foreign_flag_status=404)
    assert api.delete(f"{FLAGS}{janes['id']}/").json() == {"detail": "Not found."}
    assert alation_sandbox.store.flags_on(ORDERS)[0]["flag_reason"].startswith("<p>Migrating")


def test_jane_cannot_remove_plumblines_flag_but_an_admin_can(client_for, alation_sandbox):
    plumbline_flag = alation_sandbox.store.flags_on(PRODUCTS)[0]
    assert plumbline_flag["user_id"] == 7
    assert client_for(JSMITH_REFRESH).delete(f"{FLAGS}{plumbline_flag['id']}/").status_code == 403
    assert client_for(ADMIN_REFRESH).delete(f"{FLAGS}{plumbline_flag['id']}/").status_code == 204
    assert alation_sandbox.store.flags_on(PRODUCTS) == []


def test_reasons_are_required_for_warnings_and_refused_for_endorsements(api):
    otype, oid = api.ref(ORDERS)
    subject = {"id": oid, "otype": otype}
    assert api.post(FLAGS, {"flag_type": "WARNING", "subject": subject}).status_code == 400
    assert (
        api.post(FLAGS, {"flag_type": "ENDORSEMENT", "flag_reason": "x", "subject": subject}).status_code
        == 400
    )
    endorsement = api.post(FLAGS, {"flag_type": "ENDORSEMENT", "subject": subject}).json()
    assert endorsement["flag_reason"] == ""
    assert api.put(f"{FLAGS}{endorsement['id']}/", {"flag_reason": "x"}).status_code == 400


def test_bad_subjects_and_unknown_flags_answer_in_the_sdk_shapes(api):
    bad = api.post(
        FLAGS, {"flag_type": "WARNING", "flag_reason": "x", "subject": {"id": 1, "otype": "dashboard"}}
    )
    assert (bad.status_code, bad.json()) == (400, {"subject": ["Invalid otype"]})
    assert (
        api.post(
            FLAGS, {"flag_type": "WARNING", "flag_reason": "x", "subject": {"id": 999, "otype": "table"}}
        ).status_code
        == 404
    )
    assert api.put(f"{FLAGS}1/", {"flag_reason": "x"}).json() == {"detail": "Not found."}
    capital = api.post(FLAGS, {"flag_type": "ENDORSEMENT", "subject": {"id": 1, "otype": "Data"}})
    assert capital.status_code == 201 and capital.json()["subject"]["otype"] == "data"


def test_switches_for_the_unverified_flag_points(api, alation_sandbox):
    alation_sandbox.behaviour.configure(flag_subject_id_as_string=True, one_flag_per_user_and_type=True)
    flag = _warn(api, "1.SALES.PUBLIC.PAYMENTS")
    assert isinstance(flag["subject"]["id"], str)
    otype, oid = api.ref("1.SALES.PUBLIC.PAYMENTS")
    again = api.post(
        FLAGS, {"flag_type": "WARNING", "flag_reason": "again", "subject": {"id": oid, "otype": otype}}
    )
    assert again.status_code == 400
    alation_sandbox.behaviour.configure(flag_list_requires_subject=True)
    assert api.get(FLAGS).status_code == 400
