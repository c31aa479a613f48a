"""Plumbline's side of a push: the values each catalog receives, read in set-based queries.

Every catalog gets the same values under the same names (Atlan as custom-metadata attributes,
Alation as custom fields): a link back, the total and factor scores, anomaly and check counts.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count
from django.urls import reverse

from catalog.models import SCORE_FACTORS, SCORE_FIELDS, Anomaly, Check, Container, Datastore, Field
from integrations.sync.assets import AssetKey

ValueKind = Literal["url", "float", "int"]


@dataclass(frozen=True)
class PushedValue:
    display_name: str
    kind: ValueKind
    source: str  # the key in AssetValues.as_dict()


PUSHED_VALUES: tuple[PushedValue, ...] = (
    PushedValue("URL", "url", "url"),
    PushedValue("Quality Score Total", "float", "total"),
    *(PushedValue(f"Quality Score {f.title()}", "float", f) for f in SCORE_FACTORS),
    PushedValue("Anomaly Count", "int", "anomalies"),
    PushedValue("Check Count", "int", "checks"),
)

_URL_NAMES = {
    "datastore": "catalog:datastore_detail",
    "container": "catalog:container_detail",
    "field": "catalog:field_detail",
}
_PLACEHOLDER = 999999999


@functools.cache
def _path_template(level: str) -> str:
    # One reverse per level, not one per asset: a push builds 100,000 of these.
    return reverse(_URL_NAMES[level], args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


def plumbline_path(level: str, object_id: int, anchor: str = "") -> str:
    return f"{_path_template(level).format(object_id)}{anchor}"


def plumbline_url(level: str, object_id: int, anchor: str = "") -> str:
    return f"{settings.SITE_URL}{plumbline_path(level, object_id, anchor)}"


def value_normalise(kind: str, value: Any) -> Any:
    """Compare like with like: catalogs send numbers back as strings, floats with noise."""
    if value is None:
        return None
    try:
        if kind == "float":
            return round(float(value), 2)
        if kind == "int":
            return int(round(float(value)))
    except (TypeError, ValueError):
        return value
    return str(value)


@dataclass
class AssetValues:
    scores: dict[str, float | None] = field(default_factory=dict)
    anomalies: int = 0
    checks: int = 0

    def by_name(self, url: str) -> dict[str, Any]:
        """The pushed values by display name (None: empty)."""
        source = {**self.scores, "anomalies": self.anomalies, "checks": self.checks, "url": url}
        return {v.display_name: source.get(v.source) for v in PUSHED_VALUES}


_SCORE_COLUMNS = [f"current_score__{f}" for f in SCORE_FIELDS]


def _scores(row: Mapping[str, Any]) -> dict[str, float | None]:
    return {f: row[f"current_score__{f}"] for f in SCORE_FIELDS}


def values_containers(container_ids: Sequence[int]) -> dict[int, AssetValues]:
    anomalies = dict(
        Anomaly.objects.filter(container_id__in=container_ids, status__in=Anomaly.OPEN_STATUSES)
        .values("container_id")
        .annotate(n=Count("id"))
        .values_list("container_id", "n")
    )
    checks = dict(
        Check.objects.filter(container_id__in=container_ids, status=Check.Status.ACTIVE)
        .values("container_id")
        .annotate(n=Count("id"))
        .values_list("container_id", "n")
    )
    return {
        row["id"]: AssetValues(_scores(row), anomalies.get(row["id"], 0), checks.get(row["id"], 0))
        for row in Container.objects.filter(id__in=container_ids).values("id", *_SCORE_COLUMNS)
    }


def values_fields(container_ids: Sequence[int]) -> dict[int, AssetValues]:
    """Per field: active checks on it, and the open anomalies those checks raised."""
    by_check = dict(
        Anomaly.objects.filter(
            container_id__in=container_ids, status__in=Anomaly.OPEN_STATUSES, check_rule__isnull=False
        )
        .values("check_rule_id")
        .annotate(n=Count("id"))
        .values_list("check_rule_id", "n")
    )
    checks: dict[int, list[int]] = defaultdict(list)
    rows = Check.fields.through.objects.filter(
        check__container_id__in=container_ids, check__status=Check.Status.ACTIVE
    ).values_list("field_id", "check_id")
    for field_id, check_id in rows:
        checks[field_id].append(check_id)
    return {
        row["id"]: AssetValues(
            _scores(row),
            sum(by_check.get(c, 0) for c in checks.get(row["id"], [])),
            len(checks.get(row["id"], [])),
        )
        for row in Field.objects.filter(container_id__in=container_ids).values("id", *_SCORE_COLUMNS)
    }


def values_datastore(datastore_id: int) -> AssetValues:
    row = Datastore.objects.filter(pk=datastore_id).values(*_SCORE_COLUMNS).get()
    anomalies = Anomaly.objects.filter(
        container__datastore_id=datastore_id, status__in=Anomaly.OPEN_STATUSES
    ).count()
    checks = Check.objects.filter(container__datastore_id=datastore_id, status=Check.Status.ACTIVE).count()
    return AssetValues(_scores(row), anomalies, checks)


@dataclass(frozen=True)
class AssetPush:
    """One matched asset and what Plumbline wants it to hold in the catalog."""

    key: AssetKey
    label: str
    datastore: str
    values: Mapping[str, Any]  # by display name
    # Tables only: open anomalies and the link to them (for announcements / flags).
    anomalies: int | None = None
    anomalies_url: str = ""


def values_for_matched(
    datastore_name: str, keys: Sequence[AssetKey], labels: Mapping[AssetKey, str]
) -> dict[AssetKey, AssetPush]:
    """What each matched asset of one datastore should hold, in a fixed number of queries."""
    container_ids = [pk for level, pk in keys if level == "container"]
    by_container = values_containers(container_ids)
    by_field = values_fields(container_ids)
    out: dict[AssetKey, AssetPush] = {}
    for key in keys:
        level, pk = key
        url = plumbline_url(level, pk)
        if level == "datastore":
            values = values_datastore(pk).by_name(url)
            out[key] = AssetPush(key, labels[key], datastore_name, values)
        elif level == "container" and pk in by_container:
            item = by_container[pk]
            anomalies_url = plumbline_url(level, pk, "#anomalies")
            out[key] = AssetPush(
                key, labels[key], datastore_name, item.by_name(url), item.anomalies, anomalies_url
            )
        elif level == "field" and pk in by_field:
            out[key] = AssetPush(key, labels[key], datastore_name, by_field[pk].by_name(url))
    return out


@dataclass(frozen=True)
class CheckPush:
    """One active check, for catalogs that show a row per data-quality rule (e.g. Data Health)."""

    id: int
    container_id: int
    field_ids: tuple[int, ...]
    rule_type: str
    description: str
    anomalies: int  # the open anomalies it raised
    url: str


def checks_described(datastore_id: int, container_ids: Collection[int]) -> list[tuple[int, str, str]]:
    """(id, rule type, description) of the active checks of these tables of a datastore: a few
    tables by id, many by datastore (one query whatever the datastore's size)."""
    rows = Check.objects.filter(status=Check.Status.ACTIVE)
    if len(container_ids) <= 500:
        rows = rows.filter(container_id__in=list(container_ids))
    else:
        rows = rows.filter(container__datastore_id=datastore_id)
    return [
        (pk, rule_type, description)
        for pk, cid, rule_type, description in rows.order_by("id").values_list(
            "id", "container_id", "rule_type", "description"
        )
        if cid in container_ids
    ]


def checks_for_containers(container_ids: Sequence[int]) -> list[CheckPush]:
    """The active checks of these containers with their open anomaly counts, in three queries."""
    by_check = dict(
        Anomaly.objects.filter(
            container_id__in=container_ids, status__in=Anomaly.OPEN_STATUSES, check_rule__isnull=False
        )
        .values("check_rule_id")
        .annotate(n=Count("id"))
        .values_list("check_rule_id", "n")
    )
    fields: dict[int, list[int]] = defaultdict(list)
    for check_id, field_id in Check.fields.through.objects.filter(
        check__container_id__in=container_ids, check__status=Check.Status.ACTIVE
    ).values_list("check_id", "field_id"):
        fields[check_id].append(field_id)
    rows = Check.objects.filter(container_id__in=container_ids, status=Check.Status.ACTIVE).order_by("id")
    return [
        CheckPush(
            id=pk,
            container_id=cid,
            field_ids=tuple(sorted(fields.get(pk, []))),
            rule_type=rule_type,
            description=description,
            anomalies=by_check.get(pk, 0),
            url=plumbline_url("container", cid, f"#check-{pk}"),
        )
        for pk, cid, rule_type, description in rows.values_list(
            "id", "container_id", "rule_type", "description"
        )
    ]


def checks_active(check_ids: Sequence[int]) -> set[int]:
    """Which of these checks still exist and are active."""
    return set(
        Check.objects.filter(id__in=check_ids, status=Check.Status.ACTIVE).values_list("id", flat=True)
    )
