"""The catalog file's shape as pydantic models, each problem worded the way the loader reports it.

Values are checked by the validators below, which raise `problem(...)` with the loader's own
wording; `catalog.loader.validate` turns pydantic's structural errors (not an object, not a list,
unknown or missing key) into the same wording and each error's location into a path.
Repeated names and references between items are checked once the items involved are valid.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from typing import Annotated, Any

from django.utils.dateparse import parse_datetime
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from catalog.models import Anomaly, Check, ConnectorType, Container, Datastore

MAX_NAME = 255
PROBLEM = "catalog"
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")

# Values quoted in messages are cut short: a file may hold a huge string or a deeply nested list.
_shortened = reprlib.Repr()
_shortened.maxstring = _shortened.maxother = 80
_shortened.maxlevel = 3

Loc = tuple[int | str, ...]


def problem(message: str) -> PydanticCustomError:
    # The message goes in as context, so braces in a quoted value are not read as placeholders.
    return PydanticCustomError(PROBLEM, "{message}", {"message": message})


def problems_raise(problems: Sequence[tuple[Loc, str]], value: Any) -> None:
    """Report several problems at once, each at its place below the value being validated."""
    if problems:
        details = [InitErrorDetails(type=problem(text), loc=loc, input=value) for loc, text in problems]
        raise ValidationError.from_exception_data(PROBLEM, details)


def shown(value: Any) -> str:
    return _shortened.repr(value)


def _text(*, required: bool, max_len: int = MAX_NAME) -> BeforeValidator:
    def check(value: Any) -> str:
        if value is None or value == "":
            if required:
                raise problem("is required")
            return ""
        if not isinstance(value, str):
            raise problem(f"must be a string, got {type(value).__name__}")
        if len(value) > max_len:
            raise problem(f"is longer than {max_len} characters")
        if required and not value.strip():
            raise problem("must not be blank")
        return value.strip()

    return BeforeValidator(check)


def _one_of(choices: list[str]) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise problem(f"must be one of {', '.join(choices)} (got {shown(value)})")
        return value

    return BeforeValidator(check)


def _moment(value: Any) -> datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, such as month 13
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise problem(f"must be an ISO 8601 time with a timezone (got {shown(value)})")
    return parsed


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise problem(f"must be a number between 0 and 100 (got {shown(value)})")
    return float(value)


def _colour(value: Any) -> str:
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise problem(f"must be a hex colour such as #E74C3C (got {shown(value)})")
    return value


def _weight(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -10 <= value <= 10:
        raise problem(f"must be a whole number from -10 to 10 (got {shown(value)})")
    return value


def _tag_reference(value: Any, info: ValidationInfo) -> str:
    """The lower-cased name of a tag that the file declares or that exists as a global tag."""
    if not isinstance(value, str) or not value.strip():
        raise problem(f"must be a tag name (got {shown(value)})")
    if value.strip().lower() not in known_tags(info):
        raise problem(f"names tag {shown(value)}, which is neither in the file's tags nor a global tag")
    return value.strip().lower()


def _field_reference(value: Any) -> str:
    if not isinstance(value, str):
        raise problem(f"must be a field name (got {shown(value)})")
    return value


def _check_reference(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise problem(f"must be a check key (got {shown(value)})")
    return value


def known_tags(info: ValidationInfo) -> Collection[str]:
    if not isinstance(info.context, dict) or "known_tags" not in info.context:
        raise TypeError("validate a catalog with context={'known_tags': <lower-cased tag names>}")
    return info.context["known_tags"]


def same_names(names: Sequence[str], fold: Callable[[str], str]) -> Iterator[tuple[int, int]]:
    """(i, j) for each name that repeats, once folded, the first name at j."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        j = first.setdefault(fold(name), i)
        if j != i:
            yield i, j


def repeated_names(names: Sequence[str], what: str, siblings: str, where: str = "") -> list[tuple[Loc, str]]:
    """Each name that repeats an earlier one, or differs from it only in case, at the later item."""
    problems: list[tuple[Loc, str]] = []
    for i, j in same_names(names, str.casefold):
        if names[i] == names[j]:
            text = f"repeats {what} {names[i]!r}{where}"
        else:
            text = f"{names[i]!r} differs only in case from {what} {names[j]!r} ({siblings}[{j}]){where}"
        problems.append(((i, "name"), text))
    return problems


