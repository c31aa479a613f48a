"""Alation's async jobs: the id an accepted write carries, the job body, and what it failed to do.

`result` differs by endpoint (reference §7): a list of `{response, mapping, errors}` (RDBMS), a
list of strings (custom field values; cloud tenants append the id of a second "Legacy" job), a
list of JSON-encoded strings (custom field create) or a dict (Data Quality). A "successful" job
can still have failed per object, so every shape is searched for failures.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.alation.errors import (
    AlationJobError,
    AlationJobFailedError,
    AlationJobTimeoutError,
    describe_failures,
)
from integrations.alation.records import Job, JobFailure, ObjectRef, WriteResult
from integrations.alation.shapes import flatten_errors, malformed, optional_int, optional_str, require_dict
from integrations.http import (
    CatalogAuthenticationError,
    CatalogConnectionError,
    CatalogError,
    CatalogNotFoundError,
    CatalogRateLimitedError,
    CatalogServerError,
    HttpClient,
)

logger = logging.getLogger("integrations.alation.jobs")

JOB_PATH = "api/v1/bulk_metadata/job/"

JOB_STATUSES = ("running", "successful", "failed", "partially_successful")
_LEGACY_JOB = re.compile(r"can be tracked using jobs API\)\s*:\s*(\d+)")
_ERROR_COUNT = re.compile(r"Error count:\s*(\d+)\.\s*Errors:\s*(\[.*\])", re.DOTALL)
_OBJECT_NOT_FOUND = re.compile(r"Object not found:\s*([A-Za-z_]+):([^\s;,'\"\]]+?)\.?(?=$|[\s;,'\"\]])")
UNRESOLVED_KEY = "the object key matches no object in Alation"


def parse_job_id(body: Any, what: str) -> int:
    """The job id of an accepted async write: `{job_id}`, `{job_id, href}`, `{task: {id}}`,
    `{job: {id}}`. When `job_id` and `href` disagree (the SDK's DQ fixture), `job_id` wins."""
    body = require_dict(body, what)
    candidates = [body.get("job_id")]
    for nested in ("task", "job"):
        if isinstance(body.get(nested), dict):
            candidates.append(body[nested].get("id"))
    href = body.get("href")
    if isinstance(href, str):
        candidates.extend(parse_qs(urlsplit(href).query).get("id", []))
    for candidate in candidates:
        job_id = optional_int(candidate)
        if job_id is not None:
            return job_id
    raise malformed(what, "it carries no job id")


def parse_job(body: Any, job_id: int) -> Job:
    what = f"the status of job {job_id}"
    body = require_dict(body, what)
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise malformed(what, "it has no 'status'")
    status = status.strip().lower()
    msg = optional_str(body.get("msg")) or ""
    result = body.get("result")
    failures, count = job_failures(result)
    if status == "failed" and not failures:
        failures = (JobFailure(reason=msg or "Alation gave no reason"),)
        count = max(count, 1)
    return Job(id=job_id, status=status, msg=msg, result=result, failures=failures, failure_count=count)


def job_failures(result: Any) -> tuple[tuple[JobFailure, ...], int]:
    """(failures named in the result, how many the result says failed)."""
    if isinstance(result, dict):
        return _dict_failures(result)
    if not isinstance(result, list):
        return (), 0
    failures: list[JobFailure] = []
    count = 0
    for entry in result:
        if isinstance(entry, dict):
            named = [_failure(e) for e in entry.get("errors") or [] if e]
            failures.extend(named)
            count += len(named)
        elif isinstance(entry, str):
            named, reported = _string_failures(entry)
            failures.extend(named)
            count += reported
    return tuple(failures), count


def _dict_failures(result: dict[str, Any]) -> tuple[tuple[JobFailure, ...], int]:
    attribution = result.get("created_object_attribution")
    failures: list[JobFailure] = []
    count = 0
    if isinstance(attribution, dict):
        for sample in attribution.get("failure_sample") or []:
            if isinstance(sample, dict):
                failures.append(
                    JobFailure(
                        reason=UNRESOLVED_KEY,
                        object_key=optional_str(sample.get("object_key")),
                        field_key=optional_str(sample.get("field_key")),
                    )
                )
        count = optional_int(attribution.get("failure_count")) or len(failures)
    for error in result.get("errors") or []:
        failures.append(_failure(error))
        count += 1
    return tuple(failures), max(count, len(failures))


def _string_failures(entry: str) -> tuple[list[JobFailure], int]:
    decoded = _json_or_none(entry)
    if isinstance(decoded, dict):
        text = optional_str(decoded.get("msg")) or ""
        errors = decoded.get("errors") or (decoded.get("data") or {}).get("errors")
        if errors:
            failures = [_failure(e) for e in (errors if isinstance(errors, list) else [errors])]
            return failures, len(failures)
        return (
            ([JobFailure(reason=text)], 1) if "error" in text.lower() or "fail" in text.lower() else ([], 0)
        )
    match = _ERROR_COUNT.search(entry)
    if match is None or int(match.group(1)) == 0:
        return [], 0
    listed = _json_or_none(match.group(2))
    items = listed if isinstance(listed, list) and listed else [match.group(2)]
    return [_failure(item) for item in items], int(match.group(1))


_IDENTIFYING = ("key", "object_key", "field_key", "otype", "oid")
_REASONS = ("detail", "message", "msg", "error", "non_field_errors")


def _reason(error: dict[str, Any]) -> str:
    """Why, without repeating which object (that is shown beside it)."""
    for key in _REASONS:
        if error.get(key):
            return flatten_errors(error[key])
    return flatten_errors({k: v for k, v in error.items() if k not in _IDENTIFYING}) or "failed"


def _failure(error: Any) -> JobFailure:
    if isinstance(error, dict):
        reason = _reason(error)
        ref = object_not_found(reason)
        oid = error.get("oid")
        return JobFailure(
            reason=reason,
            object_key=optional_str(error.get("key") or error.get("object_key")),
            field_key=optional_str(error.get("field_key")),
            otype=optional_str(error.get("otype")) or (ref.otype if ref else None),
            oid=optional_int(oid) if oid is not None else (ref.oid if ref else None),
        )
    text = flatten_errors(error) or "unknown error"
    ref = object_not_found(text)
    return JobFailure(reason=text, otype=ref.otype if ref else None, oid=ref.oid if ref else None)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def object_not_found(text: str) -> ObjectRef | None:
    """The object in "Object not found: attribute:123." (the custom field value write error)."""
    refs = objects_not_found(text)
    return refs[0] if refs else None


def objects_not_found(text: str) -> list[ObjectRef]:
    return [ObjectRef.of(otype, oid) for otype, oid in _OBJECT_NOT_FOUND.findall(text)]


def legacy_job_id(result: Any) -> int | None:
    """The second job cloud tenants start for a custom field value write (Allie-SDK#26)."""
    for entry in result if isinstance(result, list) else []:
        if isinstance(entry, str) and (match := _LEGACY_JOB.search(entry)):
            return int(match.group(1))
    return None


def created_field_ids(result: Any) -> list[int]:
    """Ids out of `["{\\"msg\\": ..., \\"data\\": {\\"field_ids\\": [10020, 10021]}}", ...]`."""
    ids: list[int] = []
    for entry in result if isinstance(result, list) else []:
        decoded = _json_or_none(entry) if isinstance(entry, str) else entry
        data = decoded.get("data") if isinstance(decoded, dict) else None
        field_ids = data.get("field_ids") if isinstance(data, dict) else None
        for field_id in field_ids if isinstance(field_ids, list) else []:
            if (number := optional_int(field_id)) is not None:
                ids.append(number)
    return ids


def _section_count(section: Any, name: str) -> int:
    part = section.get(name) if isinstance(section, dict) else None
    return (optional_int(part.get("count")) or 0) if isinstance(part, dict) else 0


def _not_found(section: Any) -> list[JobFailure]:
    part = section.get("not_found") if isinstance(section, dict) else None
    samples = part.get("sample") if isinstance(part, dict) else None
    return [
        JobFailure(
            reason="not found in Alation",
            object_key=optional_str(s.get("object_key")),
            field_key=optional_str(s.get("field_key")),
        )
        for s in samples or []
        if isinstance(s, dict)
    ]


def dq_write_result(job: Job) -> WriteResult:
    """Counts, not-found samples and per-object failures of a Data Quality job (reference §5)."""
    result = job.result if isinstance(job.result, dict) else {}
    sections = [result.get("fields"), result.get("values")]
    return WriteResult(
        job_ids=(job.id,),
        created=sum(_section_count(s, "created") for s in sections),
        updated=sum(_section_count(s, "updated") for s in sections),
        deleted=sum(_section_count(s, "deleted") for s in sections),
        not_found=tuple(f for s in sections for f in _not_found(s)),
        failures=job.failures,
        failure_count=job.failure_count,
    )


_UPSERT_COUNTS = re.compile(r"Updated (?:objects|values count):\s*(\d+)(?:,\s*created objects:\s*(\d+))?")


def custom_value_write_result(jobs: list[Job]) -> WriteResult:
    """Counts and failures of a custom field value write and its Legacy job, if any."""
    updated = created = 0
    for entry in jobs[0].result if jobs and isinstance(jobs[0].result, list) else []:
        if isinstance(entry, str) and (match := _UPSERT_COUNTS.search(entry)):
            updated = max(updated, int(match.group(1)))
            created = max(created, int(match.group(2) or 0))
    return WriteResult(
        job_ids=tuple(job.id for job in jobs),
        created=created,
        updated=updated,
        failures=tuple(f for job in jobs for f in job.failures),
        failure_count=sum(job.failure_count for job in jobs),
    )


# --- Waiting for a job ----------------------------------------------------------------------------


def wait_for_job(
    http: HttpClient,
    job_id: int,
    *,
    clock: Callable[[], float],
    timeout: float,
    poll_initial: float,
    poll_max: float,
    beside: set[int] | None = None,
    ended: dict[int, Job] | None = None,
) -> Job:
    """Poll the job until it ends; see `AlationClient.job_wait`.

    Jobs started `beside` it and not waited for yet are polled in the same rounds, so one pause
    serves them all; those that end move to `ended`, where their own wait finds them."""
    beside = set() if beside is None else beside
    ended = {} if ended is None else ended
    beside.discard(job_id)
    job = ended.pop(job_id, None)
    deadline = clock() + timeout
    delay = poll_initial
    if job is None:
        job = _poll(http, job_id, clock, deadline, timeout)
        jobs_poll_once(http, beside, ended)
    while not job.finished:
        if clock() + delay > deadline:
            raise AlationJobTimeoutError(_timeout_message(job_id, job.status, timeout), job_id=job_id)
        http.pause(delay)
        delay = min(delay * 2, poll_max)
        job = _poll(http, job_id, clock, deadline, timeout)
        jobs_poll_once(http, beside, ended)
    if job.failed:
        message = f"Alation job {job_id} failed: {job.msg or 'no message'}"
        if job.failures:
            message += f". First failures: {describe_failures(job.failures, job.failure_count)}"
        raise AlationJobFailedError(message + ".", job_id=job_id, failures=job.failures)
    if job.failure_count:
        logger.warning("Alation job %s ended %s with %d failure(s)", job_id, job.status, job.failure_count)
    return job


def jobs_poll_once(http: HttpClient, beside: set[int], ended: dict[int, Job]) -> None:
    """One status of each job beside: a failed answer is left to that job's own wait."""
    for other in sorted(beside):
        try:
            job = parse_job(http.get(JOB_PATH, params={"id": other}), other)
        except CatalogAuthenticationError:
            raise
        except CatalogError:
            continue
        if job.finished:
            beside.discard(other)
            ended[other] = job


def _poll(http: HttpClient, job_id: int, clock: Callable[[], float], deadline: float, timeout: float) -> Job:
    """One status, however many tries it takes: a 401 is handled by the auth hook (new token,
    same request), 429/5xx/connection failures that outlast HttpClient's retries are waited out
    here, asking about the same job id, until the deadline."""
    attempt = 0
    while True:
        try:
            return parse_job(http.get(JOB_PATH, params={"id": job_id}), job_id)
        except CatalogNotFoundError:
            raise AlationJobError(
                f"Alation has no job {job_id} (HTTP 404).", job_id=job_id, status=404
            ) from None
        except (CatalogServerError, CatalogRateLimitedError, CatalogConnectionError) as exc:
            if clock() >= deadline:
                message = f"{_timeout_message(job_id, 'unknown', timeout)} Last answer: {exc.message}"
                raise AlationJobTimeoutError(message, job_id=job_id) from None
            reason = f"Alation could not report on job {job_id} ({exc.message})"
            http.wait_before_retry(attempt, reason, f"GET /{JOB_PATH}", retry_after=exc.retry_after)
            attempt += 1


def _timeout_message(job_id: int, status: str, timeout: float) -> str:
    return (
        f"Alation job {job_id} had not finished after {timeout:g} s (status {status}); it may still finish: "
        f"look it up in Alation by job id {job_id}."
    )
