"""Mapping overrides: pin a datastore to a catalog schema, exclude it from an integration, or give
it back to matching by name. Each is recorded in the integration's change log; every later run
and event push uses it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from catalog.models import Container, Datastore, Field
from integrations.connectors import integration_connector
from integrations.models import AssetLink, Integration, IntegrationChange, MappingPin
from integrations.sync.connector import SchemaTarget

AUTOMATIC = "matched by name"


class PinRefused(Exception):
    """The catalog has no such schema (or the integration's credentials cannot see it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def mapping_describe(pin: MappingPin | None) -> str:
    """How the change log and the page say what a datastore's mapping is."""
    if pin is None:
        return AUTOMATIC
    if pin.excluded:
        return "excluded"
    return f"pinned to {pin.schema_name or pin.schema_ref} in {pin.connection_name or pin.connection_ref}"


def mapping_pin(
    *, integration: Integration, datastore: Datastore, user: User | None, schema: str
) -> MappingPin:
    """Pin the datastore to the schema with this id (one of the connector's `schema_choices`).
    The catalog is asked first: ConnectionProblem when it cannot answer, PinRefused when it has no
    such schema."""
    connector = integration_connector(integration)
    target = connector.schema_find(url=integration.url, credentials=integration.credentials, ref=schema)
    if target is None:
        raise PinRefused(
            f"{connector.label} has no schema {schema!r} that this integration's credentials can see."
        )
    return _pin_save(integration, datastore, user, target)


def mapping_exclude(*, integration: Integration, datastore: Datastore, user: User | None) -> MappingPin:
    """Leave the datastore out of the integration: never read, written or counted as removed."""
    return _pin_save(integration, datastore, user, None)


def mapping_clear(*, integration: Integration, datastore: Datastore, user: User | None) -> None:
    """Back to matching by name."""
    with transaction.atomic():
        pin = _pin_locked(integration, datastore)
        if pin is None:
            return
        before = mapping_describe(pin)
        pin.delete()
        _changed(integration, datastore, user, before, AUTOMATIC)


def _pin_locked(integration: Integration, datastore: Datastore) -> MappingPin | None:
    return MappingPin.objects.select_for_update().filter(integration=integration, datastore=datastore).first()


def _pin_save(
    integration: Integration, datastore: Datastore, user: User | None, target: SchemaTarget | None
) -> MappingPin:
    with transaction.atomic():
        pin = _pin_locked(integration, datastore)
        before = mapping_describe(pin)
        pin = pin or MappingPin(integration=integration, datastore=datastore)
        pin.excluded = target is None
        pin.connection_ref = target.connection_ref[:1000] if target else ""
        pin.connection_name = target.connection_name[:255] if target else ""
        pin.schema_ref = target.schema_ref[:1000] if target else ""
        pin.schema_guid = target.schema_guid[:100] if target else ""
        pin.schema_name = target.schema_name[:1000] if target else ""
        pin.updated_by = user if user is not None and user.is_authenticated else None
        pin.save()
        after = mapping_describe(pin)
        if after != before:
            _changed(integration, datastore, user, before, after)
    return pin


def _changed(
    integration: Integration, datastore: Datastore, user: User | None, before: str, after: str
) -> None:
    """Record the change, and forget the datastore's links: they describe the mapping just
    overridden, and an event push must not follow them to the old schema."""
    containers = Container.objects.filter(datastore=datastore).values("id")
    fields = Field.objects.filter(container__datastore=datastore).values("id")
    integration.links.filter(
        Q(level=AssetLink.Level.DATASTORE, object_id=datastore.pk)
        | Q(level=AssetLink.Level.CONTAINER, object_id__in=containers)
        | Q(level=AssetLink.Level.FIELD, object_id__in=fields)
    ).delete()
    IntegrationChange.objects.create(
        integration=integration,
        integration_name=integration.name,
        user=user if user is not None and user.is_authenticated else None,
        action=IntegrationChange.Action.MAPPING,
        changes={"datastore": datastore.name, "datastore_id": datastore.pk, "mapping": [before, after]},
    )
