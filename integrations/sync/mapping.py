"""One datastore's tables and columns paired with the catalog's, with every unmapped one and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from catalog.models import Container, Field
from integrations.models import SyncIssue
from integrations.sync.assets import SYNCED_CONTAINER_TYPES, AssetKey, CatalogAsset
from integrations.sync.names import ambiguous_reason, names_match


@dataclass
class DatastoreAssets:
    """Plumbline's side of one datastore: synced containers by id, their fields, and labels."""

    datastore_id: int
    name: str
    containers: dict[int, str]
    fields_by_container: dict[int, dict[int, str]]
    labels: dict[AssetKey, str]
    # File and computed containers, counted to say they were not synced.
    others: int = 0


def datastore_assets_load(datastore_id: int, name: str, *, only: set[int] | None = None) -> DatastoreAssets:
    """The datastore's tables and views (or only the given ones) and their fields."""
    assets = datastore_tables_load(datastore_id, name, only=only)
    assets_fields_load(assets, list(assets.containers))
    return assets


def datastore_tables_load(datastore_id: int, name: str, *, only: set[int] | None = None) -> DatastoreAssets:
    """The datastore's tables and views (or only the given ones), without their fields: a sync
    loads those a batch of tables at a time (`assets_fields_load`)."""
    rows = Container.objects.filter(datastore_id=datastore_id, container_type__in=SYNCED_CONTAINER_TYPES)
    if only is not None:
        rows = rows.filter(id__in=only)
    containers = dict(rows.values_list("id", "name"))
    others = 0
    if only is None:
        others = Container.objects.filter(datastore_id=datastore_id).count() - len(containers)
    labels: dict[AssetKey, str] = {("datastore", datastore_id): name}
    for cid, cname in containers.items():
        labels[("container", cid)] = f"{name} / {cname}"
    return DatastoreAssets(datastore_id, name, containers, {}, labels, others)


def assets_fields_load(assets: DatastoreAssets, container_ids: Sequence[int]) -> None:
    """Load the fields (and their labels) of these containers, dropping those of the last batch."""
    for cid in assets.fields_by_container:
        for fid in assets.fields_by_container[cid]:
            assets.labels.pop(("field", fid), None)
    assets.fields_by_container = {cid: {} for cid in container_ids}
    rows = Field.objects.filter(container_id__in=list(container_ids)).order_by()
    for fid, cid, fname in rows.values_list("id", "container_id", "name").iterator(chunk_size=5000):
        assets.fields_by_container[cid][fid] = fname
        assets.labels[("field", fid)] = f"{assets.name} / {assets.containers[cid]} / {fname}"


@dataclass
class LeftOut:
    """Plumbline assets a scope leaves out of a sync: their keys, and a report row per table."""

    keys: set[AssetKey] = field(default_factory=set)
    issues: list[SyncIssue] = field(default_factory=list)


def datastore_assets_drop(assets: DatastoreAssets, table_names: set[str], *, catalog: str) -> LeftOut:
    """Leave out the containers named (without regard to case) and their fields."""
    folded = {name.casefold() for name in table_names}
    left = LeftOut()
    for cid, name in list(assets.containers.items()):
        if name.casefold() not in folded:
            continue
        reason = f"Outside this integration's scope in {catalog}: not synced, its tags left as they are."
        left.issues.append(_issue(assets, "out_of_scope", "container", cid, reason))
        left.keys.add(("container", cid))
        assets.fields_by_container.pop(cid, None)
        del assets.containers[cid]
    dropped = [pk for level, pk in left.keys]
    fields = Field.objects.filter(container_id__in=dropped).values_list("id", flat=True)
    left.keys.update(("field", fid) for fid in fields.iterator(chunk_size=5000))
    return left


@dataclass
class DatastoreMapping:
    matched: dict[AssetKey, CatalogAsset] = field(default_factory=dict)
    # Matched only by ignoring case: flagged in the report.
    case_differs: set[AssetKey] = field(default_factory=set)
    issues: list[SyncIssue] = field(default_factory=list)
    tables_matched: int = 0
    tables_unmatched: int = 0
    tables_ambiguous: int = 0
    columns_matched: int = 0
    columns_unmatched: int = 0
    columns_ambiguous: int = 0
    catalog_only_tables: int = 0
    catalog_only_columns: int = 0
    # Plumbline container id -> the catalog table it matched.
    tables: dict[int, CatalogAsset] = field(default_factory=dict)

    def columns_add(self, other: DatastoreMapping) -> None:
        """Add a batch's column counts to the datastore's totals."""
        self.columns_matched += other.columns_matched
        self.columns_unmatched += other.columns_unmatched
        self.columns_ambiguous += other.columns_ambiguous
        self.catalog_only_columns += other.catalog_only_columns

    def summary(self, *, left: str, right: str, catalog: str, others: int, whole: bool) -> str:
        """The log line for this datastore, e.g. "SALES.PUBLIC ↔ …: 5 tables and 40 columns matched"."""
        text = f"{left} ↔ {right}: {self.tables_matched} tables and {self.columns_matched} columns matched"
        for n, what in (
            (self.tables_unmatched, "table(s) only in Plumbline"),
            (self.tables_ambiguous, "table(s) ambiguous"),
            (self.columns_unmatched, "column(s) only in Plumbline"),
            (self.columns_ambiguous, "column(s) ambiguous"),
        ):
            if n:
                text += f", {n} {what}"
        only = [
            f"{n} {what}"
            for n, what in ((self.catalog_only_tables, "table(s)"), (self.catalog_only_columns, "column(s)"))
            if n
        ]
        if whole and only:
            text += f"; {' and '.join(only)} only in {catalog}"
        if others:
            text += f"; {others} file or computed container(s) not synced"
        return text + "."


