"""The store, scenarios, state files, request counting, the page and the generator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.atlan import Store, start_sandbox
from sandbox.atlan.generator import generate
from sandbox.atlan.generator import main as generator_main
from sandbox.atlan.scenario import ScenarioError, build_store, load_scenario

ROOT = Path(__file__).resolve().parents[3]
SF = "default/snowflake/1700000000"
ORDERS = f"{SF}/SALES/PUBLIC/ORDERS"
PLUMBLINE_TO_ATLAN = {"postgresql": "postgres", "sqlserver": "mssql"}


def _bulk_description(sandbox, text: str) -> requests.Response:
    entity = {
        "typeName": "Table",
        "attributes": {"qualifiedName": ORDERS, "name": "ORDERS", "description": text},
    }
    return requests.post(
        f"{sandbox.url}/api/meta/entity/bulk", json={"entities": [entity]}, headers=sandbox.headers()
    )


def test_the_store_counts_write_requests_so_a_repeated_push_can_be_seen_writing_nothing(atlan_sandbox):
    store = atlan_sandbox.store
    assert store.write_count() == 0
    _bulk_description(atlan_sandbox, "pushed")
    requests.get(f"{atlan_sandbox.url}/api/service/users/current", headers=atlan_sandbox.headers())
    assert store.write_count() == 1 and store.write_count("entity.bulk") == 1
    assert store.read_count() == 1 and store.read_count("users.current") == 1
    store.reset_counts()
    requests.post(
        f"{atlan_sandbox.url}/api/meta/search/indexsearch",
        json={"dsl": {"query": {"match_all": {}}}},
        headers=atlan_sandbox.headers(),
    )
    assert store.write_count() == 0 and store.request_count("search") == 1
    assert [r.kind for r in store.requests] == ["search"]


def test_store_helpers_add_and_remove_tags_by_display_name(atlan_sandbox):
    store = atlan_sandbox.store
    store.add_tag(ORDERS, "Brand New Tag", propagate=True)
    assert "Brand New Tag" in store.tags_of(ORDERS)
    assert "Brand New Tag" in store.tags_of(f"{ORDERS}/ORDER_ID")
    assert "Brand New Tag" not in store.tags_of(f"{ORDERS}/ORDER_ID", propagated=False)
    store.remove_tag(ORDERS, "Brand New Tag")
    assert "Brand New Tag" not in store.tags_of(f"{ORDERS}/ORDER_ID")
    store.set_custom_metadata(ORDERS, "Data Ownership", {"Domain": None})
    assert "Domain" not in store.custom_metadata(ORDERS)["Data Ownership"]


def test_the_demo_scenario_keeps_a_person_set_announcement(atlan_sandbox):
    announcement = atlan_sandbox.store.announcement(ORDERS)
    assert announcement["updated_by"] == "jsmith" and announcement["type"] == "information"
    assert announcement["updated_at"] > 0


def test_state_saves_and_loads_with_everything_intact(atlan_sandbox, tmp_path):
    store = atlan_sandbox.store
    store.add_tag(ORDERS, "Saved Tag")
    store.set_announcement(ORDERS, "warning", "saved", by="tester")
    path = tmp_path / "state.json"
    store.save(path)
    loaded = Store.load(path)
    assert loaded.tags_of(ORDERS) == store.tags_of(ORDERS)
    assert loaded.announcement(ORDERS) == store.announcement(ORDERS)
    assert loaded.custom_metadata(ORDERS) == store.custom_metadata(ORDERS)
    assert set(loaded.tokens) == set(store.tokens)
    assert loaded.find_qn(ORDERS)["guid"] == store.find_qn(ORDERS)["guid"]
    with pytest.raises(ValueError):
        Store.from_state({"format": "something else"})


def test_loading_another_scenario_replaces_the_catalog(atlan_sandbox):
    scenario = {
        "name": "tiny",
        "tags": [{"name": "Hot", "color": "Red"}],
        "connections": [
            {
                "name": "c",
                "connector": "snowflake",
                "qualified_name": "default/snowflake/1",
                "databases": [
                    {"name": "D", "schemas": [{"name": "S", "tables": [{"name": "T", "tags": ["Hot"]}]}]}
                ],
            }
        ],
        "tokens": [{"token": "tiny-token", "username": "tiny"}],
    }
    atlan_sandbox.load_scenario(scenario)
    assert atlan_sandbox.token == "tiny-token"
    r = requests.get(
        f"{atlan_sandbox.url}/api/meta/entity/uniqueAttribute/type/Table",
        params={"attr:qualifiedName": "default/snowflake/1/D/S/T"},
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 200
    assert atlan_sandbox.store.find_qn(ORDERS) is None


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"connections": [{"name": "x"}]}, "connections[0].connector: required"),
        (
            {
                "connections": [
                    {"name": "x", "connector": "snowflake", "databases": [{"name": "D", "tags": ["Nope"]}]}
                ]
            },
            "connections[0].databases[0].tags[0]: unknown tag 'Nope'",
        ),
        ({"tokens": [{"token": "t", "username": "u", "connections": "all"}]}, "tokens[0].connections"),
    ],
)
def test_a_bad_scenario_is_rejected_with_the_offending_path(scenario, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_store(scenario)


def test_the_demo_scenario_matches_the_demo_catalog_with_planted_differences():
    catalog = json.loads((ROOT / "catalog/demo/demo_catalog.json").read_text())
    store = build_store(load_scenario("demo"))
    missing_in_atlan: set[str] = set()
    case_only: set[str] = set()
    matched = 0
    for ds in catalog["datastores"]:
        connector = PLUMBLINE_TO_ATLAN.get(ds["connector_type"], ds["connector_type"])
        schemas = [
            s
            for s in store.of_type("Schema")
            if s["attributes"]["connectorName"] == connector
            and s["attributes"]["name"].lower() == ds["schema"].lower()
            and s["attributes"]["databaseName"].lower() == ds["database"].lower()
        ]
        assert len(schemas) == 1, ds["name"]
        tables = {t["attributes"]["name"]: t for t in store.children(schemas[0])}
        lowered = {name.lower(): name for name in tables}
        for container in ds["containers"]:
            atlan_name = lowered.get(container["name"].lower())
            if atlan_name is None:
                missing_in_atlan.add(container["name"])
                continue
            matched += 1
            if atlan_name != container["name"]:
                case_only.add(container["name"])
            columns = {c["attributes"]["name"].lower() for c in store.children(tables[atlan_name])}
            assert {f["name"].lower() for f in container["fields"]} == columns, container["name"]
        catalog_names = {c["name"].lower() for c in ds["containers"]}
        only_atlan = {n for n in tables if n.lower() not in catalog_names}
        if ds["connector_type"] == "snowflake":
            assert only_atlan == {"ORDERS_ARCHIVE"}
    assert missing_in_atlan == {"sessions"}
    assert case_only == {"customers"}
    assert matched == 14
    global_tags = {t["name"].lower() for t in catalog["tags"]}
    atlan_tags = {d["displayName"].lower() for d in store.tag_defs()}
    assert global_tags & atlan_tags == {"finance"}
    levels = {e["typeName"] for e in store.entities.values() if e["tags"]}
    assert {"Schema", "Table", "Column"} <= levels


def test_the_demo_catalog_keeps_scores_in_range_with_series():
    catalog = json.loads((ROOT / "catalog/demo/demo_catalog.json").read_text())
    containers = [c for ds in catalog["datastores"] for c in ds["containers"]]
    assert 12 <= len(containers) <= 15 and len({ds["connector_type"] for ds in catalog["datastores"]}) >= 2
    for ds in catalog["datastores"]:
        assert 3 <= len(ds["scores"]) <= 6
        for c in ds["containers"]:
            assert 3 <= len(c["scores"]) <= 6
            for score in c["scores"] + [s for f in c["fields"] for s in f["scores"]]:
                assert all(0 <= v <= 100 for k, v in score.items() if k != "recorded_at" and v is not None)
    statuses = {a["status"] for c in containers for a in c["anomalies"]}
    assert {"active", "acknowledged", "resolved"} <= statuses


def test_the_page_lists_connections_tags_announcements_and_escapes_markup(atlan_sandbox):
    store = atlan_sandbox.store
    store.set_announcement(
        f"{SF}/SALES/PUBLIC/PAYMENTS", "warning", "<script>alert(1)</script>", by="plumbline"
    )
    r = requests.get(f"{atlan_sandbox.url}/", params={"connection": SF})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert "acme-snowflake" in html and "app-postgres" in html
    assert "Recent announcements" in html and "Migrating to ORDERS_V2 in Q1" in html
    assert "Deprecated &lt;legacy&gt;" in html and "Deprecated <legacy>" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Data Ownership" in html and "jsmith" in html
    filtered = requests.get(f"{atlan_sandbox.url}/", params={"connection": SF, "q": "payments"}).text
    assert "PAYMENTS" in filtered and "ORDER_ITEMS" not in filtered


def test_the_generator_makes_a_matching_scenario_and_catalog(tmp_path):
    scenario, catalog = generate(tables=60, columns=5, connections=3, seed=3)
    store = build_store(scenario)
    assert len(list(store.of_type("Table"))) in range(55, 61)
    assert len(list(store.of_type("Column"))) == 5 * len(list(store.of_type("Table")))
    tagged = [e for e in store.entities.values() if e["tags"] and e["typeName"] in ("Table", "Column")]
    share = len(tagged) / (len(list(store.of_type("Table"))) + len(list(store.of_type("Column"))))
    assert 0.2 < share < 0.45
    assert len(catalog["datastores"]) == 3
    assert sum(len(d["containers"]) for d in catalog["datastores"]) in range(55, 61)
    assert generate(tables=60, columns=5, connections=3, seed=3) == (scenario, catalog)
    out, cat = tmp_path / "s.json", tmp_path / "c.json"
    assert (
        generator_main(["--tables", "10", "--columns", "2", "--out", str(out), "--catalog-out", str(cat)])
        == 0
    )
    assert build_store(json.loads(out.read_text())).entities and json.loads(cat.read_text())["datastores"]


def test_start_sandbox_serves_a_scenario_file_and_stops(tmp_path):
    scenario, _ = generate(tables=4, columns=2, connections=1)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario))
    with start_sandbox(path) as sandbox:
        r = requests.get(f"{sandbox.url}/api/service/users/current", headers=sandbox.headers())
        assert r.status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sandbox.url}/api/service/users/current", headers=sandbox.headers(), timeout=2)


def test_python_m_sandbox_atlan_prints_its_url_and_token_and_saves_state(tmp_path):
    state = tmp_path / "state.json"
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "atlan", "--port", "0", "--state", str(state)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "Atlan sandbox running at http://127.0.0.1:" in first, (
            proc.stderr.read() if proc.poll() else first
        )
        url = first.split(" at ", 1)[1].split("/ ", 1)[0]
        assert proc.stdout.readline().strip() == "Demo token: plumbline-demo-token"
        r = requests.get(
            f"{url}/api/service/whoami", headers={"Authorization": "Bearer plumbline-demo-token"}
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "State saved" in out and Store.load(state).find_qn(ORDERS) is not None


def test_a_store_built_consuming_its_scenario_is_the_same_store():
    scenario = generate(tables=12, columns=5, connections=2)[0]
    kept = build_store(scenario)
    assert all(
        t is not None for c in scenario["connections"] for t in c["databases"][0]["schemas"][0]["tables"]
    )
    consumed = build_store(json.loads(json.dumps(scenario)), consume=True)
    assert consumed.to_state()["entities"] == kept.to_state()["entities"]
    column = next(consumed.of_type("Column"))
    assert consumed.find("Column", column["attributes"]["qualifiedName"]) is column
    assert consumed.find("Table", column["attributes"]["qualifiedName"]) is None


def test_assets_share_equal_tags_yet_a_change_to_one_leaves_the_others_alone(atlan_sandbox):
    store = atlan_sandbox.store
    orders, payments = ORDERS, f"{SF}/SALES/PUBLIC/PAYMENTS"
    for qn in (orders, payments):
        store.add_tag(qn, "Shared tag")
    first, second = store.require_qn(orders)["tags"][-1], store.require_qn(payments)["tags"][-1]
    assert first is second  # one dict for both
    store.add_tag(orders, "Shared tag", propagate=True)
    store.remove_tag(payments, "Shared tag")
    assert "Shared tag" not in store.tags_of(payments, propagated=False)
    assert store.require_qn(orders)["tags"][-1]["propagate"] is True
    assert second["propagate"] is False
