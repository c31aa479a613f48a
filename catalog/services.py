"""Writes to the catalog. Views, commands and tasks call these; they announce catalog events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import (
    DEFAULT_TAG_COLOR,
    SCORE_FIELDS,
    Anomaly,
    Check,
    Container,
    Datastore,
    Field,
    QualityScore,
    Tag,
)
from catalog.signals import catalog_clearing, container_changed

AssetModel = Datastore | Container | Field
EXTERNAL_READ_ONLY = "External tags are managed by their integration and are read-only."
_SCORE_OWNER = {Datastore: "datastore", Container: "container", Field: "field"}


def _announce(container_ids: Iterable[int]) -> None:
    ids = sorted(set(container_ids))
    if ids:
        # After commit: listeners enqueue pushes that must see the new state.
        transaction.on_commit(lambda: container_changed.send(sender=Container, container_ids=ids))


def quality_score_record(
    *, asset: AssetModel, scores: Mapping[str, float | None], recorded_at: datetime | None = None
) -> QualityScore:
    """Append a score to the asset's time series and make it the current one if it is newest."""
    unknown = set(scores) - set(SCORE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown score factor(s): {', '.join(sorted(unknown))}.")
    score = QualityScore(recorded_at=recorded_at or timezone.now(), **scores)
    setattr(score, _SCORE_OWNER[type(asset)], asset)
    score.full_clean()
    with transaction.atomic():
        score.save()
        current = asset.current_score
        if current is None or current.recorded_at <= score.recorded_at:
            type(asset).objects.filter(pk=asset.pk).update(current_score=score)
            asset.current_score = score
        if isinstance(asset, Container):
            _announce([asset.pk])
        elif isinstance(asset, Field):
            _announce([asset.container_id])
    return score


def anomaly_set_status(*, anomalies: Iterable[Anomaly], status: str) -> int:
    """Acknowledge, resolve or archive anomalies; one event per affected table, not per anomaly."""
    if status not in Anomaly.Status.values:
        raise ValidationError(f"“{status}” is not an anomaly status.")
    ids = [a.pk for a in anomalies]
    with transaction.atomic():
        rows = Anomaly.objects.filter(pk__in=ids).exclude(status=status)
        container_ids = list(rows.values_list("container_id", flat=True).distinct())
        changed = rows.update(status=status, updated_at=timezone.now())
        _announce(container_ids)
    return changed


def check_set_status(*, checks: Iterable[Check], status: str) -> int:
    if status not in Check.Status.values:
        raise ValidationError(f"“{status}” is not a check status.")
    ids = [c.pk for c in checks]
    with transaction.atomic():
        rows = Check.objects.filter(pk__in=ids).exclude(status=status)
        container_ids = list(rows.values_list("container_id", flat=True).distinct())
        changed = rows.update(status=status)
        _announce(container_ids)
    return changed


def tag_create(
    *,
    name: str,
    color: str = DEFAULT_TAG_COLOR,
    description: str = "",
    category: str = "",
    weight_modifier: int = 0,
) -> Tag:
    tag = Tag(
        name=name.strip(),
        tag_type=Tag.Type.GLOBAL,
        color=color,
        description=description,
        category=category,
        weight_modifier=weight_modifier,
    )
    tag.full_clean()
    tag.save()
    return tag


def tag_update(*, tag: Tag, **changes: object) -> Tag:
    if tag.is_external:
        raise ValidationError(EXTERNAL_READ_ONLY)
    for key, value in changes.items():
        setattr(tag, key, value)
    tag.full_clean()
    tag.save()
    return tag


def tag_delete(*, tag: Tag) -> None:
    if tag.is_external:
        raise ValidationError(EXTERNAL_READ_ONLY)
    tag.delete()


def tag_apply(*, tag: Tag, asset: AssetModel) -> None:
    if tag.is_external:
        raise ValidationError("External tags are applied by their integration's pull, not by hand.")
    asset.tags.add(tag)


def tag_remove(*, tag: Tag, asset: AssetModel) -> None:
    if tag.is_external:
        raise ValidationError("External tags are removed by their integration's pull, not by hand.")
    asset.tags.remove(tag)


@transaction.atomic
def catalog_clear() -> list[str]:
    """Delete every datastore (with its tables, fields, scores, checks and anomalies) and every tag,
    after listeners removed what refers to them; returns what was removed, e.g. ["3 datastores"]."""
    removed = [str(answer) for _, answer in catalog_clearing.send(sender=Datastore) if answer]
    datastores, tags = Datastore.objects.count(), Tag.objects.count()
    Datastore.objects.all().delete()
    Tag.objects.all().delete()
    return [
        f"{datastores} datastore{'s' if datastores != 1 else ''}",
        f"{tags} tag{'s' if tags != 1 else ''}",
        *removed,
    ]