def datastore_map(
    assets: DatastoreAssets,
    *,
    container_ref: str,
    container_asset: CatalogAsset | None,
    tables: Sequence[CatalogAsset],
    columns_by_table: Mapping[str, Sequence[CatalogAsset]],
    catalog: str = "the catalog",
    whole: bool = True,
) -> DatastoreMapping:
    """Match tables by name inside the catalog container (schema), then columns inside each table.

    `whole`: the catalog side was read in full, so what is only there can be named.
    """
    result = tables_map(
        assets,
        container_ref=container_ref,
        container_asset=container_asset,
        tables=tables,
        catalog=catalog,
        whole=whole,
    )
    columns_map(result, assets, result.tables, columns_by_table, catalog=catalog, whole=whole)
    return result


def tables_map(
    assets: DatastoreAssets,
    *,
    container_ref: str,
    container_asset: CatalogAsset | None,
    tables: Sequence[CatalogAsset],
    catalog: str = "the catalog",
    whole: bool = True,
) -> DatastoreMapping:
    """The datastore and its tables matched; `result.tables` says which catalog table each got."""
    result = DatastoreMapping()
    if container_asset is not None:
        result.matched[("datastore", assets.datastore_id)] = container_asset
    found = names_match(assets.containers, tables, lambda a: a.name)
    _unmapped_record(
        result, assets, "container", assets.containers, found.unmatched, found.ambiguous, container_ref
    )
    for cid, table in found.matched.items():
        result.matched[("container", cid)] = table
        if table.name != assets.containers[cid]:
            result.case_differs.add(("container", cid))
    result.tables = dict(found.matched)
    result.tables_matched = len(found.matched)
    result.tables_unmatched = len(found.unmatched)
    result.tables_ambiguous = len(found.ambiguous)
    if whole:
        result.catalog_only_tables = _catalog_only_record(
            result, assets, "container", found.catalog_only, assets.name, catalog
        )
    return result


def columns_map(
    result: DatastoreMapping,
    assets: DatastoreAssets,
    tables: Mapping[int, CatalogAsset],
    columns_by_table: Mapping[str, Sequence[CatalogAsset]],
    *,
    catalog: str = "the catalog",
    whole: bool = True,
) -> None:
    """Match the columns of these matched tables (their fields loaded in `assets`) into `result`."""
    for cid, table in tables.items():
        names = assets.fields_by_container[cid]
        columns = names_match(names, columns_by_table.get(table.qualified_name, []), lambda a: a.name)
        for fid, column in columns.matched.items():
            result.matched[("field", fid)] = column
            if column.name != names[fid]:
                result.case_differs.add(("field", fid))
        _unmapped_record(
            result, assets, "field", names, columns.unmatched, columns.ambiguous, table.qualified_name
        )
        result.columns_matched += len(columns.matched)
        result.columns_unmatched += len(columns.unmatched)
        result.columns_ambiguous += len(columns.ambiguous)
        if whole:
            where = f"{assets.name} / {assets.containers[cid]}"
            result.catalog_only_columns += _catalog_only_record(
                result, assets, "field", columns.catalog_only, where, catalog
            )


def _unmapped_record(
    result: DatastoreMapping,
    assets: DatastoreAssets,
    level: str,
    names: Mapping[int, str],
    unmatched: Sequence[int],
    ambiguous: Mapping[int, Sequence[CatalogAsset]],
    where: str,
) -> None:
    what = "table or view" if level == "container" else "column"
    for pk in unmatched:
        reason = f"No {what} named {names[pk]!r} in {where}."
        result.issues.append(_issue(assets, "unmatched", level, pk, reason))
    for pk, candidates in ambiguous.items():
        reason = ambiguous_reason("table" if level == "container" else "column", names[pk], candidates)
        result.issues.append(_issue(assets, "ambiguous", level, pk, reason))


def _issue(assets: DatastoreAssets, kind: str, level: str, pk: int, reason: str) -> SyncIssue:
    return SyncIssue(
        kind=kind,
        level=level,
        datastore=assets.name,
        object_id=pk,
        path=assets.labels[(level, pk)],
        reason=reason,
    )


def _catalog_only_record(
    result: DatastoreMapping,
    assets: DatastoreAssets,
    level: str,
    items: Sequence[CatalogAsset],
    where: str,
    catalog: str,
) -> int:
    what = "table or view" if level == "container" else "column"
    for item in items:
        result.issues.append(
            SyncIssue(
                kind="catalog_only",
                level=level,
                datastore=assets.name,
                path=f"{where} / {item.name}",
                catalog_type=item.type_name[:100],
                catalog_qualified_name=item.qualified_name[:1000],
                catalog_guid=item.guid[:100],
                reason=f"Only in {catalog}: Plumbline has no {what} named {item.name!r} in {where}.",
            )
        )
    return len(items)
