"""An admin's mapping overrides (MappingPin) as the engine reads them: loaded once per run."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.models import MappingPin


@dataclass(frozen=True)
class Pin:
    """A datastore pinned to a catalog schema (`schema_ref`, `schema_guid`), or excluded."""

    datastore_id: int
    excluded: bool
    connection_ref: str = ""
    schema_ref: str = ""
    schema_guid: str = ""
    schema_name: str = ""


def pins_load(integration_id: int) -> dict[int, Pin]:
    """The integration's pins by datastore id."""
    rows = MappingPin.objects.filter(integration_id=integration_id).values_list(
        "datastore_id", "excluded", "connection_ref", "schema_ref", "schema_guid", "schema_name"
    )
    return {row[0]: Pin(*row) for row in rows}


def pin_refresh(integration_id: int, pin: Pin, *, schema_ref: str, schema_name: str) -> None:
    """The catalog renamed the pinned schema (found by its GUID): keep what the page shows current."""
    if (schema_ref, schema_name) != (pin.schema_ref, pin.schema_name):
        MappingPin.objects.filter(integration_id=integration_id, datastore_id=pin.datastore_id).update(
            schema_ref=schema_ref[:1000], schema_name=schema_name[:1000]
        )
