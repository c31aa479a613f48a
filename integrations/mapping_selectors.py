"""Reads for the Mappings page and API: each datastore with the catalog schema it is synced with
(pinned, or matched by name by the latest full sync), or why not."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Datastore
from integrations.connectors import integration_connector
from integrations.mapping_services import mapping_describe
from integrations.models import Integration, MappingPin, SyncIssue, SyncRun

# What the page says of a datastore the latest full sync has not reported on.
NOT_SYNCED = "No full sync has looked for it yet."


@dataclass(frozen=True)
class MappingRow:
    datastore: Datastore
    pin: MappingPin | None
    # pinned, excluded or automatic: what the admin chose.
    state: str
    # What the latest full sync found: matched, or an issue kind (unmatched, out_of_scope, …), or
    # not_synced. `catalog_*` name the schema it was synced with; `note` says why not.
    status: str
    status_label: str
    catalog_name: str = ""
    catalog_url: str = ""
    note: str = ""

    @property
    def mapping(self) -> str:
        return mapping_describe(self.pin)


def mapping_latest_run(integration: Integration) -> SyncRun | None:
    """The latest full sync that finished (an event push reports only its own tables)."""
    return (
        integration.runs.filter(container_ids__isnull=True)
        .exclude(status__in=SyncRun.ACTIVE_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def mapping_rows(integration: Integration, *, datastore_id: int | None = None) -> list[MappingRow]:
    """Every datastore a sync works on (database ones, by name), a fixed number of queries."""
    datastores = Datastore.objects.filter(store_type=Datastore.StoreType.JDBC).order_by("name")
    if datastore_id is not None:
        datastores = datastores.filter(pk=datastore_id)
    pins = {p.datastore_id: p for p in integration.pins.select_related("updated_by")}
    links = {link.object_id: link for link in integration.links.filter(level="datastore")}
    run = mapping_latest_run(integration)
    issues: dict[int | None, SyncIssue] = {}
    if run is not None:
        issues = {i.object_id: i for i in run.issues.filter(level="datastore")}
    connector = integration_connector(integration)
    labels = dict(SyncIssue.Kind.choices)
    rows = []
    for ds in datastores:
        pin = pins.get(ds.pk)
        state = "automatic" if pin is None else "excluded" if pin.excluded else "pinned"
        link, issue = links.get(ds.pk), issues.get(ds.pk)
        if link is not None:
            url = connector.asset_url(
                integration.url,
                catalog_type=link.catalog_type,
                qualified_name=link.catalog_qualified_name,
                guid=link.catalog_guid,
            )
            note = issue.reason if issue is not None else ""
            row = MappingRow(ds, pin, state, "matched", "Matched", link.catalog_qualified_name, url, note)
        elif issue is not None:
            row = MappingRow(
                ds, pin, state, issue.kind, labels.get(issue.kind, issue.kind), note=issue.reason
            )
        else:
            row = MappingRow(ds, pin, state, "not_synced", "Not synced yet", note=NOT_SYNCED)
        rows.append(row)
    return rows
