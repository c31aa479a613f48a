"""Plain helpers that build catalog rows for tests."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from catalog.models import Anomaly, Check, Container, Datastore, Field, QualityScore, Tag
from catalog.services import quality_score_record
from integrations.models import Integration

_seq = count(1)


def integration_make(name: str = "Atlan prod") -> Integration:
    integration = Integration(name=name, url="https://acme.atlan.com")
    integration.token = "x"
    integration.save()
    return integration


def tag_make(name: str | None = None, *, integration: Integration | None = None, **extra: object) -> Tag:
    return Tag.objects.create(
        name=name or f"tag-{next(_seq)}",
        tag_type=Tag.Type.EXTERNAL if integration else Tag.Type.GLOBAL,
        integration=integration,
        **extra,
    )


def datastore_make(name: str | None = None, **extra: object) -> Datastore:
    extra.setdefault("connector_type", "snowflake")
    extra.setdefault("database", "SALES")
    extra.setdefault("schema", "PUBLIC")
    return Datastore.objects.create(name=name or f"datastore-{next(_seq)}", **extra)


def container_make(datastore: Datastore | None = None, name: str | None = None, **extra: object) -> Container:
    return Container.objects.create(
        datastore=datastore or datastore_make(), name=name or f"TABLE_{next(_seq)}", **extra
    )


def field_make(container: Container | None = None, name: str | None = None, **extra: object) -> Field:
    extra.setdefault("declared_type", "VARCHAR")
    return Field.objects.create(
        container=container or container_make(), name=name or f"COL_{next(_seq)}", **extra
    )


def check_make(
    container: Container,
    *,
    status: str = Check.Status.ACTIVE,
    fields: list[Field] = (),
    description: str = "",
) -> Check:
    check = Check.objects.create(
        container=container, rule_type="notNull", status=status, description=description
    )
    check.fields.set(fields)
    return check


def anomaly_make(
    container: Container,
    *,
    status: str = Anomaly.Status.ACTIVE,
    message: str = "Nulls found",
    **extra: object,
) -> Anomaly:
    extra.setdefault("created_at", timezone.now())
    return Anomaly.objects.create(container=container, status=status, message=message, **extra)


def scores_make(asset: Datastore | Container | Field, totals: list[float], **factors: float) -> QualityScore:
    """A daily score history ending today; the last one carries the factors and becomes current."""
    now = timezone.now()
    score = None
    for days_ago, total in zip(range(len(totals) - 1, -1, -1), totals, strict=True):
        extra = factors if days_ago == 0 else {}
        score = quality_score_record(
            asset=asset, scores={"total": total, **extra}, recorded_at=now - timedelta(days=days_ago)
        )
    return score


def catalog_make(*, containers: int = 2, fields: int = 3, tags: tuple[Tag, ...] = ()) -> Datastore:
    """A datastore with scored, tagged containers and fields, checks and an open anomaly each."""
    datastore = datastore_make()
    datastore.tags.set(tags)
    scores_make(datastore, [70, 75], completeness=90)
    for _ in range(containers):
        container = container_make(datastore)
        container.tags.set(tags)
        scores_make(container, [60, 65])
        check_make(container)
        anomaly_make(container)
        for _ in range(fields):
            field = field_make(container)
            field.tags.set(tags)
            scores_make(field, [88])
    return datastore
