"""Polling a job: the same id through 401s and 429s, bounded backoff, a deadline, typed failures."""

from __future__ import annotations

import pickle

import pytest
import responses
from responses import matchers

from integrations.alation.errors import AlationJobError, AlationJobFailedError, AlationJobTimeoutError
from integrations.alation.records import JobFailure
from integrations.http import RequestCounts
from tests.integrations.alation.support import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_2,
    CREATE_TOKEN,
    JOB,
    FakeClock,
    access_ok,
    add_auth,
    job_sample,
    make_client,
    sample,
)

RUNNING = {"status": "running", "msg": "", "result": None}
JOB_42 = [matchers.query_param_matcher({"id": "42"})]


def job_calls() -> list[responses.Call]:
    return [c for c in responses.calls if c.request.url.startswith(JOB)]


def done() -> dict:
    return job_sample("data_quality_post_values")[1]


@responses.activate
def test_a_job_is_polled_with_growing_pauses_until_it_ends():
    add_auth(responses)
    for body in (RUNNING, RUNNING, RUNNING, done()):
        responses.get(JOB, match=JOB_42, json=body)
    clock = FakeClock()
    client = make_client(clock, job_poll_initial=1.0, job_poll_max=3.0)

    job = client.job_wait(42)

    assert (job.id, job.status) == (42, "successful")
    assert clock.sleeps == [1.0, 2.0, 3.0]
    assert client.counts == RequestCounts(reads=6, writes=0, retries=0, waited_seconds=6.0)


@responses.activate
def test_a_401_while_polling_mints_a_new_token_and_keeps_polling_the_same_job():
    add_auth(responses)
    responses.post(CREATE_TOKEN, json=access_ok(ACCESS_TOKEN_2))
    responses.get(JOB, match=JOB_42, json=RUNNING)
    responses.get(
        JOB,
        match=JOB_42,
        status=401,
        json={"detail": "API Access Token provided is invalid.", "code": "401000"},
    )
    responses.get(JOB, match=JOB_42, json=done())
    client = make_client()

    assert client.job_wait(42).status == "successful"

    assert [c.request.headers["TOKEN"] for c in job_calls()] == [ACCESS_TOKEN, ACCESS_TOKEN, ACCESS_TOKEN_2]


@responses.activate
def test_a_429_while_polling_waits_as_asked_or_backs_off_and_keeps_the_job_id():
    add_auth(responses)
    responses.get(JOB, match=JOB_42, status=429, headers={"Retry-After": "7"}, json={"detail": "Slow down."})
    responses.get(JOB, match=JOB_42, status=429, json={"detail": "Slow down."})
    responses.get(JOB, match=JOB_42, json=done())
    clock = FakeClock()
    client = make_client(clock)

    assert client.job_wait(42).status == "successful"

    # 7 s as asked, then full-jitter backoff (base 1 s * 2**1 * 0.5) without a Retry-After.
    assert clock.sleeps == [7.0, 1.0]
    assert len(job_calls()) == 3


@responses.activate
def test_rate_limiting_that_outlasts_the_http_retries_is_waited_out_on_the_same_job():
    add_auth(responses)
    for _ in range(2):
        responses.get(JOB, match=JOB_42, status=429, headers={"Retry-After": "5"})
    for _ in range(2):
        responses.get(JOB, match=JOB_42, status=429, headers={"Retry-After": "3"})
    responses.get(JOB, match=JOB_42, json=done())
    clock = FakeClock()
    client = make_client(clock, max_retries=1)

    assert client.job_wait(42).status == "successful"

    assert clock.sleeps == [5.0, 5.0, 3.0, 3.0]
    assert len(job_calls()) == 5


