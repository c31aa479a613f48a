"""Pushes held back until a pull + push run's pull is checked, so a tripped stop writes nothing.

Only runs whose mass-removal stop could trip hold them back (the integration has at least the
minimum number of tag assignments to remove); the others push batch by batch as they read.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.models import Container, Datastore, Field, Tag
from integrations.models import SyncStagedPush
from integrations.sync.assets import LEVEL_MODELS, AssetKey, CatalogAsset

_CHUNK = 2000


def assignments_count(integration_id: int) -> int:
    """This integration's external-tag assignments: what a pull could remove."""
    total = 0
    for model in LEVEL_MODELS.values():
        through: Any = model.tags.through
        total += through.objects.filter(
            tag__integration_id=integration_id, tag__tag_type=Tag.Type.EXTERNAL
        ).count()
    return total


@dataclass
class PreparedPush:
    """A batch's push, planned from what the catalog holds and what Plumbline wants, not sent yet.

    `plan` is the connector's own; `writes` says whether sending it changes the catalog (a plan
    without writes only logs and remembers, and is sent at once even when pushes are held back)."""

    keys: list[AssetKey]
    writes: bool
    plan: Any


def push_stage(
    run_id: int, datastore_id: int, batch: int, payload: PreparedPush | Mapping[AssetKey, Any]
) -> None:
    """Hold back a batch's push: its prepared push, or the matched assets to push from later."""
    SyncStagedPush.objects.create(
        run_id=run_id,
        datastore_id=datastore_id,
        batch=batch,
        # Written and read back by the same run of the same code: never anyone else's bytes.
        payload=pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL),
    )


def staged_batches(run_id: int) -> Iterator[tuple[Datastore, PreparedPush | dict[AssetKey, CatalogAsset]]]:
    """The held-back batches in the order they were read, one batch in memory at a time."""
    rows = SyncStagedPush.objects.filter(run_id=run_id).order_by("datastore_id", "batch")
    datastores = Datastore.objects.in_bulk(set(rows.values_list("datastore_id", flat=True)))
    for pk in list(rows.values_list("pk", flat=True)):
        ds_id, blob = SyncStagedPush.objects.values_list("datastore_id", "payload").get(pk=pk)
        if ds_id in datastores:
            yield datastores[ds_id], pickle.loads(bytes(blob))  # noqa: S301 (our own run's rows)


def staged_clear(run_id: int) -> None:
    SyncStagedPush.objects.filter(run_id=run_id).delete()


def asset_labels(datastore: Datastore, keys: Iterable[AssetKey]) -> dict[AssetKey, str]:
    """The labels a push names its assets by ("DS / table / field"), read for these keys only."""
    keys = list(keys)
    labels: dict[AssetKey, str] = {("datastore", datastore.pk): datastore.name}
    container_ids = [pk for level, pk in keys if level == "container"]
    field_ids = [pk for level, pk in keys if level == "field"]
    for start in range(0, len(container_ids), _CHUNK):
        rows = Container.objects.filter(pk__in=container_ids[start : start + _CHUNK]).values_list(
            "id", "name"
        )
        labels.update((("container", pk), f"{datastore.name} / {name}") for pk, name in rows)
    for start in range(0, len(field_ids), _CHUNK):
        fields = Field.objects.filter(pk__in=field_ids[start : start + _CHUNK])
        labels.update(
            (("field", pk), f"{datastore.name} / {table} / {name}")
            for pk, table, name in fields.values_list("id", "container__name", "name")
        )
    return labels
