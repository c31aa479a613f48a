"""The stored matches between Plumbline assets and catalog assets (AssetLink), read and written in bulk.

Later runs and event pushes reuse them, and they remember what Plumbline last wrote on an asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Q

from catalog.models import Container, Field
from integrations.models import AssetLink
from integrations.sync.assets import AssetKey, CatalogAsset
from integrations.sync.rows import db_now, rows_insert

_CHUNK = 2000


@dataclass(slots=True)
class LinkRow:
    """An AssetLink as the sync reads it (AssetLink instances only for the rows it writes)."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "pk",
        "level",
        "object_id",
        "path",
        "catalog_type",
        "catalog_qualified_name",
        "catalog_guid",
        "name_case_differs",
        "announcement_title",
        "announcement_message",
        "alert_state",
        "alert_note",
    )

    pk: int
    level: str
    object_id: int
    path: str
    catalog_type: str
    catalog_qualified_name: str
    catalog_guid: str
    name_case_differs: bool
    announcement_title: str
    announcement_message: str
    alert_state: str
    alert_note: str


Links = dict[AssetKey, LinkRow | AssetLink]
# A new link's columns, in the order links_save builds its rows.
_INSERT_COLUMNS = (
    "integration_id",
    "level",
    "object_id",
    "run_id",
    "path",
    "catalog_type",
    "catalog_qualified_name",
    "catalog_guid",
    "name_case_differs",
    "announcement_title",
    "announcement_message",
    "alert_state",
    "alert_note",
    "updated_at",
)


def links_load(*, integration_id: int, datastore_id: int, only: Iterable[int] | None = None) -> Links:
    """A datastore's own link and, for an event push, those of its given tables and their fields
    (a full sync loads the rest a batch of tables at a time: `links_load_keys`)."""
    keys: list[AssetKey] = [("datastore", datastore_id)]
    if only is not None:
        containers = list(only)
        keys += [("container", pk) for pk in containers]
        # By their keys, not an OR over a subquery: that one scans every link of a large catalog.
        fields = Field.objects.filter(container_id__in=containers).values_list("id", flat=True)
        keys += [("field", pk) for pk in fields.iterator(chunk_size=5000)]
    return links_load_keys(integration_id, keys)


def links_load_keys(integration_id: int, keys: Iterable[AssetKey]) -> Links:
    """The links of these assets, a chunk of ids per query."""
    by_level: dict[str, list[int]] = {}
    for level, pk in keys:
        by_level.setdefault(level, []).append(pk)
    links: Links = {}
    for level, ids in by_level.items():
        for start in range(0, len(ids), _CHUNK):
            rows = AssetLink.objects.filter(
                integration_id=integration_id, level=level, object_id__in=ids[start : start + _CHUNK]
            )
            links.update(((row[1], row[2]), LinkRow(*row)) for row in rows.values_list(*LinkRow.COLUMNS))
    return links


def links_load_tables(integration_id: int, container_ids: Sequence[int], extra: Iterable[AssetKey]) -> Links:
    """The links of a batch of tables, their fields and a few other assets: the fields' by their
    tables in the query (a batch's fields are thousands of ids, each costly to pass one by one)."""
    keys = [("container", pk) for pk in container_ids] + list(extra)
    links = links_load_keys(integration_id, keys)
    fields = Field.objects.filter(container_id__in=list(container_ids)).values("id")
    rows = AssetLink.objects.filter(integration_id=integration_id, level="field", object_id__in=fields)
    links.update(((row[1], row[2]), LinkRow(*row)) for row in rows.values_list(*LinkRow.COLUMNS))
    return links


