"""Faults: 429 with and without Retry-After, 5xx pages, dropped connections, latency, failed
jobs, and the same faults again under the same seed."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.alation import FaultConfig, start_sandbox

from .conftest import Client


def _tables(sandbox) -> requests.Response:
    return requests.get(f"{sandbox.url}/integration/v2/table/", headers=sandbox.headers(), timeout=5)


def test_rate_limited_answers_are_429_with_retry_after(alation_sandbox):
    alation_sandbox.faults.configure(rate_limit_share=1.0, retry_after_seconds=3)
    r = _tables(alation_sandbox)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert r.json() == {"detail": "Request was throttled. Expected available in 3 seconds.", "code": "429000"}
    assert alation_sandbox.store.counts.faults["429"] == 1 and alation_sandbox.store.read_count() == 0


def test_some_429s_come_without_retry_after(alation_sandbox):
    alation_sandbox.faults.configure(rate_limit_share=1.0, retry_after_share=0.5, seed=5)
    answers = [_tables(alation_sandbox) for _ in range(30)]
    with_header = [r for r in answers if "Retry-After" in r.headers]
    assert 5 < len(with_header) < 25
    assert {r.json()["detail"] for r in answers if "Retry-After" not in r.headers} == {
        "Request was throttled."
    }


def test_server_errors_are_html_500_502_and_503_in_about_the_configured_share(alation_sandbox):
    alation_sandbox.faults.configure(server_error_share=0.3, seed=11)
    answers = [_tables(alation_sandbox) for _ in range(150)]
    errors = [r for r in answers if r.status_code != 200]
    assert {r.status_code for r in errors} == {500, 502, 503}
    assert 25 <= len(errors) <= 70
    assert all(r.headers["Content-Type"].startswith("text/html") for r in errors)


def test_a_dropped_connection_raises_connection_error(alation_sandbox):
    alation_sandbox.faults.configure(drop_share=1.0)
    with pytest.raises(requests.ConnectionError):
        _tables(alation_sandbox)
    alation_sandbox.faults.configure(drop_share=0.0)
    assert _tables(alation_sandbox).status_code == 200


def test_latency_delays_every_api_answer(alation_sandbox):
    alation_sandbox.faults.configure(latency_ms=60)
    started = time.monotonic()
    assert _tables(alation_sandbox).status_code == 200
    assert time.monotonic() - started >= 0.06


def test_a_failed_job_says_so_and_writes_nothing(alation_sandbox):
    api = Client(alation_sandbox)
    alation_sandbox.faults.configure(job_failure_share=1.0)
    otype, oid = api.ref("1.SALES.PUBLIC.PAYMENTS")
    job = api.job(
        api.put(
            "/integration/v2/custom_field_value/async/",
            [{"field_id": 10002, "otype": otype, "oid": oid, "value": "x"}],
        )
    )
    assert job["status"] == "failed" and job["msg"].startswith("Job failed in ")
    assert alation_sandbox.store.field_values("1.SALES.PUBLIC.PAYMENTS") == {}


def test_the_same_seed_gives_the_same_faults():
    config = {"rate_limit_share": 0.2, "server_error_share": 0.2, "retry_after_share": 0.5, "seed": 42}
    runs = []
    for _ in range(2):
        with start_sandbox("demo", faults=FaultConfig(**config)) as sandbox:
            runs.append(
                [(r.status_code, r.headers.get("Retry-After")) for r in (_tables(sandbox) for _ in range(40))]
            )
    assert runs[0] == runs[1]
    assert {429, 200} <= {status for status, _ in runs[0]}


def test_faults_never_touch_the_page(alation_sandbox):
    alation_sandbox.faults.configure(server_error_share=1.0)
    assert requests.get(f"{alation_sandbox.url}/", timeout=5).status_code == 200
