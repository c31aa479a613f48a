"""`make bench-compare`: time an idiomatic pyatlan script against Plumbline's first sync.

The script (`bench/pyatlan_sync.py`) runs in a throwaway virtualenv, `bench/.compare-venv`
(gitignored), holding only pyatlan at the version pinned in requirements/test.txt. The sandbox is
reset between the two runs: a fresh store from the same scenario, with Plumbline's custom-metadata
set as its first sync created it, so both clients start from the same catalog; afterwards the two
end states (every asset's Plumbline values and announcements) must be equal.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(__file__).resolve().parent / ".compare-venv"
SCRIPT = Path(__file__).resolve().parent / "pyatlan_sync.py"
TEST_LOCK = ROOT / "requirements" / "test.txt"
SET_NAME = "Plumbline"


def pyatlan_pin(lock: Path = TEST_LOCK) -> str:
    """The pyatlan version the test lock pins (`pyatlan==11.6.0 \\`)."""
    match = re.search(r"^pyatlan==([^\s\\;]+)", lock.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"{lock} pins no pyatlan version")
    return match.group(1)


def venv_ensure(venv: Path = VENV) -> tuple[Path, float]:
    """The throwaway environment's Python, with pyatlan at the pinned version; and the seconds the
    set-up took (0 when it was already there)."""
    version = pyatlan_pin()
    python = venv / "bin" / "python"
    stamp = venv / f".pyatlan-{version}"
    if stamp.exists():
        return python, 0.0
    started = time.perf_counter()
    print(f"bench: creating {venv} with pyatlan=={version} (about a minute)...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"pyatlan=={version}",
        ],
        check=True,
    )
    stamp.touch()
    return python, time.perf_counter() - started


def sdk_paths_accept() -> bool:
    """pyatlan posts its saves to `/api/meta/entity/bulk/` (a trailing slash), which the sandbox
    answered with a 404 before issue 17; route it to the same handler when the sandbox does not.
    True when the route had to be added here."""
    from sandbox.atlan import server

    if any(p.match("/api/meta/entity/bulk/") for m, p, _, _ in server.ROUTES if m == "POST"):
        return False
    server.ROUTES.append(("POST", re.compile(r"^/api/meta/entity/bulk/$"), "entity.bulk", "entity_bulk"))
    return True


def asset_key(attributes: dict[str, Any], type_name: str) -> str:
    """`connector/database/schema[/table[/column]]` in lower case, as the pyatlan script keys assets."""
    parts = [attributes.get("connectorName"), attributes.get("databaseName")]
    if type_name == "Schema":
        parts.append(attributes.get("name"))
    elif type_name == "Column":
        parts += [attributes.get("schemaName"), attributes.get("tableName"), attributes.get("name")]
    else:
        parts += [attributes.get("schemaName"), attributes.get("name")]
    return "/".join(str(p or "") for p in parts).lower()


def catalog_state(store: Any, set_name: str = SET_NAME) -> dict[str, dict[str, Any]]:
    """Every asset carrying the set's values or an announcement: its values by display name and
    its announcement, keyed as the pyatlan script keys them."""
    definition = store.cm_set_by_name(set_name)
    names = {a["name"]: a["displayName"] for a in (definition or {}).get("attributeDefs", [])}
    state: dict[str, dict[str, Any]] = {}
    with store.lock:
        for entity in store.entities.values():
            attrs = entity["attributes"]
            values = entity["business"].get(definition["name"]) if definition else None
            announcement = None
            if attrs.get("announcementType") or attrs.get("announcementTitle"):
                announcement = {
                    "type": attrs.get("announcementType"),
                    "title": attrs.get("announcementTitle") or "",
                    "message": attrs.get("announcementMessage") or "",
                }
            if values or announcement:
                state[asset_key(attrs, entity["typeName"])] = {
                    "type": entity["typeName"],
                    "values": {names.get(h, h): v for h, v in (values or {}).items()},
                    "announcement": announcement,
                }
    return state


def states_compare(ours: dict[str, dict[str, Any]], theirs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """How two end states differ: assets on one side only, assets whose values differ, a sample."""
    differing = sorted(k for k in ours.keys() & theirs.keys() if ours[k] != theirs[k])
    only_ours, only_theirs = sorted(ours.keys() - theirs.keys()), sorted(theirs.keys() - ours.keys())
    return {
        "assets": len(ours),
        "assets_other": len(theirs),
        "values": sum(len(v["values"]) for v in ours.values()),
        "announcements": sum(1 for v in ours.values() if v["announcement"]),
        "differing": len(differing),
        "only_first": len(only_ours),
        "only_second": len(only_theirs),
        "sample": [
            {"key": k, "first": ours.get(k), "second": theirs.get(k)}
            for k in (differing + only_ours + only_theirs)[:3]
        ],
        "equal": not (differing or only_ours or only_theirs),
    }


def store_reset(sandbox: Any, scenario: dict[str, Any], cm_definition: dict[str, Any]) -> Any:
    """A fresh store from the same scenario, holding the custom-metadata set as Plumbline created it
    (the same hashes): the catalog as it stood before Plumbline's first sync wrote its values."""
    from sandbox.atlan.scenario import build_store

    store = build_store(scenario)
    store.typedefs["businessMetadataDefs"][cm_definition["name"]] = copy.deepcopy(cm_definition)
    sandbox.server.replace_store(store)
    return store


def pyatlan_run(python: str, sandbox: Any, wanted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Run the pyatlan script against the sandbox; its figures, with the process's own wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        spec.write_text(
            json.dumps({"url": sandbox.url, "token": sandbox.token, "set_name": SET_NAME, "assets": wanted}),
            encoding="utf-8",
        )
        started = time.perf_counter()
        done = subprocess.run(
            [python, str(SCRIPT), str(spec), str(out)], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"the pyatlan script failed:\n{done.stderr[-4000:]}")
        figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    figures["process_wall_s"] = wall
    return figures
