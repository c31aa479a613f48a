"""Tags: the list, tags of one object, the subjects of a tag (inner key switchable), tagging and
untagging, renaming, URL-encoded names and errors."""

from __future__ import annotations

from urllib.parse import quote

from .conftest import CUSTOMERS, ORDERS, SALES_ONLY_REFRESH


def test_tags_list_in_the_fixture_shape(api):
    tags = api.get("/integration/tag/").json()
    assert [t["name"] for t in tags] == [
        "PII",
        "Confidential",
        "FINANCE",
        "Gold Layer",
        "Deprecated <b>legacy</b>",
    ]
    assert list(tags[0]) == ["id", "name", "description", "number_of_objects_tagged", "ts_created", "url"]
    assert tags[0]["url"] == f"/tag/{tags[0]['id']}/"
    assert api.get(f"/integration/tag/{tags[0]['id']}/").json() == tags[0]


def test_tags_of_one_object_need_oid_and_otype_together(api):
    otype, oid = api.ref("1.SALES.PUBLIC.PAYMENTS")
    assert [t["name"] for t in api.get("/integration/tag/", oid=oid, otype=otype).json()] == [
        "FINANCE",
        "Confidential",
    ]
    assert [t["name"] for t in api.get("/integration/tag/", oid=2, otype="data").json()] == []
    assert api.get("/integration/tag/", oid=oid).status_code == 400
    assert api.get("/integration/tag/", oid=oid, otype="dashboard").status_code == 400


def test_subjects_of_a_tag_answer_with_object_by_default_and_subject_when_switched(api, alation_sandbox):
    rows, _ = api.every("/integration/tag/PII/subject/")
    assert {(r["object"]["otype"], r["object"]["id"]) for r in rows} == {
        api.ref(k)
        for k in (
            "1.SALES.PUBLIC.ORDERS.SHIPPING_ADDRESS",
            CUSTOMERS,
            "1.SALES.PUBLIC.PAYMENTS.CARD_LAST4",
            "2.public.users",
            "2.public.accounts.billing_email",
        )
    }
    assert list(rows[0]) == ["ts_tagged", "object"] and rows[0]["object"]["url"].endswith(
        f"/{rows[0]['object']['id']}/"
    )
    alation_sandbox.behaviour.configure(tag_subject_key="subject")
    assert "subject" in api.get("/integration/tag/PII/subject/").json()[0]


def test_subjects_page_with_x_next_page_and_order_by_ts_tagged(api):
    first = api.get("/integration/tag/PII/subject/", limit=2, order_by="-ts_tagged")
    assert len(first.json()) == 2
    assert first.headers["X-Next-Page"] == "/integration/tag/PII/subject/?order_by=-ts_tagged&skip=2&limit=2"
    rows, pages = api.every("/integration/tag/PII/subject/", limit=2, order_by="-ts_tagged")
    stamps = [r["ts_tagged"] for r in rows]
    assert pages == 3 and stamps == sorted(stamps, reverse=True)
    assert api.get("/integration/tag/PII/subject/", order_by="name").status_code == 400
    assert api.get("/integration/tag/Nope/subject/").status_code == 404


def test_tagging_creates_the_tag_and_untagging_removes_it(api, alation_sandbox):
    otype, oid = api.ref(ORDERS)
    name = "Team/Revenue & Co"
    r = api.post(f"/integration/tag/{quote(name, safe='')}/subject/", {"oid": oid, "otype": otype})
    assert r.status_code == 201 and r.json()["name"] == name and r.json()["number_of_objects_tagged"] == 1
    assert name in alation_sandbox.store.tags_of(ORDERS)
    gone = api.delete(f"/integration/tag/{quote(name, safe='')}/subject/{otype}/{oid}/")
    assert gone.status_code == 204 and gone.text == ""
    assert name not in alation_sandbox.store.tags_of(ORDERS)
    assert api.delete(f"/integration/tag/{quote(name, safe='')}/subject/{otype}/{oid}/").status_code == 404
    alation_sandbox.behaviour.configure(tag_subject_post_status=200)
    assert api.post("/integration/tag/PII/subject/", {"oid": oid, "otype": otype}).status_code == 200


def test_tagging_rejects_bad_otypes_and_objects(api):
    r = api.post("/integration/tag/PII/subject/", {"oid": 1, "otype": "dashboard"})
    assert (r.status_code, r.json()) == (400, {"otype": ['"dashboard" is not a valid choice.']})
    assert api.post("/integration/tag/PII/subject/", {"oid": 99999, "otype": "table"}).status_code == 404
    assert api.post("/integration/tag/PII/subject/", {"otype": "table"}).json() == {
        "oid": ["This field is required."]
    }


def test_a_tag_can_be_renamed_but_not_onto_another_name(api):
    tag = api.get("/integration/tag/").json()[3]
    r = api.request(
        "PATCH", f"/integration/tag/{tag['id']}/", json={"name": "Gold", "description": "<p>curated</p>"}
    )
    assert r.status_code == 200 and (r.json()["name"], r.json()["description"]) == ("Gold", "<p>curated</p>")
    clash = api.request("PATCH", f"/integration/tag/{tag['id']}/", json={"name": "PII"})
    assert clash.status_code == 400


def test_a_limited_user_sees_only_tag_subjects_in_its_data_sources(client_for):
    limited = client_for(SALES_ONLY_REFRESH)
    rows, _ = limited.every("/integration/tag/PII/subject/")
    assert len(rows) == 3
    assert limited.post("/integration/tag/PII/subject/", {"oid": 2, "otype": "data"}).status_code == 404
