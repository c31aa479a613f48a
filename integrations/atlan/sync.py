"""A sync against Atlan: the engine's steps, filled in with Atlan's searches, tags and custom metadata,
within the integration's connections and data domains."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from catalog.models import Datastore
from integrations.atlan.client import AtlanClient
from integrations.atlan.matching import (
    COLUMN_TYPE,
    TABLE_TYPES,
    CatalogSchema,
    DatastoreRef,
    connection_of,
    datastore_match,
    schema_assets_group,
    schema_from_asset,
)
from integrations.atlan.pins import schema_label, schema_lookup
from integrations.atlan.push import CmLayout, PushTarget, cm_ensure, push_apply, push_plan
from integrations.atlan.queries import bool_filter, prefix, query_connections, term, terms
from integrations.atlan.records import AtlanAsset, AtlanTagDef
from integrations.atlan.scope import AtlanScope, scope_read
from integrations.http import CatalogAuthenticationError, CatalogError, RequestCounts
from integrations.sync.assets import AssetKey, CatalogAsset
from integrations.sync.context import RunContext
from integrations.sync.links import links_alerts_save, links_announcements_save
from integrations.sync.mapping import DatastoreAssets
from integrations.sync.names import names_match
from integrations.sync.pins import Pin, pin_refresh
from integrations.sync.runner import CatalogRead, CatalogSync, Location
from integrations.sync.staging import PreparedPush
from integrations.sync.tags import CatalogTag, tag_color_normalise
from integrations.sync.values import AssetPush

SEARCH_PAGE_SIZE = 200


class AtlanSync(CatalogSync):
    catalog: ClassVar[str] = "Atlan"

    def __init__(
        self, ctx: RunContext, client: AtlanClient, *, pull: bool | None = None, push: bool | None = None
    ):
        super().__init__(ctx, pull=pull, push=push)
        self.client = client
        self.username = ""
        self.layout: CmLayout | None = None
        self.tag_defs: dict[str, AtlanTagDef] = {}
        self.unknown_hashes: set[str] = set()
        self._schemas: tuple[list[str], list[CatalogSchema]] | None = None
        self.scope = AtlanScope()
        # Names of the assets read for the current datastore, to say where a propagated tag comes from.
        self.names_by_guid: dict[str, str] = {}
        self.tables_by_guid: dict[str, str] = {}

    # Preparing -------------------------------------------------------------------------------------
    def start(self) -> None:
        self.username = self.client.current_user().username
        read = scope_read(self.client, self.integration.parameters)
        self.scope = read.scope
        for line in read.lines:
            self.ctx.log(line)
        for text in read.warnings:
            self.ctx.warning(text)
        if self.pull:
            self.tag_defs = self.client.tag_typedefs()
        if self.push:
            try:
                self.layout = cm_ensure(self.client, self.ctx)
            except CatalogAuthenticationError:
                raise
            except CatalogError as exc:
                # Without the set there is nowhere to write: skip the push, let the pull go on.
                self.ctx.error(
                    f"Could not prepare the “Plumbline” custom-metadata set, so nothing is pushed: {exc}"
                )
                self.push = False

    def requests(self) -> RequestCounts:
        return self.client.counts

    # Locating and reading a datastore -------------------------------------------------------------
    def schemas(self) -> tuple[list[str], list[CatalogSchema]]:
        """Every visible connection and schema, read once per run."""
        if self._schemas is None:
            connections = [a.qualified_name for a in self.client.search_assets(query_connections())]
            query = bool_filter(term("__state", "ACTIVE"), term("__typeName.keyword", "Schema"))
            schemas = [
                schema_from_asset(a)
                for a in self.client.search_assets(
                    query, attributes=["databaseName"], page_size=SEARCH_PAGE_SIZE
                )
            ]
            self._schemas = (connections, schemas)
            self.ctx.log(
                f"Atlan (as {self.username}): {len(connections)} connection(s) and {len(schemas)} schema(s) "
                "visible to this token."
            )
        return self._schemas

    def datastore_locate(self, ds: Datastore, only: set[int] | None) -> Location:
        ref = DatastoreRef(ds.id, ds.name, ds.connector_type, ds.database, ds.schema)
        pin = self.pins.get(ds.id)
        if pin is not None:
            return self.location_pinned(ref, pin)
        link = self.links.get(("datastore", ds.id))
        if only is not None and link is not None:
            return self.location_scoped(ref, link.catalog_qualified_name)
        connections, schemas = self.schemas()
        chosen = [c for c in connections if self.scope.connection_in(c)]
        match = datastore_match(ref, schemas, chosen)
        if match.schema is not None:
            return self.location_scoped(ref, match.schema.qualified_name)
        if self.scope.connections is not None and match.kind != "ambiguous":
            # Not in the chosen connections: left out on purpose, wherever else it may be.
            elsewhere = datastore_match(ref, schemas, connections).schema
            where = f" (Atlan has it in another connection: {elsewhere.qualified_name})" if elsewhere else ""
            reason = f"Not in this integration's Atlan connections{where}."
            return Location("out_of_scope", reason=reason, label=ref.label)
        return Location(match.kind, reason=match.reason, label=ref.label)

    def location_pinned(self, ref: DatastoreRef, pin: Pin) -> Location:
        """The schema an admin pinned the datastore to, whatever the names say."""
        schema = schema_lookup(self.client, guid=pin.schema_guid, qualified_name=pin.schema_ref)
        if schema is None:
            reason = (
                f"Pinned to the Atlan schema {pin.schema_name or pin.schema_ref}, which this token no longer "
                "finds (deleted, or outside its persona): pin it again on the Mappings page."
            )
            return Location("unmatched", reason=reason, label=ref.label)
        pin_refresh(
            self.integration.pk, pin, schema_ref=schema.qualified_name, schema_name=schema_label(schema)
        )
        return replace(self.location_scoped(ref, schema.qualified_name), label=f"{ref.label} (pinned)")

    def location_scoped(self, ref: DatastoreRef, schema_qn: str) -> Location:
        """The schema found for a datastore, unless the integration's scope leaves it out."""
        if not self.scope.connection_in(connection_of(schema_qn)):
            reason = f"Its schema {schema_qn} is in a connection outside this integration's connections."
            return Location("out_of_scope", schema_qn, reason=reason, label=ref.label)
        if not self.scope.schema_touched(schema_qn):
            reason = "Neither its schema nor any of its tables is in the integration's Atlan domains."
            return Location("out_of_scope", schema_qn, reason=reason, label=ref.label)
        return Location("matched", schema_qn, label=ref.label)

    def datastore_read(
        self, ds: Datastore, location: Location, assets: DatastoreAssets, only: set[int] | None
    ) -> CatalogRead:
        """The schema and its tables; their columns are read a batch of tables at a time."""
        schema_qn = location.ref
        table_qns = None
        if only is not None:
            linked = [self.links.get(("container", c)) for c in assets.containers]
            table_qns = [link.catalog_qualified_name for link in linked if link]
            if len(table_qns) < len(assets.containers):
                table_qns = None  # a table never matched before: read the whole schema to find it
        read = list(self.assets_read(schema_qn, table_qns))
        group = schema_assets_group(schema_qn, read)
        if table_qns is not None:
            found = names_match(assets.containers, group.tables, lambda a: a.name)
            if found.unmatched or found.ambiguous:
                group = schema_assets_group(schema_qn, list(self.assets_read(schema_qn, None)))
        schema_asset = next((a for a in read if a.qualified_name == schema_qn), None)
        self.names_by_guid = self.tables_by_guid = {a.guid: a.name for a in (*read, *group.tables) if a.guid}
        inside = self.scope.asset_in(schema_qn)
        return CatalogRead(
            schema_asset if inside else None,
            [t for t in group.tables if self.scope.asset_in(t.qualified_name)],
            {},
            out_of_scope=[t for t in group.tables if not self.scope.asset_in(t.qualified_name)],
            container_out_of_scope=not inside,
        )

    def assets_read(self, schema_qn: str, table_qns: list[str] | None) -> Iterator[AtlanAsset]:
        """One paged search: the schema and its tables and views (or only the named ones)."""
        roots = (
            [prefix("qualifiedName", qn) for qn in table_qns]
            if table_qns
            else [prefix("qualifiedName", f"{schema_qn}/")]
        )
        wanted = set(table_qns or [])
        for asset in self.search_read(["Schema", *TABLE_TYPES], [term("qualifiedName", schema_qn), *roots]):
            # A table prefix also catches ORDERS_ARCHIVE for ORDERS: keep only the table.
            if not wanted or asset.qualified_name in wanted or asset.qualified_name == schema_qn:
                yield asset

    def batch_columns_read(
        self, ds: Datastore, location: Location, read: CatalogRead, tables: Sequence[CatalogAsset]
    ) -> Mapping[str, Sequence[CatalogAsset]]:
        """The columns of a batch of matched tables, in one paged search."""
        if not tables:
            return {}
        roots = [prefix("qualifiedName", f"{t.qualified_name}/") for t in tables]
        # On a background thread (see the engine): no safe points between its pages.
        columns = list(self.search_read([COLUMN_TYPE], roots, safe_points=False))
        return schema_assets_group(location.ref, columns).columns_by_table

    def batch_columns_seen(self, columns: Mapping[str, Sequence[CatalogAsset]]) -> None:
        # The batch's columns beside the schema and its tables: the last batch's are dropped.
        named = {
            c.guid: c.name for cs in columns.values() for c in cs if isinstance(c, AtlanAsset) and c.guid
        }
        self.names_by_guid = {**self.tables_by_guid, **named}

    def notices_relay(self) -> None:
        self.client.http.notices_relay()

    def search_read(
        self, types: list[str], should: list[dict[str, Any]], *, safe_points: bool = True
    ) -> Iterator[AtlanAsset]:
        query = {
            "bool": {
                "filter": [term("__state", "ACTIVE"), terms("__typeName.keyword", types)],
                "should": should,
                "minimum_should_match": 1,
            }
        }
        attributes = ["databaseName", "schemaName", "tableQualifiedName", "viewQualifiedName"]
        if self.layout is not None:
            attributes += self.layout.search_attributes()
        for n, asset in enumerate(
            self.client.search_assets(query, attributes=attributes, page_size=SEARCH_PAGE_SIZE), 1
        ):
            if safe_points and n % SEARCH_PAGE_SIZE == 0:
                self.ctx.checkpoint(force=False)  # between pages: at most once a second
            yield asset

    # Tags --------------------------------------------------------------------------------------------
    def asset_tags(self, asset: CatalogAsset) -> Iterable[str]:
        assert isinstance(asset, AtlanAsset)
        names = []
        for ref in asset.tags:
            definition = self.tag_defs.get(ref.hash)
            if definition is None:
                self.unknown_hashes.add(ref.hash)
            else:
                names.append(definition.display_name)
        return names

    def asset_tag_sources(self, asset: CatalogAsset) -> Mapping[str, str]:
        assert isinstance(asset, AtlanAsset)
        direct: set[str] = set()
        inherited: dict[str, str] = {}
        for ref in asset.tags:
            definition = self.tag_defs.get(ref.hash)
            if definition is None:
                continue
            if not ref.propagated or ref.source_guid == asset.guid:
                direct.add(definition.display_name)
            else:
                source = self.names_by_guid.get(ref.source_guid or "") or "another Atlan asset"
                inherited.setdefault(definition.display_name, source)
        # Applied here as well as propagated: it is the asset's own.
        return {name: source for name, source in inherited.items() if name not in direct}

    def catalog_tags(self) -> Iterable[CatalogTag]:
        for tag_hash in sorted(self.unknown_hashes):
            self.ctx.warning(f"Atlan tag {tag_hash} has no definition visible to this token; skipped it.")
        return [
            CatalogTag(d.display_name, tag_color_normalise(d.hex_color), d.description[:2000])
            for d in self.tag_defs.values()
        ]

    # Push ---------------------------------------------------------------------------------------------
    def datastore_push(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> None:
        self.push_send(ds, self.push_prepare(ds, matched, wanted))

    def push_prepare(
        self, ds: Datastore, matched: Mapping[AssetKey, CatalogAsset], wanted: Mapping[AssetKey, AssetPush]
    ) -> PreparedPush:
        targets = []
        for key, item in wanted.items():
            asset = matched[key]
            assert isinstance(asset, AtlanAsset)
            link = self.links.get(key)
            remembered = link is not None and item.anomalies is not None
            targets.append(
                PushTarget(
                    key,
                    item.label,
                    item.datastore,
                    asset,
                    item.values,
                    anomalies=item.anomalies,
                    anomalies_url=item.anomalies_url,
                    stored_title=link.announcement_title if remembered and link else "",
                    stored_message=link.announcement_message if remembered and link else "",
                )
            )
        plan = push_plan(
            targets,
            self.layout,
            username=self.username,
            announcements_on=self.integration.enable_announcements,
        )
        writes = bool(plan.updates or plan.announcements)
        return PreparedPush(list(wanted), writes, (plan, len(targets)))

    def push_send(self, ds: Datastore, prepared: PreparedPush) -> None:
        plan, targets = prepared.plan
        if self.ctx.preview:
            self.ctx.log(
                f"Would write custom metadata to {len(plan.updates)} asset(s) and change "
                f"{len(plan.announcements)} announcement(s).",
                datastore=ds.name,
            )
        counts = self.ctx.counts[ds.name]
        before = (counts["assets_pushed"], counts["announcements_set"] + counts["announcements_cleared"])
        outcome = push_apply(plan, self.client, self.ctx, username=self.username)
        links_announcements_save(self.links, outcome.remember)
        links_alerts_save(self.links, outcome.alert_states)
        if not self.ctx.preview:
            # What was actually written, not what was planned: a refused batch is not "pushed".
            pushed = counts["assets_pushed"] - before[0]
            alerts = counts["announcements_set"] + counts["announcements_cleared"] - before[1]
            current = targets - len(plan.updates)
            self.ctx.log(
                f"Pushed custom metadata to {pushed} asset(s) with changed values"
                + (f" ({current} already up to date)" if targets else "")
                + (f"; {alerts} announcement(s) changed." if alerts else "."),
                datastore=ds.name,
            )
