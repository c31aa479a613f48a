"""Typed records for what Alation answers. Frozen; never a token in a repr.

Ids in Alation are unique only within one object type (a table and a column may share an id), so
anything that names an object carries its otype too: `ObjectRef(otype, oid)` is the key to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# A data source is `data`, a column is `attribute` (reference §2).
OTYPE_DATA_SOURCE = "data"
OTYPE_SCHEMA = "schema"
OTYPE_TABLE = "table"
OTYPE_COLUMN = "attribute"

Oid = int | str  # ints for catalog objects; files may have string ids (reference §3)
DataSourceApi = Literal["v1", "v2"]
FlagType = Literal["ENDORSEMENT", "WARNING", "DEPRECATION"]
DataQualityStatus = Literal["GOOD", "WARNING", "ALERT"]


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One Alation object: `("table", 93)`. Hashable, so it keys dictionaries of objects."""

    otype: str
    oid: Oid

    @classmethod
    def of(cls, otype: str, oid: Oid) -> ObjectRef:
        """Normalised: otype lower-case, digit-string ids as ints ("1" and 1 are the same object)."""
        if isinstance(oid, str) and oid.strip().isdigit():
            oid = int(oid.strip())
        return cls(otype.strip().lower(), oid)

    def __str__(self) -> str:
        return f"{self.otype}:{self.oid}"


# --- Tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlationUserToken:
    """What `validateRefreshToken/` says about the refresh token (never the token itself)."""

    user_id: int
    status: str  # ACTIVE or EXPIRED (others, e.g. REVOKED, are unverified)
    name: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status.upper() == "ACTIVE"


@dataclass(frozen=True)
class AccessToken:
    """A minted API access token. `token` is kept out of the repr."""

    token: str = field(repr=False)
    user_id: int
    status: str
    created_at: datetime | None = None
    expires_at: datetime | None = None


# --- Catalog objects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomFieldValue:
    """A custom-field value on one object. `value` is a string (rich text, picker, date), a tuple
    of strings (multi-picker) or a tuple of `ObjectRef` (object set)."""

    field_id: int
    otype: str
    oid: Oid
    value: str | tuple[str, ...] | tuple[ObjectRef, ...] | None
    field_name: str | None = None
    ts_updated: datetime | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.otype, self.oid)


@dataclass(frozen=True)
class DataSource:
    id: int
    title: str
    api: DataSourceApi  # which listing it came from: v1 (native) or v2 (OCF)
    dbtype: str | None = None
    host: str | None = None
    dbname: str | None = None
    uri: str | None = None
    url: str | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(OTYPE_DATA_SOURCE, self.id)


@dataclass(frozen=True)
class Schema:
    id: int
    name: str  # may be "DB.SCHEMA" for multipart sources (Snowflake, SQL Server, ...)
    ds_id: int
    key: str
    title: str | None = None
    url: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(OTYPE_SCHEMA, self.id)


@dataclass(frozen=True)
class Table:
    id: int
    name: str
    schema_id: int
    ds_id: int
    key: str
    table_type: str | None = None
    title: str | None = None
    schema_name: str | None = None
    url: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(OTYPE_TABLE, self.id)


@dataclass(frozen=True)
class Column:
    id: int
    name: str
    table_id: int
    ds_id: int
    key: str
    otype: str = OTYPE_COLUMN
    column_type: str | None = None
    schema_id: int | None = None
    title: str | None = None
    url: str | None = None
    custom_fields: tuple[CustomFieldValue, ...] = ()

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.otype, self.id)


# --- Tags --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    id: int
    name: str
    description: str = ""  # HTML
    number_of_objects_tagged: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class TagSubject:
    """One object carrying a tag. The server's key for it (`object` or `subject`) is unverified."""

    otype: str
    oid: Oid
    url: str | None = None
    ts_tagged: datetime | None = None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.otype, self.oid)


# --- Custom fields -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomField:
    id: int
    name_singular: str
    field_type: str
    name_plural: str = ""
    allow_multiple: bool | None = None
    allowed_otypes: tuple[str, ...] | None = None
    builtin_name: str | None = None
    options: tuple[str, ...] | None = None
    tooltip_text: str | None = None