@responses.activate
def test_a_failed_job_raises_naming_the_job_and_its_first_failures():
    add_auth(responses)
    failed = {
        "status": "failed",
        "msg": "Job finished with errors",
        "result": [
            {
                "response": "",
                "mapping": [],
                "errors": [{"key": f"1.s.t{n}", "detail": "bad"} for n in range(5)],
            }
        ],
    }
    responses.get(JOB, match=JOB_42, json=failed)
    client = make_client()

    with pytest.raises(AlationJobFailedError) as caught:
        client.job_wait(42)

    assert caught.value.job_id == 42
    assert len(caught.value.failures) == 5
    assert str(caught.value) == (
        "Alation job 42 failed: Job finished with errors. First failures: 1.s.t0: bad; 1.s.t1: bad; "
        "1.s.t2: bad (and 2 more)."
    )


@responses.activate
def test_a_job_still_running_at_the_deadline_raises_with_its_id():
    add_auth(responses)
    responses.get(JOB, match=JOB_42, json=RUNNING)
    clock = FakeClock()
    client = make_client(clock, job_timeout=10.0, job_poll_initial=2.0, job_poll_max=4.0)

    with pytest.raises(
        AlationJobTimeoutError, match=r"job 42 had not finished after 10 s \(status running\)"
    ) as caught:
        client.job_wait(42)

    assert caught.value.job_id == 42
    assert sum(clock.sleeps) <= 10.0


@responses.activate
def test_an_unknown_job_says_so():
    add_auth(responses)
    responses.get(JOB, match=JOB_42, status=404, json={"detail": "Not found.", "code": "404000"})
    client = make_client()

    with pytest.raises(AlationJobError, match="Alation has no job 42"):
        client.job_wait(42)


@responses.activate
def test_a_successful_job_with_unresolved_keys_returns_them_as_failures():
    add_auth(responses)
    result = sample("errors.json")["data_quality_unresolved_object_key"]["job_result"]
    responses.get(JOB, match=JOB_42, json={"status": "successful", "msg": "", "result": result})
    client = make_client()

    job = client.job_wait(42)

    assert job.failure_count == 1
    assert job.failures[0].object_key == "1.public.parts.banana"


def test_job_errors_pickle_with_their_job_id_and_failures_for_the_task_queue():
    error = AlationJobFailedError(
        "Alation job 7 failed.", job_id=7, failures=[JobFailure("bad", object_key="1.a")]
    )

    copy = pickle.loads(pickle.dumps(error))

    assert (type(copy), copy.job_id, copy.failures, str(copy)) == (
        AlationJobFailedError,
        7,
        (JobFailure("bad", object_key="1.a"),),
        "Alation job 7 failed.",
    )


@responses.activate
def test_jobs_started_beside_are_polled_in_the_same_rounds_and_their_own_wait_needs_no_pause():
    add_auth(responses)
    job_7 = [matchers.query_param_matcher({"id": "7"})]
    for body in (RUNNING, RUNNING, done()):
        responses.get(JOB, match=JOB_42, json=body)
    for body in (RUNNING, done()):
        responses.get(JOB, match=job_7, json=body)
    clock = FakeClock()
    client = make_client(clock, job_poll_initial=1.0, job_poll_max=3.0)
    client.job_started(7)  # e.g. a value write sent before the Data Health write it waits for

    assert client.job_wait(42).status == "successful"
    assert client.job_wait(7).status == "successful"

    # One pause per round serves both jobs; job 7 ended during job 42's wait and was not asked again.
    assert clock.sleeps == [1.0, 2.0]
    assert [c.request.url.split("id=")[1] for c in job_calls()] == ["42", "7", "42", "7", "42"]
    assert client.jobs_beside == set() and client.jobs_ended == {}


@responses.activate
def test_a_job_beside_that_fails_is_reported_by_its_own_wait():
    add_auth(responses)
    job_7 = [matchers.query_param_matcher({"id": "7"})]
    failed = {"status": "failed", "msg": "Job failed: internal error", "result": None}
    responses.get(JOB, match=JOB_42, json=done())
    responses.get(JOB, match=job_7, json=failed)
    client = make_client(FakeClock())
    client.job_started(7)

    assert client.job_wait(42).status == "successful"
    with pytest.raises(AlationJobFailedError, match="Alation job 7 failed: Job failed: internal error"):
        client.job_wait(7)
    assert len(job_calls()) == 2
