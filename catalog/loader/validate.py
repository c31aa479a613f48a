"""Check a catalog file against the schema and report each problem as `path: message`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from catalog.loader.schema import PROBLEM, CatalogSpec, Loc
from catalog.models import Tag

MAX_ERRORS = 25
TOP_LEVEL = "(top level)"

_STRUCTURE_MESSAGES = {
    "extra_forbidden": "is not a known key",
    "missing": "is required",
    "list_type": "must be a list",
}
_NOT_AN_OBJECT = {"model_type", "model_attributes_type", "dict_type"}


class CatalogLoadError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def catalog_validate(data: Any) -> CatalogSpec:
    """Return the file as a CatalogSpec or raise CatalogLoadError listing its problems."""
    known = file_tag_names(data) | global_tag_names()
    try:
        return CatalogSpec.model_validate(data, context={"known_tags": known})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise CatalogLoadError([error_describe(e) for e in errors[:MAX_ERRORS]]) from None


def file_tag_names(data: Any) -> set[str]:
    """Lower-cased names of the tags the file declares, whether or not the rest of each tag is valid.

    Read before validation so that a reference to a tag whose colour is wrong is not reported
    as a second problem.
    """
    tags = data.get("tags") if isinstance(data, dict) else None
    if not isinstance(tags, list):
        return set()
    return {
        t["name"].strip().lower()
        for t in tags
        if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"].strip()
    }


def global_tag_names() -> set[str]:
    return {
        name.lower() for name in Tag.objects.filter(tag_type=Tag.Type.GLOBAL).values_list("name", flat=True)
    }


def error_describe(error: ErrorDetails) -> str:
    return f"{error_path(error['loc'], error['type'])}: {error_message(error)}"


def error_message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == PROBLEM:
        return error["msg"]
    if kind in _NOT_AN_OBJECT:
        return f"must be an object, got {type(error['input']).__name__}"
    return _STRUCTURE_MESSAGES.get(kind, error["msg"])


def error_path(loc: Loc, kind: str) -> str:
    """`datastores[0].scores[1].total` from ("datastores", 0, "scores", 1, "total")."""
    if not loc:
        return TOP_LEVEL
    if len(loc) == 1 and kind == "extra_forbidden":
        return f"{TOP_LEVEL}.{loc[0]}"
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path