@dataclass(frozen=True)
class CustomFieldSpec:
    """A custom field to create. Plumbline writes scores as text: Alation has no number type."""

    name_singular: str
    field_type: str = "RICH_TEXT"
    tooltip_text: str | None = None
    name_plural: str | None = None
    options: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.name_singular.strip():
            raise ValueError("A custom field needs a name.")
        if self.field_type not in ("RICH_TEXT", "DATE", "PICKER", "MULTI_PICKER"):
            raise ValueError(f"Custom fields of type {self.field_type!r} are not supported here.")
        if self.field_type in ("PICKER", "MULTI_PICKER") and not self.options:
            raise ValueError("A picker field needs its options.")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field_type": self.field_type, "name_singular": self.name_singular}
        if self.tooltip_text:
            body["tooltip_text"] = self.tooltip_text
        if self.options is not None:
            body["options"] = list(self.options)
        if self.field_type == "MULTI_PICKER":
            body["name_plural"] = self.name_plural or self.name_singular
        return body


# --- Data quality ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataQualityField:
    """A Data Health rule. `type` is NUMERIC, STRING or BOOLEAN on write; reads may say VARCHAR."""

    key: str
    name: str
    type: str
    description: str = ""
    ts_created: datetime | None = None


@dataclass(frozen=True)
class DataQualityValue:
    """One Data Health value. On a read, `source_*` says where it was written and `otype`/`oid`
    where it shows (values propagate to related objects)."""

    field_key: str
    object_key: str
    object_type: str  # TABLE, ATTRIBUTE or SCHEMA
    value: str | int | float | bool
    value_quality: DataQualityStatus | str
    url: str | None = None
    last_updated: datetime | None = None
    otype: str | None = None
    oid: Oid | None = None
    source_object_key: str | None = None
    value_id: int | None = None


# --- Trust flags, domains ----------------------------------------------------------------------


@dataclass(frozen=True)
class TrustFlag:
    id: int
    flag_type: str
    reason: str  # HTML: Alation wraps a plain reason in <p>
    subject_otype: str
    subject_oid: Oid
    user_id: int | None = None
    user_name: str | None = None
    ts_created: datetime | None = None
    ts_updated: datetime | None = None

    @property
    def subject(self) -> ObjectRef:
        return ObjectRef.of(self.subject_otype, self.subject_oid)


@dataclass(frozen=True)
class Domain:
    id: int
    title: str
    parent_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class DomainRule:
    """A domain membership rule: this object is in (or, `exclude`, out of) the domain; with
    `recursive` the rule is assumed to cover the objects under it too."""

    domain_id: int
    otype: str
    oid: Oid
    exclude: bool = False
    recursive: bool = False

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.otype, self.oid)


# --- Jobs and write results --------------------------------------------------------------------


@dataclass(frozen=True)
class JobFailure:
    """One thing a job did not do, with the object it concerns when the job said which."""

    reason: str
    object_key: str | None = None
    field_key: str | None = None
    otype: str | None = None
    oid: Oid | None = None

    def __str__(self) -> str:
        where = self.object_key or (f"{self.otype}:{self.oid}" if self.otype else None)
        return f"{where}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class Job:
    id: int
    status: str  # running, successful, failed, partially_successful
    msg: str = ""
    result: Any = field(default=None, repr=False)
    failures: tuple[JobFailure, ...] = ()
    failure_count: int = 0

    @property
    def finished(self) -> bool:
        return self.status in ("successful", "failed", "partially_successful")

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class WriteResult:
    """What a batched async write did: its jobs, counts and per-object failures. `failures` may
    be a sample: `failure_count` is the number the catalog reported."""

    job_ids: tuple[int, ...] = ()
    created: int = 0
    updated: int = 0
    deleted: int = 0
    not_found: tuple[JobFailure, ...] = ()
    failures: tuple[JobFailure, ...] = ()
    failure_count: int = 0

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            job_ids=self.job_ids + other.job_ids,
            created=self.created + other.created,
            updated=self.updated + other.updated,
            deleted=self.deleted + other.deleted,
            not_found=self.not_found + other.not_found,
            failures=self.failures + other.failures,
            failure_count=self.failure_count + other.failure_count,
        )


@dataclass(frozen=True)
class ConnectionInfo:
    """What `connection_check()` found: who the token is and what it can see."""

    user_id: int
    token_name: str | None
    refresh_token_expires_at: datetime | None
    data_source_count: int
    data_sources: tuple[DataSource, ...] = field(default=(), repr=False)
