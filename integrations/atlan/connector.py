"""The Atlan connector: the run machinery's entry point for everything Atlan-specific.

It orchestrates; the rules live elsewhere: `matching` (which catalog asset is which Plumbline
asset), `pull` (tags in) and `push` (scores, counts and announcements out), `client` (HTTP).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q

from catalog.models import Container, Datastore, Field
from integrations.atlan.client import (
    AtlanAsset,
    AtlanClient,
    AtlanTagDef,
    bool_filter,
    prefix,
    query_connections,
    term,
    terms,
)
from integrations.atlan.matching import (
    COLUMN_TYPE,
    TABLE_TYPES,
    CatalogSchema,
    DatastoreRef,
    ambiguous_reason,
    datastore_match,
    names_match,
    schema_assets_group,
    schema_from_asset,
)
from integrations.atlan.pull import (
    AssetKey,
    CatalogTag,
    PullInput,
    pull_apply,
    pull_load_existing,
    pull_plan,
    tag_color,
)
from integrations.atlan.push import (
    CmLayout,
    PushTarget,
    cm_ensure,
    plumbline_url,
    push_apply,
    push_plan,
    push_values_containers,
    push_values_datastore,
    push_values_fields,
)
from integrations.connectors import ConnectionOK, ConnectionProblem
from integrations.http import (
    CatalogAuthenticationError,
    CatalogConnectionError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    CatalogPermissionError,
    CatalogTLSError,
)
from integrations.models import AssetLink, SyncIssue
from integrations.runs import RunContext, RunStopped

# Extra AtlanClient options; tests set e.g. {"sleep": lambda s: None} to keep retries fast.
CLIENT_OPTIONS: dict[str, Any] = {}
SEARCH_PAGE_SIZE = 200
# Elasticsearch refuses from+size beyond 10 000, so page by timestamp before reaching it.
BULK_PAGING_THRESHOLD = 9_000
TAG_NAME_MAX = 255
SYNCED_CONTAINER_TYPES = (Container.Type.TABLE, Container.Type.VIEW)
_LINK_CHUNK = 2000


def client_build(url: str, token: str, ctx: RunContext | None = None) -> AtlanClient:
    options: dict[str, Any] = {"bulk_paging_threshold": BULK_PAGING_THRESHOLD, **CLIENT_OPTIONS}
    if ctx is not None:
        options.setdefault(
            "on_wait", lambda s, why: ctx.log(f"Atlan asked us to wait {s:.0f} s ({why})", level="WARNING")
        )
    return AtlanClient(url, token, **options)


class AtlanConnector:
    label = "Atlan"
    implemented = True

    def connection_test(self, *, url: str, token: str) -> ConnectionOK:
        host = urlsplit(url).hostname or url
        try:
            client = AtlanClient(url, token, max_retries=1, timeout=(5.0, 20.0), **CLIENT_OPTIONS)
        except ValueError as exc:
            raise ConnectionProblem("not_api", str(exc)) from None
        with client:
            try:
                user = client.current_user()
                visible = client.search_count(
                    bool_filter(
                        term("__state", "ACTIVE"),
                        terms("__typeName.keyword", ["Connection", "Database", "Schema", "Table"]),
                    )
                )
            except CatalogTLSError as exc:
                raise ConnectionProblem("tls", f"The TLS handshake with {host} failed: {exc}") from None
            except CatalogConnectionError:
                raise ConnectionProblem(
                    "unreachable",
                    f"Nothing answers at {host}: check the URL and that Plumbline can reach it.",
                ) from None
            except CatalogAuthenticationError:
                raise ConnectionProblem(
                    "rejected", "Atlan rejected the API token: check it was copied whole and has not expired."
                ) from None
            except (CatalogMalformedResponseError, CatalogNotFoundError):
                raise ConnectionProblem(
                    "not_api",
                    f"{url} answered, but it does not look like an Atlan API: use your tenant's address, "
                    "e.g. https://yourcompany.atlan.com.",
                ) from None
            except CatalogPermissionError:
                raise ConnectionProblem(
                    "no_access", "The token is valid but not allowed to search assets: check its persona."
                ) from None
            except CatalogError as exc:
                raise ConnectionProblem("error", f"Atlan answered with an error: {exc}") from None
        if visible <= 0:
            raise ConnectionProblem(
                "no_access",
                "The token is valid but cannot read any asset: give its persona a metadata policy "
                "for your connections.",
            )
        return ConnectionOK(user.username, f"Signed in as {user.username}; {visible} assets visible.")

    def sync(self, ctx: RunContext) -> None:
        if ctx.run.container_ids is not None:
            self.push_containers(ctx, list(ctx.run.container_ids))
            return
        with client_build(ctx.integration.url, ctx.integration.token, ctx) as client:
            try:
                _Sync(ctx, client).run()
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        with client_build(ctx.integration.url, ctx.integration.token, ctx) as client:
            try:
                _Sync(ctx, client, push=True, pull=False).containers_push(container_ids)
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)


@dataclass
class _PullState:
    """What the pull needs from every datastore, gathered as the datastores are read."""

    wanted: dict[AssetKey, set[str]] = field(default_factory=dict)
    scope: set[int] = field(default_factory=set)
    asset_datastore: dict[AssetKey, int] = field(default_factory=dict)
    labels: dict[AssetKey, str] = field(default_factory=dict)
    unknown_hashes: set[str] = field(default_factory=set)
    too_long: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _LinkRow:
    """An AssetLink as the sync reads it (AssetLink instances only for the rows it writes)."""

    COLUMNS = (
        "pk",
        "level",
        "object_id",
        "path",
        "catalog_type",
        "catalog_qualified_name",
        "catalog_guid",
        "announcement_title",
    )

    pk: int
    level: str
    object_id: int
    path: str
    catalog_type: str
    catalog_qualified_name: str
    catalog_guid: str
    announcement_title: str


class _Sync:
    def __init__(
        self, ctx: RunContext, client: AtlanClient, *, push: bool | None = None, pull: bool | None = None
    ):
        self.ctx = ctx
        self.client = client
        self.integration = ctx.integration
        self.push = ctx.run.push if push is None else push
        self.pull = ctx.run.pull if pull is None else pull
        self.username = ""
        self.layout: CmLayout | None = None
        self.tag_defs: dict[str, AtlanTagDef] = {}
        self.links: dict[AssetKey, _LinkRow | AssetLink] = {}
        self.pulled = _PullState()
        self._schemas: tuple[list[str], list[CatalogSchema]] | None = None

    # Whole sync ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.username = self.client.current_user().username
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

    def run(self) -> None:
        self.start()
        datastores = list(Datastore.objects.order_by("name"))
        jdbc = [d for d in datastores if d.store_type == Datastore.StoreType.JDBC]
        for ds in datastores:
            if ds.store_type != Datastore.StoreType.JDBC:
                self.ctx.log(
                    f"{ds.name}: skipped (file datastores are not synced with catalogs).", datastore=ds.name
                )
        for done, ds in enumerate(jdbc):
            self.ctx.progress(done, len(jdbc))
            self.ctx.set_requests(self.client.counts.reads, self.client.counts.writes)
            self.ctx.checkpoint()
            self.datastore_guarded(ds)
        self.ctx.progress(len(jdbc), len(jdbc))
        self.ctx.checkpoint()
        if self.pull:
            self.pull_finish()
        counts = self.client.counts
        self.ctx.log(
            f"Atlan requests: {counts.reads} reads, {counts.writes} writes"
            + (
                f", {counts.retries} retried ({counts.waited_seconds:.0f} s waited)."
                if counts.retries
                else "."
            )
        )

    def datastore_guarded(self, ds: Datastore, only: set[int] | None = None) -> None:
        """One datastore; a catalog failure there is logged and the run goes on with the next."""
        # Links are held one datastore at a time: memory stays flat as the catalog grows.
        self.links = self.links_load(ds, only)
        try:
            self.datastore_sync(ds, only)
        except CatalogAuthenticationError:
            raise
        except CatalogError as exc:
            self.pulled.scope.discard(ds.id)  # a failed read never counts as "tags removed"
            self.ctx.error(f"Atlan failed for this datastore, skipped it: {exc}", datastore=ds.name)
        finally:
            self.links = {}

    def links_load(self, ds: Datastore, only: set[int] | None) -> dict[AssetKey, _LinkRow | AssetLink]:
        """This datastore's links (or, for an event push, only those of its given tables)."""
        containers = list(only) if only is not None else Container.objects.filter(datastore=ds).values("id")
        fields = Field.objects.filter(container_id__in=containers).values("id")
        rows = self.integration.links.filter(
            Q(level="datastore", object_id=ds.id)
            | Q(level="container", object_id__in=containers)
            | Q(level="field", object_id__in=fields)
        )
        # Plain rows, not model instances: a sync compares 100,000 of them and changes few.
        return {
            (row[1], row[2]): _LinkRow(*row)
            for row in rows.values_list(*_LinkRow.COLUMNS).iterator(chunk_size=5000)
        }

    # One datastore ------------------------------------------------------------------------------
    def schemas(self) -> tuple[list[str], list[CatalogSchema]]:
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

    def schema_resolve(self, ds: Datastore, only: set[int] | None) -> str | None:
        link = self.links.get(("datastore", ds.id))
        if only is not None and link is not None:
            return link.catalog_qualified_name
        ref = DatastoreRef(ds.id, ds.name, ds.connector_type, ds.database, ds.schema)
        connections, schemas = self.schemas()
        match = datastore_match(ref, schemas, connections)
        if match.schema is not None:
            return match.schema.qualified_name
        self.ctx.issue(
            kind=match.kind, level="datastore", datastore=ds.name, path=ds.name, reason=match.reason
        )
        self.ctx.log(
            f"{ds.name} ({ref.label}): {match.kind.replace('_', ' ')}. {match.reason}",
            level="WARNING",
            datastore=ds.name,
        )
        if match.kind != "not_visible" and only is None:
            # It is not there (or not one): forget old links. Not visible may be a passing
            # persona problem, and the links remember which announcements are ours.
            self.links_save(ds, {}, self.datastore_keys(ds))
        return None

    def assets_read(self, schema_qn: str, table_qns: list[str] | None) -> Iterator[AtlanAsset]:
        """One paged search: the schema, its tables and views, and their columns."""
        roots = (
            [prefix("qualifiedName", f"{qn}") for qn in table_qns]
            if table_qns
            else [prefix("qualifiedName", f"{schema_qn}/")]
        )
        query = {
            "bool": {
                "filter": [
                    term("__state", "ACTIVE"),
                    terms("__typeName.keyword", ["Schema", *TABLE_TYPES, COLUMN_TYPE]),
                ],
                "should": [term("qualifiedName", schema_qn), *roots],
                "minimum_should_match": 1,
            }
        }
        attributes = ["databaseName", "schemaName", "tableQualifiedName", "viewQualifiedName"]
        if self.layout is not None:
            attributes += self.layout.search_attributes()
        wanted = set(table_qns or [])
        for n, asset in enumerate(
            self.client.search_assets(query, attributes=attributes, page_size=SEARCH_PAGE_SIZE), 1
        ):
            if n % SEARCH_PAGE_SIZE == 0:
                self.ctx.checkpoint()
            qn = asset.qualified_name
            # A table prefix also catches ORDERS_ARCHIVE for ORDERS: keep only the table and its columns.
            if wanted and qn != schema_qn and qn not in wanted and qn.rsplit("/", 1)[0] not in wanted:
                continue
            yield asset

    def datastore_keys(self, ds: Datastore) -> set[AssetKey]:
        keys: set[AssetKey] = {("datastore", ds.id)}
        keys.update(
            ("container", pk) for pk in Container.objects.filter(datastore=ds).values_list("id", flat=True)
        )
        keys.update(
            ("field", pk) for pk in Field.objects.filter(container__datastore=ds).values_list("id", flat=True)
        )
        return keys

    def datastore_sync(self, ds: Datastore, only: set[int] | None = None) -> None:
        ctx, name = self.ctx, ds.name
        schema_qn = self.schema_resolve(ds, only)
        if schema_qn is None:
            return
        containers = dict(
            Container.objects.filter(datastore=ds, container_type__in=SYNCED_CONTAINER_TYPES)
            .filter(**({"id__in": only} if only is not None else {}))
            .values_list("id", "name")
        )
        others = 0 if only is not None else Container.objects.filter(datastore=ds).count() - len(containers)
        table_links = [self.links.get(("container", c)) for c in containers]
        table_qns = (
            [link.catalog_qualified_name for link in table_links if link] if only is not None else None
        )
        if table_qns is not None and len(table_qns) < len(containers):
            table_qns = None  # a table never matched before: read the whole schema to find it
        assets = list(self.assets_read(schema_qn, table_qns))
        group = schema_assets_group(schema_qn, assets)
        tables = names_match(containers, group.tables, lambda a: a.name)
        if table_qns is not None and (tables.unmatched or tables.ambiguous):
            group = schema_assets_group(schema_qn, list(self.assets_read(schema_qn, None)))
            tables = names_match(containers, group.tables, lambda a: a.name)
        schema_asset = next((a for a in assets if a.qualified_name == schema_qn), None)

        fields_by_container: dict[int, dict[int, str]] = defaultdict(dict)
        field_rows = Field.objects.filter(container_id__in=list(containers)).values_list(
            "id", "container_id", "name"
        )
        for fid, cid, fname in field_rows:
            fields_by_container[cid][fid] = fname

        issues: list[SyncIssue] = []
        matched: dict[AssetKey, AtlanAsset] = {}
        labels: dict[AssetKey, str] = {("datastore", ds.id): name}
        if schema_asset is not None:
            matched[("datastore", ds.id)] = schema_asset
        for cid, cname in containers.items():
            labels[("container", cid)] = f"{name} / {cname}"
            for fid, fname in fields_by_container[cid].items():
                labels[("field", fid)] = f"{name} / {cname} / {fname}"

        def issue(kind: str, level: str, key: AssetKey, reason: str) -> None:
            issues.append(SyncIssue(kind=kind, level=level, datastore=name, path=labels[key], reason=reason))

        for cid in tables.unmatched:
            issue(
                "unmatched",
                "container",
                ("container", cid),
                f"No table or view named {containers[cid]!r} in {schema_qn}.",
            )
        for cid, candidates in tables.ambiguous.items():
            issue(
                "ambiguous",
                "container",
                ("container", cid),
                ambiguous_reason("table", containers[cid], candidates),
            )
        columns = {"matched": 0, "unmatched": 0, "ambiguous": 0}
        for cid, table in tables.matched.items():
            matched[("container", cid)] = table
            fm = names_match(
                fields_by_container[cid],
                group.columns_by_table.get(table.qualified_name, []),
                lambda a: a.name,
            )
            for fid, column in fm.matched.items():
                matched[("field", fid)] = column
            for fid in fm.unmatched:
                issue(
                    "unmatched",
                    "field",
                    ("field", fid),
                    f"No column named {fields_by_container[cid][fid]!r} in {table.qualified_name}.",
                )
            for fid, candidates in fm.ambiguous.items():
                issue(
                    "ambiguous",
                    "field",
                    ("field", fid),
                    ambiguous_reason("column", fields_by_container[cid][fid], candidates),
                )
            columns["matched"] += len(fm.matched)
            columns["unmatched"] += len(fm.unmatched)
            columns["ambiguous"] += len(fm.ambiguous)
        ctx.issues_bulk(issues)
        ctx.count(name, "tables", len(tables.matched))
        ctx.count(name, "fields", columns["matched"])

        summary = (
            f"{ds.database}.{ds.schema} ↔ {schema_qn}: {len(tables.matched)} tables and "
            f"{columns['matched']} columns matched"
        )
        for n, what in (
            (len(tables.unmatched), "table(s) unmatched"),
            (len(tables.ambiguous), "table(s) ambiguous"),
            (columns["unmatched"], "column(s) unmatched"),
            (columns["ambiguous"], "column(s) ambiguous"),
        ):
            if n:
                summary += f", {n} {what}"
        if only is None and tables.catalog_only:
            summary += f"; {len(tables.catalog_only)} table(s) only in Atlan"
        if others:
            summary += f"; {others} file or computed container(s) not synced"
        ctx.log(summary + ".", datastore=name)

        scope_keys = set(labels) if only is not None else self.datastore_keys(ds)
        self.links_save(ds, matched, scope_keys, labels, delete=only is None)
        if self.pull and only is None:
            self.pull_collect(ds, matched, labels, scope_keys)
        if self.push:
            self.push_datastore(ds, matched, labels)

    # Links ---------------------------------------------------------------------------------------------
    def links_save(
        self,
        ds: Datastore,
        matched: dict[AssetKey, AtlanAsset],
        scope: set[AssetKey],
        labels: dict[AssetKey, str] | None = None,
        *,
        delete: bool = True,
    ) -> None:
        """Create, update and (within scope) delete AssetLinks in bulk; keep remembered titles."""
        create, update, gone = [], [], []
        for key in scope:
            link = self.links.get(key)
            asset = matched.get(key)
            if asset is None:
                if link is not None and delete:
                    gone.append(link.pk)
                    del self.links[key]
                continue
            values = {
                "path": (labels or {}).get(key, ds.name)[:1000],
                "catalog_type": asset.type_name,
                "catalog_qualified_name": asset.qualified_name[:1000],
                "catalog_guid": asset.guid[:100],
            }
            if link is None:
                link = AssetLink(
                    integration=self.integration, level=key[0], object_id=key[1], run=self.ctx.run, **values
                )
                create.append(link)
                self.links[key] = link
            elif any(getattr(link, attr) != value for attr, value in values.items()):
                # Unchanged links are left as they are: at 100k fields rewriting them all costs.
                for attr, value in values.items():
                    setattr(link, attr, value)
                update.append(AssetLink(pk=link.pk, run=self.ctx.run, **values))
        for start in range(0, len(gone), _LINK_CHUNK):
            AssetLink.objects.filter(pk__in=gone[start : start + _LINK_CHUNK]).delete()
        AssetLink.objects.bulk_create(create, batch_size=_LINK_CHUNK)
        fields = ["path", "catalog_type", "catalog_qualified_name", "catalog_guid", "run"]
        AssetLink.objects.bulk_update(update, fields, batch_size=_LINK_CHUNK)

    # Pull -------------------------------------------------------------------------------------------------
    def pull_collect(
        self,
        ds: Datastore,
        matched: dict[AssetKey, AtlanAsset],
        labels: dict[AssetKey, str],
        scope: set[AssetKey],
    ) -> None:
        state = self.pulled
        state.scope.add(ds.id)
        for key in scope:
            state.asset_datastore[key] = ds.id
        state.labels.update(labels)
        for key, asset in matched.items():
            names = set()
            for ref in asset.tags:
                definition = self.tag_defs.get(ref.hash)
                if definition is None:
                    state.unknown_hashes.add(ref.hash)
                elif len(definition.display_name) > TAG_NAME_MAX:
                    state.too_long.add(definition.display_name[:60])
                else:
                    names.add(definition.display_name)
            if names:
                state.wanted[key] = names

    def pull_finish(self) -> None:
        state, ctx = self.pulled, self.ctx
        for tag_hash in sorted(state.unknown_hashes):
            ctx.log(
                f"Atlan tag {tag_hash} has no definition visible to this token; skipped it.", level="WARNING"
            )
        for name in sorted(state.too_long):
            ctx.log(
                f"Atlan tag “{name}…” is longer than {TAG_NAME_MAX} characters; skipped it.", level="WARNING"
            )
        catalog_tags = {
            d.display_name.casefold(): CatalogTag(
                d.display_name, tag_color(d.hex_color), d.description[:2000]
            )
            for d in self.tag_defs.values()
            if len(d.display_name) <= TAG_NAME_MAX
        }
        used = {n for names in state.wanted.values() for n in names}
        existing, assignments = pull_load_existing(self.integration.pk, used)
        for a in assignments:  # assets outside this run's datastores still need a label
            state.labels.setdefault(a.key, f"{a.key[0]} {a.key[1]}")
            state.asset_datastore.setdefault(a.key, a.datastore_id)
        plan = pull_plan(
            PullInput(
                integration_id=self.integration.pk,
                overwrite_tags=self.integration.overwrite_tags,
                wanted=state.wanted,
                scope_datastores=state.scope,
                catalog_tags=catalog_tags,
                existing_tags=existing,
                assignments=assignments,
                asset_datastore=state.asset_datastore,
                threshold=settings.PLUMBLINE_TAG_REMOVAL_THRESHOLD,
            )
        )
        if plan.stop_reason:
            raise RunStopped(plan.stop_reason)
        names = dict(Datastore.objects.values_list("id", "name"))
        pull_apply(
            plan, ctx, integration_id=self.integration.pk, asset_labels=state.labels, datastore_names=names
        )

    # Push -------------------------------------------------------------------------------------------------
    def push_datastore(
        self, ds: Datastore, matched: dict[AssetKey, AtlanAsset], labels: dict[AssetKey, str]
    ) -> None:
        container_ids = [k[1] for k in matched if k[0] == "container"]
        by_container = push_values_containers(container_ids)
        by_field = push_values_fields(container_ids)
        targets: list[PushTarget] = []
        for key, asset in matched.items():
            level, pk = key
            url = plumbline_url(level, pk)
            link = self.links.get(key)
            if level == "datastore":
                values = push_values_datastore(pk)
                targets.append(PushTarget(key, labels[key], ds.name, asset, values.as_cm(url)))
            elif level == "container" and pk in by_container:
                values = by_container[pk]
                targets.append(
                    PushTarget(
                        key,
                        labels[key],
                        ds.name,
                        asset,
                        values.as_cm(url),
                        anomalies=values.anomalies,
                        anomalies_url=plumbline_url(level, pk, "#anomalies"),
                        stored_title=link.announcement_title if link else "",
                    )
                )
            elif level == "field" and pk in by_field:
                targets.append(PushTarget(key, labels[key], ds.name, asset, by_field[pk].as_cm(url)))
        plan = push_plan(
            targets,
            self.layout,
            username=self.username,
            announcements_on=self.integration.enable_announcements,
        )
        if self.ctx.preview:
            self.ctx.log(
                f"Would write custom metadata to {len(plan.updates)} asset(s) and change "
                f"{len(plan.announcements)} announcement(s).",
                datastore=ds.name,
            )
        titles = push_apply(plan, self.client, self.ctx)
        changed = []
        for key, title in titles.items():
            link = self.links.get(key)
            if link is not None and link.pk and link.announcement_title != title:
                link.announcement_title = title[:500]
                changed.append(AssetLink(pk=link.pk, announcement_title=link.announcement_title))
        AssetLink.objects.bulk_update(changed, ["announcement_title"], batch_size=_LINK_CHUNK)
        if not self.ctx.preview:
            written = len(plan.updates)
            self.ctx.log(
                f"Pushed custom metadata to {written} asset(s) with changed values"
                + (f" ({len(targets) - written} already up to date)" if targets else "")
                + (f"; {len(plan.announcements)} announcement(s) changed." if plan.announcements else "."),
                datastore=ds.name,
            )

    # Event-driven push ------------------------------------------------------------------------------------
    def containers_push(self, container_ids: list[int]) -> None:
        self.start()
        by_ds: dict[int, set[int]] = defaultdict(set)
        rows = Container.objects.filter(id__in=container_ids, container_type__in=SYNCED_CONTAINER_TYPES)
        for cid, ds_id in rows.values_list("id", "datastore_id"):
            by_ds[ds_id].add(cid)
        datastores = Datastore.objects.filter(
            id__in=list(by_ds), store_type=Datastore.StoreType.JDBC
        ).order_by("name")
        for ds in datastores:
            self.ctx.checkpoint()
            self.datastore_guarded(ds, only=by_ds[ds.id])
