"""Helpers for whole syncs against the Alation sandbox (the demo scenario and the demo catalog)."""

from __future__ import annotations

from catalog.models import Container, Field
from integrations.models import Integration, SyncRun
from integrations.runs import run_start

SALES = "1.SALES.PUBLIC"
APP = "2.public"
FINANCE = "3.FINANCE.dbo"
JANE, MIN_LEE, PLUMBLINE = 3, 4, 7
SITE = "http://plumbline.test"


def integration_make(sandbox, *, user_id=None, refresh_token=None, **options) -> Integration:
    options.setdefault("event_driven", False)
    integration = Integration(name="Alation", url=sandbox.url, integration_type="alation", **options)
    integration.credentials = {
        "user_id": str(user_id or sandbox.user_id),
        "refresh_token": refresh_token or sandbox.refresh_token,
    }
    integration.save()
    return integration


def sync(integration: Integration, **options) -> SyncRun:
    if "container_ids" not in options:
        options.setdefault("pull", True)
    options.setdefault("push", True)
    run = run_start(integration=integration, **options)
    run.refresh_from_db()
    return run


def log_text(run: SyncRun) -> str:
    return "\n".join(f"{line.level} {line.datastore}: {line.message}" for line in run.log_lines.all())


# The demo plants an Alation tag "FINANCE" beside the global tag "Finance": with Overwrite Tags
# off a pull skips it, and the run ends "Succeeded with warnings".
DEMO_PULL_WARNINGS = 1


def finished(run: SyncRun, warnings: int = 0) -> bool:
    return (run.status, run.warnings) == ("warnings" if warnings else "succeeded", warnings)


def tag_names(obj) -> set[str]:
    return {t.name for t in obj.tags.all()}


def container(name: str) -> Container:
    return Container.objects.get(name=name)


def field(table: str, name: str) -> Field:
    return Field.objects.get(container__name=table, name=name)


def values(sandbox, key: str) -> dict:
    """Plumbline's custom field values on an object, by display name."""
    held = sandbox.store.field_values(key)
    return {name.removeprefix("Plumbline "): v for name, v in held.items() if name.startswith("Plumbline ")}


def flags(sandbox, key: str, flag_type: str = "WARNING") -> list[dict]:
    return [f for f in sandbox.store.flags_on(key) if f["flag_type"] == flag_type]


def health(sandbox, key: str) -> dict[str, dict]:
    """Plumbline's Data Health rows written on an object (not propagated ones), by field key."""
    rows = sandbox.store.dq_rows(key, hide_related=True)
    return {r["field_key"]: r for r in rows if r["field_key"].startswith("plumbline.check.")}
