"""What a competent user writes with Atlan's own SDK to do the work of Plumbline's first sync.

    bench/.compare-venv/bin/python bench/pyatlan_sync.py INPUT.json OUTPUT.json

Runs in its own virtualenv with pyatlan only (no Plumbline, no Django): `python -m bench --compare`
makes that environment and times this script against the same sandbox as Plumbline's sync.

INPUT names the tenant (url, token), the custom-metadata set, and the data-quality values to
publish, keyed by `connector/database/schema[/table[/column]]` in lower case (how a user joins a
quality tool's export to the catalog: by names, ignoring case), each with its values by attribute
display name and, for tables with open anomalies, the announcement to set.

The script: one FluentSearch (pages of 200, pyatlan's bulk paging) over the schemas, tables and columns of the
connections, with their tags and the set's attributes; for each asset whose values differ, an
updater carrying only those values, saved merging custom metadata in batches of 20; then one
announcement update per table whose announcement differs. OUTPUT gets the figures as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from pyatlan.client.atlan import AtlanClient
from pyatlan.model.assets import Asset, Column, Connection, Schema, Table
from pyatlan.model.core import Announcement
from pyatlan.model.enums import AnnouncementType
from pyatlan.model.fluent_search import CompoundQuery, FluentSearch

PAGE_SIZE = 200
BATCH_SIZE = 20
TYPES = {"Schema": Schema, "Table": Table, "Column": Column}


def asset_key(asset: Asset) -> str:
    """`connector/database/schema[/table[/column]]` in lower case, from the asset's own attributes."""
    parts = [asset.connector_name, asset.database_name]
    if isinstance(asset, Schema):
        parts.append(asset.name)
    elif isinstance(asset, Table):
        parts += [asset.schema_name, asset.name]
    else:
        parts += [asset.schema_name, asset.table_name, asset.name]
    return "/".join(str(p or "") for p in parts).lower()


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    wanted: dict[str, dict[str, Any]] = spec["assets"]
    set_name: str = spec["set_name"]
    started = time.perf_counter()
    client = AtlanClient(base_url=spec["url"], api_key=spec["token"])

    connections = [
        c.qualified_name
        for c in FluentSearch()
        .where(CompoundQuery.active_assets())
        .where(CompoundQuery.asset_type(Connection))
        .page_size(PAGE_SIZE)
        .execute(client)
    ]
    search = (
        FluentSearch()
        .where(CompoundQuery.active_assets())
        .where(CompoundQuery.asset_types([Schema, Table, Column]))
        .where(Asset.CONNECTION_QUALIFIED_NAME.within(connections))
        .page_size(PAGE_SIZE)
    )
    for field in (
        Asset.NAME,
        Asset.CONNECTOR_NAME,
        Asset.ANNOUNCEMENT_TYPE,
        Asset.ANNOUNCEMENT_TITLE,
        Asset.ANNOUNCEMENT_MESSAGE,
        Table.DATABASE_NAME,
        Table.SCHEMA_NAME,
        Column.TABLE_NAME,
    ):
        search = search.include_on_results(field)
    for attribute in client.custom_metadata_cache.get_attributes_for_search_results(set_name) or []:
        search = search.include_on_results(attribute)

    tags: dict[str, list[str]] = {}
    announcements: list[tuple[Asset, dict[str, str]]] = []
    batch: list[Asset] = []
    assets = saves = updated = 0
    # bulk=True: past 10,000 results offset paging hits Elastic's result window, and pyatlan only
    # switches to its timestamp paging by itself above 99,700; a user extracting a catalog asks for it.
    for asset in search.execute(client, bulk=True):
        assets += 1
        key = asset_key(asset)
        tags[key] = list(asset.atlan_tags or [])  # the pull: every asset's tags
        want = wanted.get(key)
        if want is None:
            continue
        current = asset.get_custom_metadata(client, name=set_name)
        changed = {k: v for k, v in want["values"].items() if current.get(k) != v}
        if changed:
            updater = TYPES[asset.type_name].updater(qualified_name=asset.qualified_name, name=asset.name)
            values = updater.get_custom_metadata(client, name=set_name)
            for attribute, value in changed.items():
                values[attribute] = value
            updater.set_custom_metadata(client, custom_metadata=values)
            batch.append(updater)
            if len(batch) == BATCH_SIZE:
                client.asset.save(batch, replace_custom_metadata=True)
                saves, updated, batch = saves + 1, updated + len(batch), []
        announcement = want.get("announcement")
        if announcement and (
            asset.announcement_type != AnnouncementType.WARNING
            or asset.announcement_title != announcement["title"]
            or asset.announcement_message != announcement["message"]
        ):
            announcements.append((asset, announcement))
    if batch:
        client.asset.save(batch, replace_custom_metadata=True)
        saves, updated = saves + 1, updated + len(batch)
    for asset, announcement in announcements:
        client.asset.update_announcement(
            asset_type=TYPES[asset.type_name],
            qualified_name=asset.qualified_name,
            name=asset.name,
            announcement=Announcement(
                announcement_type=AnnouncementType.WARNING,
                announcement_title=announcement["title"],
                announcement_message=announcement["message"],
            ),
        )
    out = {
        "wall_s": time.perf_counter() - started,
        "assets_read": assets,
        "tagged_assets": sum(1 for names in tags.values() if names),
        "assets_updated": updated,
        "saves": saves,
        "announcements": len(announcements),
    }
    Path(argv[1]).write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
