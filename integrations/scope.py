"""An integration's scope: the catalog domains and connections it is limited to.

Kept in `Integration.parameters` in the modelled product's API shape, `{"domains": [{"id", "name"}],
"connections": [{"id", "name"}]}`, so the card and the run can name what was chosen without asking
the catalog. Integrations saved before names were kept hold bare ids; they read as entries named
by their id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCOPE_PARAMETERS = ("domains", "connections")
SCOPE_ID_MAX = 1000


@dataclass(frozen=True)
class ScopeEntry:
    id: str
    name: str


def scope_entries(parameters: Mapping[str, Any], name: str) -> list[ScopeEntry]:
    """The chosen entries of one scope parameter, whatever shape they were stored in."""
    entries = []
    for item in parameters.get(name) or []:
        if isinstance(item, Mapping):
            ident = str(item.get("id", "")).strip()
            label = str(item.get("name") or "").strip() or ident
        else:
            ident = label = str(item).strip()
        if ident:
            entries.append(ScopeEntry(ident, label))
    return entries


def scope_ids(parameters: Mapping[str, Any], name: str) -> list[str]:
    return [entry.id for entry in scope_entries(parameters, name)]


def scope_store(ids: Iterable[Any], labels: Mapping[str, str]) -> list[dict[str, str]]:
    """Entries to store, in the order given: each chosen id once, with the name the catalog gave
    it (the id when unknown)."""
    chosen = dict.fromkeys(str(i).strip() for i in ids if str(i).strip())
    return [{"id": i, "name": (labels.get(i) or i)[:255]} for i in chosen]


def scope_limited(parameters: Mapping[str, Any]) -> bool:
    return any(scope_entries(parameters, name) for name in SCOPE_PARAMETERS)


def scope_text(parameters: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """How the card, the log and the report say what an integration syncs, e.g.
    "Domains: Sales, Finance · Connections: acme-snowflake" ("" when nothing limits it)."""
    parts = []
    for name in SCOPE_PARAMETERS:
        entries = scope_entries(parameters, name)
        if entries:
            label = labels.get(name, name.capitalize())
            parts.append(f"{label}: {', '.join(e.name for e in entries)}")
    return " · ".join(parts)


UNLIMITED = "everything the credentials can see"


def scope_snapshot(parameters: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """The scope as a run records it when it starts: names only, and the sentence that says it."""
    snapshot: dict[str, Any] = {"text": scope_text(parameters, labels) or UNLIMITED}
    for name in SCOPE_PARAMETERS:
        entries = scope_entries(parameters, name)
        if entries:
            snapshot[name] = [e.name for e in entries]
    return snapshot


def scope_labels(fields: Iterable[Any]) -> dict[str, str]:
    """A connector's names for its scope options (`parameter_fields`), e.g. Alation's "Data sources"."""
    return {f.name: f.label for f in fields}
