"""Renames in the sandbox, to show what a pin survives: an asset renamed in place (its GUID and
those below it kept, their qualified names changed) and an asset re-created (a new GUID, the same
qualified name). Which of the two a real tenant does depends on the crawler; both happen."""

from __future__ import annotations

from .store import Store

# The attribute a child carries its parent's name in, by the parent's type.
_NAME_ON_CHILDREN = {
    "Database": "databaseName",
    "Schema": "schemaName",
    "Table": "tableName",
    "View": "viewName",
}


def asset_rename(store: Store, qualified_name: str, new_name: str) -> str:
    """Rename an asset keeping every GUID; returns its new qualified name."""
    with store.lock:
        entity = store.require_qn(qualified_name)
        old_name = entity["attributes"]["name"]
        new_qn = f"{qualified_name.rsplit('/', 1)[0]}/{new_name}"
        carried = _NAME_ON_CHILDREN.get(entity["typeName"])
        for each in store.entities.values():
            attrs = each["attributes"]
            qn = attrs["qualifiedName"]
            if qn != qualified_name and not qn.startswith(qualified_name + "/"):
                continue
            for key, value in list(attrs.items()):
                if isinstance(value, str) and (
                    value == qualified_name or value.startswith(qualified_name + "/")
                ):
                    attrs[key] = new_qn + value[len(qualified_name) :]
            if carried and attrs.get(carried) == old_name and each is not entity:
                attrs[carried] = new_name
        entity["attributes"]["name"] = new_name
        store.reindex()
        return new_qn


def asset_recreate(store: Store, qualified_name: str) -> str:
    """The same asset under a new GUID (deleted and crawled again); returns the new GUID."""
    with store.lock:
        entity = store.require_qn(qualified_name)
        del store.entities[entity["guid"]]
        entity["guid"] = store.new_guid()
        store.entities[entity["guid"]] = entity
        store.reindex()
        return str(entity["guid"])