Name = Annotated[str, _text(required=True)]
KeyText = Annotated[str, _text(required=True, max_len=100)]
Text = Annotated[str, _text(required=False)]
ShortText = Annotated[str, _text(required=False, max_len=100)]
Message = Annotated[str, _text(required=True, max_len=5000)]
Description = Annotated[str, _text(required=False, max_len=5000)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
Score = Annotated[float | None, BeforeValidator(_score)]
TagReference = Annotated[str, BeforeValidator(_tag_reference)]
FieldReference = Annotated[str, BeforeValidator(_field_reference)]
CheckReference = Annotated[str | None, BeforeValidator(_check_reference)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScoreSpec(Spec):
    # A missing time gets the same message as a wrong one, hence a default that is validated.
    recorded_at: Moment = Field(default=None, validate_default=True)
    total: Score = None
    completeness: Score = None
    coverage: Score = None
    conformity: Score = None
    consistency: Score = None
    precision: Score = None
    timeliness: Score = None
    volumetrics: Score = None
    accuracy: Score = None


class AssetSpec(Spec):
    name: Name
    tags: list[TagReference] = []
    scores: list[ScoreSpec] = []

    @field_validator("scores")
    @classmethod
    def _scores_at_distinct_times(cls, scores: list[ScoreSpec]) -> list[ScoreSpec]:
        if len({s.recorded_at for s in scores}) != len(scores):
            raise problem("has two scores recorded at the same time")
        return scores


class TagSpec(Spec):
    name: Name
    color: Annotated[str, BeforeValidator(_colour)] = "#6B7280"
    description: Annotated[str, _text(required=False, max_len=2000)] = ""
    category: ShortText = ""
    weight_modifier: Annotated[int, BeforeValidator(_weight)] = 0


class FieldSpec(AssetSpec):
    type: ShortText = ""


class CheckSpec(Spec):
    key: KeyText
    rule_type: KeyText
    description: Description = ""
    status: Annotated[str, _one_of(Check.Status.values)] = Check.Status.ACTIVE.value
    fields: list[FieldReference] = []


class AnomalySpec(Spec):
    key: KeyText
    type: Annotated[str, _one_of(Anomaly.Type.values)] = Anomaly.Type.RECORD.value
    status: Annotated[str, _one_of(Anomaly.Status.values)] = Anomaly.Status.ACTIVE.value
    message: Message
    created_at: Moment = Field(default=None, validate_default=True)
    check: CheckReference = None


class ContainerSpec(AssetSpec):
    type: Annotated[str, _one_of(Container.Type.values)] = Container.Type.TABLE.value
    fields: list[FieldSpec] = []
    checks: list[CheckSpec] = []
    anomalies: list[AnomalySpec] = []

    @field_validator("fields")
    @classmethod
    def _field_names_distinct(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        problems_raise(
            repeated_names([f.name for f in fields], "field", "fields", " in this container"), fields
        )
        return fields

    @field_validator("checks")
    @classmethod
    def _checks_distinct_on_known_fields(
        cls, checks: list[CheckSpec], info: ValidationInfo
    ) -> list[CheckSpec]:
        problems: list[tuple[Loc, str]] = []
        seen: set[str] = set()
        for k, check in enumerate(checks):
            if check.key in seen:
                problems.append(((k, "key"), f"repeats check key {check.key!r}"))
            seen.add(check.key)
        if "fields" in info.data:
            names = {f.name for f in info.data["fields"]}
            problems += [
                ((k, "fields", j), f"names field {shown(name)}, which this container does not have")
                for k, check in enumerate(checks)
                for j, name in enumerate(check.fields)
                if name not in names
            ]
        problems_raise(problems, checks)
        return checks

    @field_validator("anomalies")
    @classmethod
    def _anomalies_distinct_on_known_checks(
        cls, anomalies: list[AnomalySpec], info: ValidationInfo
    ) -> list[AnomalySpec]:
        problems: list[tuple[Loc, str]] = []
        seen: set[str] = set()
        for a, anomaly in enumerate(anomalies):
            if anomaly.key in seen:
                problems.append(((a, "key"), f"repeats anomaly key {anomaly.key!r}"))
            seen.add(anomaly.key)
        if "checks" in info.data:
            keys = {c.key for c in info.data["checks"]}
            problems += [
                ((a, "check"), f"names check {shown(anomaly.check)}, which this container does not have")
                for a, anomaly in enumerate(anomalies)
                if anomaly.check is not None and anomaly.check not in keys
            ]
        problems_raise(problems, anomalies)
        return anomalies


class DatastoreSpec(AssetSpec):
    connector_type: Annotated[str, _one_of(ConnectorType.values)] = ConnectorType.POSTGRESQL.value
    store_type: Annotated[str, _one_of(Datastore.StoreType.values)] = Datastore.StoreType.JDBC.value
    host: Text = ""
    database: Text = ""
    # `schema` would shadow a BaseModel method.
    schema_: Text = Field(default="", alias="schema")
    containers: list[ContainerSpec] = []

    @field_validator("containers")
    @classmethod
    def _container_names_distinct(cls, containers: list[ContainerSpec]) -> list[ContainerSpec]:
        names = [c.name for c in containers]
        problems_raise(repeated_names(names, "container", "containers", " in this datastore"), containers)
        return containers


class CatalogSpec(Spec):
    tags: list[TagSpec] = []
    datastores: list[DatastoreSpec] = []

    @field_validator("tags")
    @classmethod
    def _tag_names_distinct(cls, tags: list[TagSpec]) -> list[TagSpec]:
        names = [t.name for t in tags]
        problems_raise(
            [
                (
                    (i, "name"),
                    f"repeats tag {names[i]!r} (tags[{j}] is {names[j]!r}; "
                    "names are compared without regard to case)",
                )
                # Lower, not casefold: the database's unique constraint is on Lower(name).
                for i, j in same_names(names, str.lower)
            ],
            tags,
        )
        return tags

    @field_validator("datastores")
    @classmethod
    def _datastore_names_distinct(cls, datastores: list[DatastoreSpec]) -> list[DatastoreSpec]:
        problems_raise(repeated_names([d.name for d in datastores], "datastore", "datastores"), datastores)
        return datastores
