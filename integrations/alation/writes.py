"""Writes to Alation: creating without duplicates, custom fields (definitions and values) and
Data Quality, the last two as async jobs.

Each job write is batched within Alation's documented limits, polled to the end, and its
per-object failures are read out of the job result (and out of a 400 that names objects it
cannot find), so a caller learns exactly which objects did not get their value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, TypeVar

from integrations.alation.errors import AlationFieldConflictError, AlationJobFailedError
from integrations.alation.jobs import (
    created_field_ids,
    custom_value_write_result,
    dq_write_result,
    legacy_job_id,
    objects_not_found,
    parse_job_id,
)
from integrations.alation.records import (
    CustomField,
    CustomFieldSpec,
    CustomFieldValue,
    DataQualityField,
    DataQualityValue,
    JobFailure,
    ObjectRef,
    WriteResult,
)
from integrations.http import (
    CatalogConnectionError,
    CatalogMalformedResponseError,
    CatalogRateLimitedError,
    CatalogRequestError,
    CatalogServerError,
)

if TYPE_CHECKING:
    from integrations.alation.client import AlationClient

logger = logging.getLogger("integrations.alation.writes")

CUSTOM_FIELD_PATH = "integration/v2/custom_field/"
CUSTOM_FIELD_VALUE_ASYNC_PATH = "integration/v2/custom_field_value/async/"
DQ_PATH = "integration/v1/data_quality/"
# Documented limits (reference §4): items per request, objects per object-set/multi-picker value,
# and the size above which a value "may be rejected".
MAX_VALUES_PER_PUT = 10_000
MAX_OBJECTS_PER_VALUE = 256
MAX_VALUE_BYTES = 190_000
# The SDK's batch and Alation's guidance for Data Quality (no hard server cap is documented).
DQ_BATCH = 1_000
DQ_TYPES = ("NUMERIC", "STRING", "BOOLEAN")
DQ_OBJECT_TYPES = ("TABLE", "ATTRIBUTE", "SCHEMA")
DQ_STATUSES = ("GOOD", "WARNING", "ALERT")
OBJECT_NOT_FOUND = "the object does not exist in Alation"
# Failures after which a request may or may not have been carried out: worth another go.
TRANSIENT_ERRORS = (CatalogServerError, CatalogRateLimitedError, CatalogConnectionError)

T = TypeVar("T")


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def create_once(
    client: AlationClient, create: Callable[[], T], find: Callable[[], T | None], where: str
) -> T:
    """Run a non-idempotent `create`; after a failure that may have carried it out anyway (5xx,
    429, dropped connection), wait, then `find` what it would have made before trying again.
    Up to `client.create_attempts` tries."""
    for attempt in range(client.create_attempts):
        if attempt and (found := find()) is not None:
            logger.info("%s had been carried out after all; using what it made", where)
            return found
        try:
            return create()
        except TRANSIENT_ERRORS as exc:
            if attempt + 1 >= client.create_attempts:
                raise
            reason = f"{where} may not have been carried out ({exc.message})"
            client.http.wait_before_retry(attempt, reason, where, retry_after=exc.retry_after)
    raise AssertionError("unreachable")


# --- Custom field definitions -------------------------------------------------------------------


def ensure_custom_fields(client: AlationClient, specs: Sequence[CustomFieldSpec]) -> dict[str, CustomField]:
    """{name: field} for every spec, creating the missing ones in one async job.

    Creating is not idempotent, so the POST is never retried blindly: after a failure that may
    have created the fields anyway, the fields are looked up by name first and only those still
    missing are created again."""
    found = _lookup_fields(client, specs)
    if all(spec.name_singular in found for spec in specs):
        return found

    def create() -> dict[str, CustomField]:
        missing = [spec for spec in specs if spec.name_singular not in found]
        _create_fields(client, missing)
        found.update(_lookup_fields(client, specs))
        absent = [spec.name_singular for spec in specs if spec.name_singular not in found]
        if absent:
            raise CatalogMalformedResponseError(
                f"Alation reported the custom fields created, but does not list {', '.join(absent)}."
            )
        return found

    def find() -> dict[str, CustomField] | None:
        found.update(_lookup_fields(client, specs))
        return found if all(spec.name_singular in found for spec in specs) else None

    return create_once(client, create, find, f"POST /{CUSTOM_FIELD_PATH}")


def _lookup_fields(client: AlationClient, specs: Sequence[CustomFieldSpec]) -> dict[str, CustomField]:
    """Matching by name is case-insensitive; a same-named field of another type is a conflict."""
    wanted = {spec.name_singular.casefold(): spec for spec in specs}
    found: dict[str, CustomField] = {}
    clashes: dict[str, CustomField] = {}
    for field in client.custom_fields():
        spec = wanted.get(field.name_singular.casefold())
        if spec is None or field.builtin_name:
            continue
        if field.field_type == spec.field_type:
            found.setdefault(spec.name_singular, field)
        else:
            clashes.setdefault(spec.name_singular, field)
    for name, field in clashes.items():
        if name not in found:
            raise AlationFieldConflictError(
                f"Alation already has a custom field named {field.name_singular!r} of type {field.field_type}, "
                f"but Plumbline writes {wanted[name.casefold()].field_type} there. Rename that field in Alation "
                "(Settings, Customize Catalog, Custom Fields) and sync again."
            )
    return found


def _create_fields(client: AlationClient, specs: Sequence[CustomFieldSpec]) -> None:
    body = [spec.body() for spec in specs]
    accepted = client.http.post(CUSTOM_FIELD_PATH, json=body, idempotent=False)
    job = client.job_wait(parse_job_id(accepted, "the custom field create"))
    logger.info(
        "Created Alation custom fields %s (ids %s)",
        [s.name_singular for s in specs],
        created_field_ids(job.result),
    )


# --- Custom field values ----------------------------------------------------------------------


def value_body(value: CustomFieldValue) -> dict[str, Any]:
    raw = value.value
    payload: Any
    if raw is None:
        payload = ""
    elif isinstance(raw, str):
        payload = raw
    else:
        payload = [{"otype": v.otype, "oid": v.oid} if isinstance(v, ObjectRef) else v for v in raw]
    return {"field_id": value.field_id, "otype": value.otype.lower(), "oid": value.oid, "value": payload}


def _too_big(body: dict[str, Any]) -> str | None:
    value = body["value"]
    if isinstance(value, list) and len(value) > MAX_OBJECTS_PER_VALUE:
        return f"the value lists {len(value)} items; Alation takes at most {MAX_OBJECTS_PER_VALUE}"
    size = len(json.dumps(value).encode())
    if size > MAX_VALUE_BYTES:
        return f"the value is {size:,} bytes; Alation may refuse values above about {MAX_VALUE_BYTES:,}"
    return None


def put_custom_field_values(
    client: AlationClient, values: Sequence[CustomFieldValue], *, batch_size: int = MAX_VALUES_PER_PUT
) -> WriteResult:
    """Write values with `PUT .../custom_field_value/async/`, `batch_size` per request (at most
    10,000), each job (and its Legacy job) polled to the end. Values too large to send, and
    objects Alation says do not exist, come back as failures; the rest is written."""
    return put_custom_field_values_send(client, values, batch_size=batch_size).follow()


@dataclass
class ValuesPut:
    """Value writes Alation accepted, their jobs not followed yet: Alation runs them while the
    caller sends its next writes, and waits for those poll these in the same rounds."""

    client: AlationClient
    result: WriteResult  # what was refused before sending
    sent: list[tuple[list[dict[str, Any]], int]] = dataclass_field(default_factory=list)  # (request, job id)

    def follow(self) -> WriteResult:
        """Each job (and its Legacy job) to its end; a request whose job failed is sent once more."""
        result = self.result
        for batch, job_id in self.sent:
            result += _values_follow(self.client, batch, job_id)
        self.sent = []
        return result


def put_custom_field_values_send(
    client: AlationClient, values: Sequence[CustomFieldValue], *, batch_size: int = MAX_VALUES_PER_PUT
) -> ValuesPut:
    """Send the value writes of `put_custom_field_values` without waiting for their jobs."""
    if not 1 <= batch_size <= MAX_VALUES_PER_PUT:
        raise ValueError(f"batch_size must be between 1 and {MAX_VALUES_PER_PUT}.")
    bodies: list[dict[str, Any]] = []
    refused: list[JobFailure] = []
    for value in values:
        body = value_body(value)
        problem = _too_big(body)
        if problem:
            refused.append(JobFailure(reason=problem, otype=body["otype"], oid=value.oid))
        else:
            bodies.append(body)
    put = ValuesPut(client, WriteResult(failures=tuple(refused), failure_count=len(refused)))
    for batch in _chunks(bodies, batch_size):
        sent, job_id, dropped = _values_send(client, list(batch))
        put.result += dropped
        if job_id is not None:
            put.sent.append((sent, job_id))
    return put


def _values_send(
    client: AlationClient, batch: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int | None, WriteResult]:
    """One PUT (its job started, not followed). Alation refuses a whole request for one unknown
    object ("Object not found: attribute:9."): those objects are recorded as failures and the
    rest is sent again. Returns what was sent, its job (None: nothing left) and the dropped."""
    dropped: list[JobFailure] = []
    job_id: int | None = None
    while batch:
        try:
            accepted = client.http.put(CUSTOM_FIELD_VALUE_ASYNC_PATH, json=batch)
        except CatalogRequestError as exc:
            missing = set(objects_not_found(exc.message)) if exc.status == 400 else set()
            gone = [b for b in batch if ObjectRef.of(b["otype"], b["oid"]) in missing]
            if not gone:
                raise
            dropped.extend(JobFailure(reason=OBJECT_NOT_FOUND, otype=b["otype"], oid=b["oid"]) for b in gone)
            batch = [b for b in batch if ObjectRef.of(b["otype"], b["oid"]) not in missing]
            continue
        job_id = parse_job_id(accepted, "the custom field value write")
        client.job_started(job_id)
        break
    return batch, job_id, WriteResult(failures=tuple(dropped), failure_count=len(dropped))


def _values_follow(client: AlationClient, batch: list[dict[str, Any]], job_id: int) -> WriteResult:
    """A PUT's job and the Legacy job cloud tenants start; if either fails the whole request is
    sent once more (Alation's advice: the PUT sets values, so it is idempotent)."""
    dropped = WriteResult()
    for attempt in (1, 2):
        try:
            jobs = [client.job_wait(job_id)]
            legacy = legacy_job_id(jobs[0].result)
            if legacy is not None:
                jobs.append(client.job_wait(legacy))
        except AlationJobFailedError as exc:
            if attempt == 2:
                raise
            logger.warning("%s Sending the whole request once more.", exc.message)
            batch, again, more = _values_send(client, batch)
            dropped += more
            if again is None:
                return dropped
            job_id = again
            continue
        return custom_value_write_result(jobs) + dropped
    raise AssertionError("unreachable")


# --- Data Quality ---------------------------------------------------------------------------------


def dq_field_body(field: DataQualityField) -> dict[str, Any]:
    kind = field.type.upper()
    if kind not in DQ_TYPES:
        raise ValueError(f"A Data Quality field's type is one of {DQ_TYPES}, not {field.type!r}.")
    return {"field_key": field.key, "name": field.name, "type": kind, "description": field.description}


def dq_value_body(value: DataQualityValue) -> dict[str, Any]:
    object_type, status = value.object_type.upper(), str(value.value_quality).upper()
    if object_type not in DQ_OBJECT_TYPES or status not in DQ_STATUSES:
        raise ValueError(f"object_type must be one of {DQ_OBJECT_TYPES} and status one of {DQ_STATUSES}.")
    body: dict[str, Any] = {
        "field_key": value.field_key,
        "object_key": value.object_key,
        "object_type": object_type,
        "status": status,
        "value": value.value,
    }
    if value.url:
        body["url"] = value.url
    if value.last_updated is not None:
        body["last_updated"] = value.last_updated.isoformat()
    return body


def dq_write(
    client: AlationClient, method: str, section: str, items: Sequence[Any], *, batch_size: int = DQ_BATCH
) -> WriteResult:
    """POST (upsert, keyed by field_key and object_key: safe to retry) or DELETE one section
    (`fields` or `values`) of `/integration/v1/data_quality/`, in batches, each job polled.

    A key that does not resolve does not fail the job: it shows in `failures`/`failure_count`
    (created_object_attribution) or, for a delete, in `not_found`."""
    return dq_write_send(client, method, section, items, batch_size=batch_size).follow()


@dataclass
class DqSent:
    """Data Quality writes Alation accepted, their jobs not followed yet (see `ValuesPut`)."""

    client: AlationClient
    section: str
    job_ids: list[int] = dataclass_field(default_factory=list)

    def follow(self) -> WriteResult:
        result = WriteResult()
        for job_id in self.job_ids:
            written = dq_write_result(self.client.job_wait(job_id))
            if written.failure_count:
                logger.warning(
                    "Alation could not place %d data quality %s, e.g. %s",
                    written.failure_count,
                    self.section,
                    "; ".join(str(f) for f in written.failures[:3]),
                )
            result += written
        self.job_ids = []
        return result


def dq_write_send(
    client: AlationClient, method: str, section: str, items: Sequence[Any], *, batch_size: int = DQ_BATCH
) -> DqSent:
    """Send the batches of `dq_write` without waiting for their jobs."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    sent = DqSent(client, section)
    for batch in _chunks(items, batch_size):
        body = {section: list(batch)}
        if method == "DELETE":
            accepted = client.http.delete(DQ_PATH, json=body)
        else:
            accepted = client.http.post(DQ_PATH, json=body, idempotent=True)
        job_id = parse_job_id(accepted, f"the data quality {section} {method.lower()}")
        client.job_started(job_id)
        sent.job_ids.append(job_id)
    return sent
