"""The Alation client: the only place in Plumbline that talks to Alation.

Sturdier than Alation's own SDK where that matters for a sync: it re-mints an expired access
token and carries on (also in the middle of a listing or of polling a job), follows `X-Next-Page`
on every listing, retries a POST only when a retry cannot duplicate anything (and otherwise looks
before it creates again), keeps polling the same job through 401s and 429s, and reads per-object
failures out of "successful" jobs, including the second "Legacy" job of cloud tenants.
Every call goes through `integrations.http.HttpClient`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from integrations.alation import writes
from integrations.alation.auth import AlationAuth, normalise_base_url, parse_user_id
from integrations.alation.jobs import jobs_poll_once, wait_for_job
from integrations.alation.pager import DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, Pager
from integrations.alation.parsing import (
    parse_column,
    parse_custom_field,
    parse_custom_field_value,
    parse_data_source,
    parse_domain,
    parse_domain_rule,
    parse_dq_field,
    parse_dq_value,
    parse_flag,
    parse_schema,
    parse_table,
    parse_tag,
    parse_tag_subject,
)
from integrations.alation.records import (
    Column,
    ConnectionInfo,
    CustomField,
    CustomFieldSpec,
    CustomFieldValue,
    DataQualityField,
    DataQualityValue,
    DataSource,
    DataSourceApi,
    Domain,
    DomainRule,
    Job,
    ObjectRef,
    Oid,
    Schema,
    Table,
    Tag,
    TagSubject,
    TrustFlag,
    WriteResult,
)
from integrations.alation.shapes import describe_alation_error
from integrations.http import (
    CatalogNotFoundError,
    HttpClient,
    OnWaitFn,
    RequestCounts,
    SleepFn,
    Timeout,
)

logger = logging.getLogger("integrations.alation.client")


DATA_SOURCE_PATHS: tuple[tuple[DataSourceApi, str], ...] = (
    ("v2", "integration/v2/datasource/"),
    ("v1", "integration/v1/datasource/"),
)
SCHEMA_PATH = "integration/v2/schema/"
TABLE_PATH = "integration/v2/table/"
COLUMN_PATH = "integration/v2/column/"
TAG_PATH = "integration/tag/"
CUSTOM_FIELD_PATH = "integration/v2/custom_field/"
CUSTOM_FIELD_VALUE_PATH = "integration/v2/custom_field_value/"
DQ_FIELDS_PATH = "integration/v1/data_quality/fields/"
DQ_VALUES_PATH = "integration/v1/data_quality/values/"
FLAG_PATH = "integration/flag/"
DOMAIN_PATH = "integration/v2/domain/"
DOMAIN_RULES_PATH = "integration/v2/domain/membership/view_rules/"


class AlationClient:
    """Typed calls to one Alation instance as one user, from a refresh token (never an access
    token from outside: those are minted here, kept in memory and re-minted as needed)."""

    def __init__(
        self,
        base_url: str,
        user_id: int | str,
        refresh_token: str,
        *,
        timeout: Timeout = (5.0, 60.0),
        max_retries: int = 5,
        sleep: SleepFn = time.sleep,
        on_wait: OnWaitFn | None = None,
        clock: Callable[[], float] = time.time,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        job_timeout: float = 900.0,
        job_poll_initial: float = 1.0,
        job_poll_max: float = 15.0,
        create_attempts: int = 3,
        **http_options: Any,
    ) -> None:
        if not refresh_token or not refresh_token.strip():
            raise ValueError("An Alation refresh token is needed.")
        self.base_url = normalise_base_url(base_url)
        self.user_id = parse_user_id(user_id)
        self._clock = clock
        self.job_timeout = job_timeout
        self.job_poll_initial = job_poll_initial
        self.job_poll_max = job_poll_max
        # Jobs started and not waited for yet, and those of them already seen to end.
        self.jobs_beside: set[int] = set()
        self.jobs_ended: dict[int, Job] = {}
        self.create_attempts = max(1, create_attempts)
        self.auth = AlationAuth(self.base_url, self.user_id, refresh_token.strip(), clock=clock)
        self.http = HttpClient(
            self.base_url,
            None,
            catalog="Alation",
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
            on_wait=on_wait,
            clock=clock,
            auth=self.auth,
            retry_unmarked_posts=False,
            describe_error=describe_alation_error,
            **http_options,
        )
        self.auth.attach(self.http)
        self.pager = Pager(self.http, page_size=page_size, max_pages=max_pages)

    def __repr__(self) -> str:
        return f"AlationClient(base_url={self.base_url!r}, user_id={self.user_id!r})"

    __str__ = __repr__

    @property
    def counts(self) -> RequestCounts:
        """Requests sent (token calls and retries included) and seconds waited, for a run log."""
        return self.http.counts

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AlationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Who am I ------------------------------------------------------------------------------------

    def connection_check(self) -> ConnectionInfo:
        """Validate the refresh token, mint an access token, list the visible data sources.

        Raises the specific errors of `integrations.alation.errors` (expired, revoked or invalid
        refresh token, wrong user id, not an Alation API) or the generic catalog errors."""
        info = self.auth.validate()
        self.auth.mint()
        sources = tuple(self.data_sources())
        return ConnectionInfo(
            user_id=info.user_id,
            token_name=info.name,
            refresh_token_expires_at=info.expires_at,
            data_source_count=len(sources),
            data_sources=sources,
        )

    # Catalog objects ---------------------------------------------------------------------------

    def data_sources(self) -> Iterator[DataSource]:
        """OCF (v2) then native (v1) data sources; a listing the instance lacks (404) is skipped."""
        seen: set[int] = set()
        for api, path in DATA_SOURCE_PATHS:
            try:
                for item in self.pager.items(path, f"the {api} data source listing"):
                    source = parse_data_source(item, api)
                    if source.id not in seen:
                        seen.add(source.id)
                        yield source
            except CatalogNotFoundError:
                logger.info("Alation has no %s data source listing (HTTP 404); skipping it", api)

    def schemas(
        self, *, ds_id: int | None = None, filters: Mapping[str, Any] | None = None
    ) -> Iterator[Schema]:
        params = _params(filters, ds_id=ds_id)
        return (
            parse_schema(item) for item in self.pager.items(SCHEMA_PATH, "the schema listing", params=params)
        )

    def tables(
        self,
        *,
        ds_id: int | None = None,
        schema_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Iterator[Table]:
        params = _params(filters, ds_id=ds_id, schema_id=schema_id)
        return (
            parse_table(item) for item in self.pager.items(TABLE_PATH, "the table listing", params=params)
        )

    def columns(
        self,
        *,
        ds_id: int | None = None,
        table_id: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Iterator[Column]:
        params = _params(filters, ds_id=ds_id, table_id=table_id)
        items = self.pager.items(COLUMN_PATH, "the column listing", params=params, prefetch=True)
        return (parse_column(item) for item in items)

    # Tags --------------------------------------------------------------------------------------

    def tags(self) -> Iterator[Tag]:
        return (parse_tag(item) for item in self.pager.items(TAG_PATH, "the tag listing"))

    def tags_of(self, otype: str, oid: Oid) -> Iterator[Tag]:
        """The tags on one object (`oid` and `otype` go together). One listing per object."""
        params = {"oid": oid, "otype": otype}
        return (
            parse_tag(item)
            for item in self.pager.items(TAG_PATH, f"the tags of {otype}:{oid}", params=params)
        )

    def tag_subjects(self, tag_name: str) -> Iterator[TagSubject]:
        path = f"{TAG_PATH}{quote(tag_name, safe='')}/subject/"
        what = f"the objects tagged {tag_name!r}"
        return (parse_tag_subject(item) for item in self.pager.items(path, what))

    def tag_assignments(self) -> Iterator[tuple[Tag, TagSubject]]:
        """Every (tag, tagged object): all tags, then each tag's objects. Calls grow with the
        number of tags (and their pages), not with the number of objects in the catalog."""
        for tag in self.tags():
            for subject in self.tag_subjects(tag.name):
                yield tag, subject

    def tags_by_object(self, otypes: Collection[str] | None = None) -> dict[ObjectRef, list[Tag]]:
        """{("table", 93): [Tag, ...]} for the whole catalog, keyed by (otype, id)."""
        found: dict[ObjectRef, list[Tag]] = {}
        for tag, subject in self.tag_assignments():
            if otypes is None or subject.otype in otypes:
                found.setdefault(subject.ref, []).append(tag)
        return found

    # Custom fields -----------------------------------------------------------------------------

    def custom_fields(self, *, field_type: str | None = None) -> Iterator[CustomField]:
        params = _params(None, field_type=field_type)
        items = self.pager.items(CUSTOM_FIELD_PATH, "the custom field listing", params=params)
        return (parse_custom_field(item) for item in items)

    def custom_fields_by_name(self, names: Collection[str]) -> dict[str, CustomField]:
        """{name: field} for the names that exist (case-insensitive; built-in fields skipped)."""
        wanted = {name.casefold(): name for name in names}
        found: dict[str, CustomField] = {}
        for field in self.custom_fields():
            name = wanted.get(field.name_singular.casefold())
            if name is not None and not field.builtin_name:
                found.setdefault(name, field)
        return found

    def ensure_custom_fields(self, specs: Sequence[CustomFieldSpec]) -> dict[str, CustomField]:
        """The fields by name, creating those missing; never creates one twice (see `writes`)."""
        return writes.ensure_custom_fields(self, specs)

    def custom_field_values(
        self, otype: str, *, oid: Oid | None = None, field_id: int | None = None
    ) -> Iterator[CustomFieldValue]:
        params = _params(None, otype=otype, oid=oid, field_id=field_id)
        items = self.pager.items(CUSTOM_FIELD_VALUE_PATH, "the custom field value listing", params=params)
        return (parse_custom_field_value(item) for item in items)

    def put_custom_field_values(
        self, values: Sequence[CustomFieldValue], *, batch_size: int = writes.MAX_VALUES_PER_PUT
    ) -> WriteResult:
        return writes.put_custom_field_values(self, values, batch_size=batch_size)

    def put_custom_field_values_send(
        self, values: Sequence[CustomFieldValue], *, batch_size: int = writes.MAX_VALUES_PER_PUT
    ) -> writes.ValuesPut:
        """Send the value writes now and follow their jobs later (`ValuesPut.follow`)."""
        return writes.put_custom_field_values_send(self, values, batch_size=batch_size)

    # Data Quality (Data Health) ----------------------------------------------------------------

    def dq_fields(self, *, key: str | None = None) -> Iterator[DataQualityField]:
        params = _params(None, key=key)
        items = self.pager.items(DQ_FIELDS_PATH, "the data quality field listing", params=params)
        return (parse_dq_field(item) for item in items)

    def dq_values(
        self, *, field_key: str | None = None, object_key: str | None = None, hide_related: bool | None = None
    ) -> Iterator[DataQualityValue]:
        related = None if hide_related is None else str(hide_related).lower()
        params = _params(None, field_key=field_key, object_key=object_key, hide_related=related)
        items = self.pager.items(DQ_VALUES_PATH, "the data quality value listing", params=params)
        return (parse_dq_value(item) for item in items)

    def dq_put_fields(self, fields: Sequence[DataQualityField]) -> WriteResult:
        return writes.dq_write(self, "POST", "fields", [writes.dq_field_body(f) for f in fields])

    def dq_delete_fields(self, keys: Sequence[str]) -> WriteResult:
        """Delete fields by key. Sent as a list of key strings, as the SDK does (its live example
        run shows Alation accepting it); the reference's `[{field_key}]` form is not used."""
        return writes.dq_write(self, "DELETE", "fields", list(keys))

    def dq_put_values(
        self, values: Sequence[DataQualityValue], *, batch_size: int = writes.DQ_BATCH
    ) -> WriteResult:
        return writes.dq_write(
            self, "POST", "values", [writes.dq_value_body(v) for v in values], batch_size=batch_size
        )

    def dq_put_values_send(self, values: Sequence[DataQualityValue]) -> writes.DqSent:
        """Send the value writes now and follow their jobs later (`DqSent.follow`)."""
        return writes.dq_write_send(self, "POST", "values", [writes.dq_value_body(v) for v in values])

    def dq_delete_values(self, pairs: Sequence[tuple[str, str]]) -> WriteResult:
        """Delete values by (field_key, object_key)."""
        return self.dq_delete_values_send(pairs).follow()

    def dq_delete_values_send(self, pairs: Sequence[tuple[str, str]]) -> writes.DqSent:
        items = [{"field_key": field_key, "object_key": object_key} for field_key, object_key in pairs]
        return writes.dq_write_send(self, "DELETE", "values", items)

    # Trust flags -------------------------------------------------------------------------------

    def flags(
        self, otype: str, oid: Oid | None = None, *, flag_type: str | None = None
    ) -> Iterator[TrustFlag]:
        """Flags on one object (otype+oid) or on every object of a type (otype alone),
        optionally of one flag type (filtered here: the API has no such filter)."""
        params = _params(None, otype=otype, oid=oid)
        for item in self.pager.items(FLAG_PATH, "the trust flag listing", params=params):
            flag = parse_flag(item)
            if flag_type is None or flag.flag_type == flag_type.upper():
                yield flag

    def own_warnings(self, otype: str, oid: Oid) -> list[TrustFlag]:
        """The WARNING flags this user set on one object (Alation records the poster as `user`)."""
        return [f for f in self.flags(otype, oid, flag_type="WARNING") if f.user_id == self.user_id]

    def flag_create_warning(self, otype: str, oid: Oid, reason: str) -> TrustFlag:
        """A WARNING on the object with this (HTML) reason. A POST is not idempotent: after a
        failure that may have created it, this user's WARNING on the object is looked up first."""
        body = {"flag_type": "WARNING", "flag_reason": reason, "subject": {"id": oid, "otype": otype}}

        def create() -> TrustFlag:
            return parse_flag(self.http.post(FLAG_PATH, json=body, idempotent=False), "the new trust flag")

        def find() -> TrustFlag | None:
            existing = self.own_warnings(otype, oid)
            return existing[0] if existing else None

        return writes.create_once(self, create, find, f"POST /{FLAG_PATH}")

    def flag_update_reason(self, flag_id: int, reason: str) -> TrustFlag:
        """Only the reason of a WARNING or DEPRECATION can change; to change the type, delete."""
        body = self.http.put(f"{FLAG_PATH}{flag_id}/", json={"flag_reason": reason})
        return parse_flag(body, f"the update of trust flag {flag_id}")

    def flag_delete(self, flag_id: int) -> bool:
        """True if deleted, False if there was no such flag (already gone)."""
        try:
            self.http.delete(f"{FLAG_PATH}{flag_id}/")
        except CatalogNotFoundError:
            return False
        return True

    # Domains -----------------------------------------------------------------------------------

    def domains(self) -> Iterator[Domain]:
        return (parse_domain(item) for item in self.pager.items(DOMAIN_PATH, "the domain listing"))

    def domain_rules(self, domain_ids: Sequence[int], *, exclude: bool = False) -> Iterator[DomainRule]:
        """The membership rules of these domains: which objects are in (`exclude=False`) or
        carved out (`exclude=True`).

        Assumptions (reference §2, SDK; unverified against a server): the answer lists rules,
        not the expanded members, so a `recursive` rule on a schema or data source stands for
        everything under it; the POST view pages through `X-Next-Page` re-sending the same body;
        it takes no `limit` (none is sent)."""
        body = {"domain_id": list(domain_ids), "exclude": exclude}
        items = self.pager.items(DOMAIN_RULES_PATH, "the domain membership listing", body=body, method="POST")
        return (parse_domain_rule(item) for item in items)

    # Jobs --------------------------------------------------------------------------------------

    def job_wait(self, job_id: int, *, timeout: float | None = None) -> Job:
        """Poll `GET /api/v1/bulk_metadata/job/?id=` until the job ends, backing off from
        `job_poll_initial` to `job_poll_max` seconds between polls, until a deadline.

        The same job id is polled through a 401 (a new access token is minted and polling goes
        on) and through 429s and 5xx (waiting as asked); a job that ends `failed` raises
        `AlationJobFailedError` naming the job and its first failures; one still running at the
        deadline raises `AlationJobTimeoutError` (it may still finish in Alation)."""
        return wait_for_job(
            self.http,
            job_id,
            clock=self._clock,
            timeout=self.job_timeout if timeout is None else timeout,
            poll_initial=self.job_poll_initial,
            poll_max=self.job_poll_max,
            beside=self.jobs_beside,
            ended=self.jobs_ended,
        )

    def job_started(self, job_id: int) -> None:
        """A job to wait for later: until then, other waits poll it in their rounds."""
        self.jobs_beside.add(job_id)

    def jobs_poll(self) -> None:
        """One status of each job started and not waited for yet, without pausing: a caller with
        other work to do looks in between, and waits only for what is still running at its end."""
        jobs_poll_once(self.http, self.jobs_beside, self.jobs_ended)

    def job_ended(self, job_id: int) -> bool:
        """Whether a job started earlier is known to have ended (its wait will not pause)."""
        return job_id in self.jobs_ended


def _params(filters: Mapping[str, Any] | None, **named: Any) -> dict[str, Any]:
    params = dict(filters or {})
    params.update({key: value for key, value in named.items() if value is not None})
    return params
