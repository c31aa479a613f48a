"""Faults: 429 with Retry-After, 500/503, dropped connections, latency, size caps, and the same
faults again under the same seed."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.atlan import FaultConfig, start_sandbox


def _current_user(sandbox) -> requests.Response:
    return requests.get(f"{sandbox.url}/api/service/users/current", headers=sandbox.headers(), timeout=5)


def test_rate_limited_answers_are_429_with_retry_after_and_an_atlan_body(atlan_sandbox):
    atlan_sandbox.faults.configure(rate_limit_share=1.0, retry_after_seconds=3)
    r = _current_user(atlan_sandbox)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"
    assert r.json()["errorCode"] == "ATLAS-429-00-001"
    assert atlan_sandbox.store.counts.faults["429"] == 1


def test_server_errors_are_500_or_503_in_about_the_configured_share(atlan_sandbox):
    atlan_sandbox.faults.configure(server_error_share=0.3, seed=11)
    statuses = [_current_user(atlan_sandbox).status_code for _ in range(200)]
    errors = [s for s in statuses if s != 200]
    assert set(errors) == {500, 503}
    assert 35 <= len(errors) <= 85
    assert set(statuses) <= {200, 500, 503}


def test_a_dropped_connection_raises_connection_error(atlan_sandbox):
    atlan_sandbox.faults.configure(drop_share=1.0)
    with pytest.raises(requests.ConnectionError):
        _current_user(atlan_sandbox)
    atlan_sandbox.faults.configure(drop_share=0.0)
    assert _current_user(atlan_sandbox).status_code == 200


def test_latency_delays_every_api_answer(atlan_sandbox):
    atlan_sandbox.faults.configure(latency_ms=60)
    started = time.monotonic()
    assert _current_user(atlan_sandbox).status_code == 200
    assert time.monotonic() - started >= 0.06


def test_the_same_seed_gives_the_same_faults():
    config = {"rate_limit_share": 0.2, "server_error_share": 0.2, "seed": 42}
    runs = []
    for _ in range(2):
        with start_sandbox("demo", faults=FaultConfig(**config)) as sandbox:
            runs.append([_current_user(sandbox).status_code for _ in range(40)])
    assert runs[0] == runs[1]
    assert {429, 200} <= set(runs[0])


def test_pages_larger_than_the_cap_are_a_400(atlan_sandbox):
    atlan_sandbox.faults.configure(max_page_size=50)
    url = f"{atlan_sandbox.url}/api/meta/search/indexsearch"
    ok = requests.post(
        url, json={"dsl": {"size": 50, "query": {"match_all": {}}}}, headers=atlan_sandbox.headers()
    )
    too_big = requests.post(
        url, json={"dsl": {"size": 51, "query": {"match_all": {}}}}, headers=atlan_sandbox.headers()
    )
    assert ok.status_code == 200
    assert too_big.status_code == 400 and "51" in too_big.json()["errorMessage"]


def test_bulk_batches_larger_than_the_cap_are_a_400_and_change_nothing(atlan_sandbox):
    atlan_sandbox.faults.configure(max_batch_size=2)
    schema = "default/snowflake/1700000000/SALES/PUBLIC"
    entities = [
        {
            "typeName": "Table",
            "guid": f"-{i}",
            "attributes": {"qualifiedName": f"{schema}/T{i}", "name": f"T{i}"},
        }
        for i in range(1, 4)
    ]
    before = len(atlan_sandbox.store.entities)
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/bulk",
        json={"entities": entities},
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 400 and r.json()["errorCode"].startswith("ATLAS-400")
    assert len(atlan_sandbox.store.entities) == before
    r = requests.post(
        f"{atlan_sandbox.url}/api/meta/entity/bulk",
        json={"entities": entities[:2]},
        headers=atlan_sandbox.headers(),
    )
    assert r.status_code == 200


def test_faults_never_touch_the_page(atlan_sandbox):
    atlan_sandbox.faults.configure(server_error_share=1.0)
    assert requests.get(f"{atlan_sandbox.url}/").status_code == 200
