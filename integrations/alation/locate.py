"""Finding a datastore's Alation schema: the one an admin pinned it to, the one an earlier sync
linked (event pushes), or the one its names match in the integration's data sources. The data
source and schema listings are read once per run."""

from __future__ import annotations

from integrations.alation.client import AlationClient
from integrations.alation.matching import DatastoreMatch, DatastoreRef, datastore_match, sources_for
from integrations.alation.records import DataSource, Schema
from integrations.alation.scope import AlationScope
from integrations.sync.context import RunContext
from integrations.sync.pins import Pin, pin_refresh
from integrations.sync.runner import Location


class SchemaFinder:
    def __init__(self, client: AlationClient, ctx: RunContext) -> None:
        self.client = client
        self.ctx = ctx
        self.scope = AlationScope()
        self._sources: list[DataSource] | None = None
        self._schemas: dict[int, list[Schema]] = {}

    def data_sources(self) -> list[DataSource]:
        if self._sources is None:
            self._sources = list(self.client.data_sources())
            self.ctx.log(
                f"Alation (as user {self.client.user_id}): {len(self._sources)} data source(s) visible: "
                + (", ".join(s.title for s in self._sources) or "none")
                + "."
            )
        return self._sources

    def sources_read(self) -> list[DataSource] | None:
        """The data sources if this run has read them already (None: not yet)."""
        return self._sources

    def schemas_of(self, ds_id: int) -> list[Schema]:
        if ds_id not in self._schemas:
            self._schemas[ds_id] = list(self.client.schemas(ds_id=ds_id))
        return self._schemas[ds_id]

    def by_id(self, schema_id: str) -> Schema | None:
        if not schema_id.isdigit():
            return None
        return next(iter(self.client.schemas(filters={"id": schema_id})), None)

    def match_in(self, ref: DatastoreRef, sources: list[DataSource]) -> DatastoreMatch:
        schemas = {s.id: self.schemas_of(s.id) for s in sources}
        return datastore_match(ref, sources, schemas, user_id=self.client.user_id)

    def find(
        self, ref: DatastoreRef, *, pin: Pin | None, linked: str | None
    ) -> tuple[Schema, str] | Location:
        """The schema and how the log labels the datastore, or a Location saying why there is none.
        `linked`: the schema id an earlier sync linked (an event push tries it first)."""
        if pin is not None:
            return self.pinned(ref, pin)
        schema = self.by_id(linked) if linked else None
        if schema is not None:
            return schema, ref.label
        candidates = sources_for(ref, self.data_sources())
        match = self.match_in(ref, [s for s in candidates if self.scope.source_in(s.id)])
        if match.schema is None and self.scope.sources is not None and match.kind != "ambiguous":
            # Not in the chosen data sources: left out on purpose, wherever else it may be.
            elsewhere = self.match_in(ref, candidates).source
            where = f" (Alation has it in data source {elsewhere.title})" if elsewhere else ""
            reason = f"Not in this integration's Alation data sources{where}."
            return Location("out_of_scope", reason=reason, label=ref.label)
        if match.schema is None:
            return Location(match.kind, reason=match.reason, label=ref.label)
        return match.schema, ref.label

    def pinned(self, ref: DatastoreRef, pin: Pin) -> tuple[Schema, str] | Location:
        schema = self.by_id(pin.schema_ref)
        if schema is None:
            reason = (
                f"Pinned to the Alation schema {pin.schema_name} (id {pin.schema_ref}), which user "
                f"{self.client.user_id} no longer finds: pin it again on the Mappings page."
            )
            return Location("unmatched", reason=reason, label=ref.label)
        pin_refresh(self.ctx.integration.pk, pin, schema_ref=str(schema.id), schema_name=schema.name)
        return schema, f"{ref.label} (pinned)"