def links_forget(*, integration_id: int, datastore_id: int) -> int:
    """Delete every link of a datastore, its containers and their fields (it is no longer matched)."""
    containers = Container.objects.filter(datastore_id=datastore_id).values("id")
    fields = Field.objects.filter(container__datastore_id=datastore_id).values("id")
    deleted, _ = (
        AssetLink.objects.filter(integration_id=integration_id)
        .filter(
            Q(level="datastore", object_id=datastore_id)
            | Q(level="container", object_id__in=containers)
            | Q(level="field", object_id__in=fields)
        )
        .delete()
    )
    return deleted


def links_save(
    links: Links,
    *,
    integration_id: int,
    run_id: int,
    matched: Mapping[AssetKey, CatalogAsset],
    scope: Iterable[AssetKey],
    labels: Mapping[AssetKey, str],
    default_path: str,
    delete: bool = True,
    case_differs: Iterable[AssetKey] = (),
) -> None:
    """Create, update and (within scope, unless told not to) delete links; `links` follows along."""
    create: list[tuple[Any, ...]] = []
    created: list[AssetKey] = []
    update: list[AssetLink] = []
    gone: list[int] = []
    flagged = set(case_differs)
    now = db_now()
    for key in scope:
        link = links.get(key)
        asset = matched.get(key)
        if asset is None:
            if link is not None and delete:
                gone.append(link.pk)
                del links[key]
            continue
        values = {
            "path": labels.get(key, default_path)[:1000],
            "catalog_type": asset.type_name,
            "catalog_qualified_name": asset.qualified_name[:1000],
            "catalog_guid": asset.guid[:100],
            "name_case_differs": key in flagged,
        }
        if link is None:
            create.append((integration_id, key[0], key[1], run_id, *values.values(), "", "", "", "", now))
            created.append(key)
        elif any(getattr(link, attr) != value for attr, value in values.items()):
            # Unchanged links are left as they are: at 100k fields rewriting them all costs.
            for attr, value in values.items():
                setattr(link, attr, value)
            update.append(AssetLink(pk=link.pk, run_id=run_id, **values))
    for start in range(0, len(gone), _CHUNK):
        AssetLink.objects.filter(pk__in=gone[start : start + _CHUNK]).delete()
    rows_insert(AssetLink, _INSERT_COLUMNS, create)
    links.update(links_load_keys(integration_id, created))  # with the ids the database gave them
    fields = ["path", "catalog_type", "catalog_qualified_name", "catalog_guid", "name_case_differs", "run"]
    AssetLink.objects.bulk_update(update, fields, batch_size=_CHUNK)


def links_announcements_save(links: Links, written: Mapping[AssetKey, tuple[str, str]]) -> None:
    """Remember the announcement (or flag) title and message Plumbline last wrote on each asset."""
    changed = []
    for key, (title, message) in written.items():
        link = links.get(key)
        if link is None or not link.pk:
            continue
        if (link.announcement_title, link.announcement_message) != (title[:500], message):
            link.announcement_title, link.announcement_message = title[:500], message
            changed.append(
                AssetLink(pk=link.pk, announcement_title=title[:500], announcement_message=message)
            )
    AssetLink.objects.bulk_update(changed, ["announcement_title", "announcement_message"], batch_size=_CHUNK)


def links_alerts_save(links: Links, states: Mapping[AssetKey, tuple[str, str]]) -> None:
    """Remember the state of each table's warning in the catalog: Plumbline's, a person's or none."""
    changed = []
    for key, (state, note) in states.items():
        link = links.get(key)
        if link is None or not link.pk or (link.alert_state, link.alert_note) == (state, note[:500]):
            continue
        link.alert_state, link.alert_note = state, note[:500]
        changed.append(AssetLink(pk=link.pk, alert_state=state, alert_note=note[:500]))
    AssetLink.objects.bulk_update(changed, ["alert_state", "alert_note"], batch_size=_CHUNK)


def links_titles_save(links: Links, titles: Mapping[AssetKey, str]) -> None:
    """Remember the text Plumbline last set on each asset where a title says it all (a flag's reason)."""
    links_announcements_save(links, {key: (title, "") for key, title in titles.items()})
