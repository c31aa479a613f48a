"""Pushes held back until a pull + push run's pull is checked, so a tripped stop writes nothing.

Only runs whose mass-removal stop could trip hold them back (the integration has at least the
minimum number of tag assignments to remove); the others push batch by batch as they read.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping
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


def push_stage(run_id: int, datastore_id: int, batch: int, matched: Mapping[AssetKey, CatalogAsset]) -> None:
    SyncStagedPush.objects.bulk_create(
        [
            SyncStagedPush(
                run_id=run_id,
                datastore_id=datastore_id,
                batch=batch,
                level=level,
                object_id=pk,
                # Written and read back by the same run of the same code: never anyone else's bytes.
                asset=pickle.dumps(asset, protocol=pickle.HIGHEST_PROTOCOL),
            )
            for (level, pk), asset in matched.items()
        ],
        batch_size=_CHUNK,
    )


def staged_batches(run_id: int) -> Iterator[tuple[Datastore, dict[AssetKey, CatalogAsset]]]:
    """The held-back batches in the order they were read, one batch in memory at a time."""
    rows = SyncStagedPush.objects.filter(run_id=run_id)
    keys = rows.values_list("datastore_id", "batch").distinct().order_by("datastore_id", "batch")
    datastores = Datastore.objects.in_bulk({ds_id for ds_id, _ in keys})
    for ds_id, batch in keys:
        matched: dict[AssetKey, CatalogAsset] = {}
        for level, pk, blob in rows.filter(datastore_id=ds_id, batch=batch).values_list(
            "level", "object_id", "asset"
        ):
            matched[(level, pk)] = pickle.loads(bytes(blob))  # noqa: S301 (our own run's rows)
        if ds_id in datastores:
            yield datastores[ds_id], matched


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
