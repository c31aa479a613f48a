"""Request counting, state files, scenarios (the demo against the demo catalog, errors with
their path), the page, the generator and `python -m sandbox alation`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.alation import Store, start_sandbox
from sandbox.alation.generator import generate
from sandbox.alation.generator import main as generator_main
from sandbox.alation.scenario import ScenarioError, build_store, load_scenario

from .conftest import ORDERS, PRODUCTS, Client

ROOT = Path(__file__).resolve().parents[3]


def test_the_store_counts_reads_and_writes_so_a_no_op_sync_can_be_seen_writing_nothing(alation_sandbox):
    api = Client(alation_sandbox)
    store = alation_sandbox.store
    api.get("/integration/v2/table/")
    api.get("/integration/tag/PII/subject/")
    api.post("/integration/v2/domain/membership/view_rules/", {"domain_id": [1], "exclude": False})
    assert (store.read_count(), store.write_count()) == (3, 0)
    otype, oid = api.ref(ORDERS)
    api.post("/integration/tag/PII/subject/", {"oid": oid, "otype": otype})
    api.job(
        api.post(
            "/integration/v1/data_quality/", {"fields": [{"field_key": "k", "name": "n", "type": "STRING"}]}
        )
    )
    assert store.write_count() == 2 and store.write_count("tag.add_subject") == 1
    assert store.read_count("job.get") == 2
    store.reset_counts()
    assert (store.read_count(), store.write_count(), [r.kind for r in store.requests]) == (0, 0, [])


def test_state_saves_and_loads_with_everything_intact(alation_sandbox, tmp_path):
    api = Client(alation_sandbox)
    store = alation_sandbox.store
    otype, oid = api.ref(PRODUCTS)
    api.post(
        "/integration/flag/",
        {"flag_type": "DEPRECATION", "flag_reason": "old", "subject": {"id": oid, "otype": otype}},
    )
    api.post("/integration/v1/data_quality/", {"fields": [{"field_key": "k", "name": "n", "type": "STRING"}]})
    store.add_tag(ORDERS, "Saved Tag")
    path = tmp_path / "state.json"
    store.save(path)
    loaded = Store.load(path)
    assert loaded.tags_of(ORDERS) == store.tags_of(ORDERS)
    assert loaded.flags_on(PRODUCTS) == store.flags_on(PRODUCTS)
    assert loaded.field_values(ORDERS) == store.field_values(ORDERS)
    assert loaded.dq_rows(ORDERS) == store.dq_rows(ORDERS)
    assert loaded.dq.field("k") is not None and loaded.jobs.jobs.keys() == store.jobs.jobs.keys()
    assert loaded.domains.to_state() == store.domains.to_state()
    assert (loaded.demo_user_id, loaded.demo_refresh_token) == (7, "plumbline-demo-refresh-token")
    assert loaded.catalog.resolve("1.sales.public.orders") == store.catalog.resolve(ORDERS)
    with start_sandbox(loaded) as again:
        assert Client(again).get("/integration/v2/table/", key=ORDERS).json()[0]["id"] == store.ref(ORDERS)[1]
    with pytest.raises(ValueError):
        Store.from_state({"format": "something else"})


def test_loading_another_scenario_replaces_the_catalog(alation_sandbox):
    alation_sandbox.load_scenario(
        {
            "name": "tiny",
            "users": [{"id": 2, "username": "u"}],
            "refresh_tokens": [{"token": "tiny-token", "user_id": 2}],
            "data_sources": [
                {
                    "title": "T",
                    "dbtype": "mysql",
                    "host": "h",
                    "dbname": "d",
                    "schemas": [{"name": "s", "tables": [{"name": "t"}]}],
                }
            ],
        }
    )
    assert (alation_sandbox.user_id, alation_sandbox.refresh_token) == (2, "tiny-token")
    assert [t["key"] for t in Client(alation_sandbox).get("/integration/v2/table/").json()] == ["1.s.t"]


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"data_sources": [{"title": "x"}]}, "data_sources[0].dbtype: required"),
        (
            {
                "data_sources": [
                    {
                        "title": "x",
                        "dbtype": "snowflake",
                        "host": "h",
                        "dbname": "D",
                        "schemas": [{"name": "PUBLIC"}],
                    }
                ]
            },
            "data_sources[0].schemas[0].name: snowflake schemas are named DATABASE.SCHEMA",
        ),
        (
            {
                "data_sources": [
                    {"title": "x", "dbtype": "mysql", "host": "h", "dbname": "d", "tags": ["Nope"]}
                ]
            },
            "data_sources[0].tags[0]: unknown tag 'Nope'",
        ),
        ({"users": [{"id": 1, "username": "u", "data_sources": "all"}]}, "users[0].data_sources"),
        ({"refresh_tokens": [{"token": "t", "user_id": 5}]}, "refresh_tokens[0].user_id: unknown user 5"),
        (
            {"domains": [{"id": 1, "title": "D", "members": [{"otype": "table", "key": "9.a.b"}]}]},
            "domains[0].members[0].key",
        ),
    ],
)
def test_a_bad_scenario_is_rejected_with_the_offending_path(scenario, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_store(scenario)


def test_the_demo_matches_the_demo_catalog_with_planted_differences():
    catalog = json.loads((ROOT / "catalog/demo/demo_catalog.json").read_text())
    store = build_store(load_scenario("demo"))
    objects = store.catalog.objects
    missing, case_only, matched = set(), set(), 0
    for ds in catalog["datastores"]:
        source = [
            d
            for d in objects["data"].values()
            if d["dbtype"] == ds["connector_type"] and d["host"] == ds["host"]
        ]
        assert len(source) == 1 and source[0]["dbname"].lower() == ds["database"].lower(), ds["name"]
        schema_name = f"{ds['database']}.{ds['schema']}" if source[0]["multipart"] else ds["schema"]
        schema = store.catalog.resolve(f"{source[0]['id']}.{schema_name}", "schema")
        assert schema is not None, ds["name"]
        tables = {objects["table"][t]["name"]: t for t in store.catalog.child_ids(*schema)}
        lowered = {n.lower(): n for n in tables}
        for container in ds["containers"]:
            name = lowered.get(container["name"].lower())
            if name is None:
                missing.add(container["name"])
                continue
            matched += 1
            case_only |= {container["name"]} if name != container["name"] else set()
            columns = {
                objects["attribute"][c]["name"].lower()
                for c in store.catalog.child_ids("table", tables[name])
            }
            assert {f["name"].lower() for f in container["fields"]} == columns, container["name"]
        if ds["connector_type"] == "snowflake":
            assert {n for n in tables if n.lower() not in {c["name"].lower() for c in ds["containers"]}} == {
                "ORDERS_ARCHIVE"
            }
    assert (missing, case_only, matched) == ({"sessions"}, {"customers"}, 14)
    assert {t["name"].lower() for t in catalog["tags"]} & {
        t["name"].lower() for t in store.tags.tags.values()
    } == {"finance"}
    assert {otype for otype, _ in store.tags.by_object if store.tags.by_object[(otype, _)]} == {
        "schema",
        "table",
        "attribute",
    }
    assert [f["owner"] for f in store.flags_on(ORDERS)] == ["Jane Smith"]
    assert [f["user_id"] for f in store.flags_on(PRODUCTS)] == [7]


def test_the_page_shows_sources_flags_health_and_escapes_markup(alation_sandbox):
    store = alation_sandbox.store
    store.add_flag("1.SALES.PUBLIC.PAYMENTS", "WARNING", "<script>alert(1)</script>", user_id=7)
    html = requests.get(f"{alation_sandbox.url}/", params={"ds": 1}, timeout=5).text
    assert "Sales Warehouse" in html and "App Database" in html and "Recent flags" in html
    assert "Deprecated &lt;b&gt;legacy&lt;/b&gt;" in html and "<b>legacy</b>" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Jane Smith" in html and "Freshness (Bigeye)" in html and "No Issues" in html
    assert "Business Domain" in html and "domain: Orders" in html
    filtered = requests.get(f"{alation_sandbox.url}/", params={"ds": 1, "q": "payments"}, timeout=5).text
    assert "PAYMENTS" in filtered and "ORDER_ITEMS" not in filtered
    assert requests.get(f"{alation_sandbox.url}/", params={"ds": "x<"}, timeout=5).status_code == 200


def test_the_page_pages_through_tables(alation_sandbox):
    store = alation_sandbox.load_scenario(generate(tables=45, columns=2, sources=1)[0])
    html = requests.get(f"{alation_sandbox.url}/", params={"ds": 1, "p": 3}, timeout=5).text
    on_last_page = len(store.catalog.objects["table"]) - 40
    assert "Pages:" in html and "<span>3</span>" in html
    assert html.count('class="card"><h3>') == 2 + on_last_page


def test_the_generator_makes_a_matching_scenario_and_catalog(tmp_path):
    scenario, catalog = generate(tables=60, columns=5, sources=3, seed=3)
    store = build_store(scenario)
    tables = len(store.catalog.objects["table"])
    assert tables in range(55, 61) and len(store.catalog.objects["attribute"]) == 5 * tables
    tagged = sum(1 for ref, tags in store.tags.by_object.items() if tags and ref[0] in ("table", "attribute"))
    assert 0.2 < tagged / (tables * 6) < 0.45
    assert [d["connector_type"] for d in catalog["datastores"]] == ["snowflake", "postgresql", "sqlserver"]
    assert sum(len(d["containers"]) for d in catalog["datastores"]) in range(55, 61)
    assert generate(tables=60, columns=5, sources=3, seed=3) == (scenario, catalog)
    out, cat = tmp_path / "s.json", tmp_path / "c.json"
    assert (
        generator_main(["--tables", "10", "--columns", "2", "--out", str(out), "--catalog-out", str(cat)])
        == 0
    )
    assert (
        build_store(json.loads(out.read_text())).catalog.objects["table"]
        and json.loads(cat.read_text())["datastores"]
    )


def test_python_m_sandbox_alation_prints_its_url_and_credentials_and_saves_state(tmp_path):
    state = tmp_path / "state.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "alation", "--port", "0", "--state", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "Alation sandbox running at http://127.0.0.1:" in first, (
            proc.stderr.read() if proc.poll() else first
        )
        url = first.split(" at ", 1)[1].split("/ ", 1)[0]
        assert proc.stdout.readline().strip() == "Demo user id: 7"
        assert proc.stdout.readline().strip() == "Demo refresh token: plumbline-demo-refresh-token"
        body = {"refresh_token": "plumbline-demo-refresh-token", "user_id": 7}
        token = requests.post(f"{url}/integration/v1/createAPIAccessToken/", json=body, timeout=5).json()[
            "api_access_token"
        ]
        tags = requests.get(f"{url}/integration/tag/", headers={"TOKEN": token}, timeout=5)
        assert tags.status_code == 200 and tags.json()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "State saved" in out and Store.load(state).catalog.resolve(ORDERS) is not None
