"""Asset keys and levels shared by every catalog, and what the engine needs of a catalog asset."""

from __future__ import annotations

from typing import Literal, Protocol

from catalog.models import Container, Datastore, Field

Level = Literal["datastore", "container", "field"]
# (level, object id): ("datastore" | "container" | "field", pk)
AssetKey = tuple[str, int]
LEVEL_MODELS: dict[str, type[Datastore] | type[Container] | type[Field]] = {
    "datastore": Datastore,
    "container": Container,
    "field": Field,
}
# File and computed containers have no counterpart in a catalog's relational model.
SYNCED_CONTAINER_TYPES = (Container.Type.TABLE, Container.Type.VIEW)


class CatalogAsset(Protocol):
    """A catalog asset as the engine sees it: a type, a stable identifier and a name."""

    @property
    def type_name(self) -> str: ...

    @property
    def qualified_name(self) -> str: ...

    @property
    def guid(self) -> str: ...

    @property
    def name(self) -> str: ...


def datastore_keys(datastore_id: int) -> set[AssetKey]:
    """Every asset key of a datastore: itself, its containers and their fields."""
    keys: set[AssetKey] = {("datastore", datastore_id)}
    keys.update(
        ("container", pk)
        for pk in Container.objects.filter(datastore_id=datastore_id).values_list("id", flat=True)
    )
    keys.update(
        ("field", pk)
        for pk in Field.objects.filter(container__datastore_id=datastore_id).values_list("id", flat=True)
    )
    return keys


def datastore_other_keys(datastore_id: int) -> set[AssetKey]:
    """The keys of a datastore's containers a sync does not match (files, computed) and their fields."""
    others = Container.objects.filter(datastore_id=datastore_id).exclude(
        container_type__in=SYNCED_CONTAINER_TYPES
    )
    keys: set[AssetKey] = {("container", pk) for pk in others.values_list("id", flat=True)}
    keys.update(
        ("field", pk) for pk in Field.objects.filter(container__in=others).values_list("id", flat=True)
    )
    return keys
