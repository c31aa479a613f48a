"""The README's curl script drives a whole sync through the API against the Atlan sandbox.

One test runs the script itself (with curl and jq, against a live server); the other makes the
same requests through the test client, so the steps are checked where curl or jq are missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from catalog.loader import catalog_load
from integrations.atlan import connector as atlan_connector
from integrations.models import Integration, SyncRun
from tests.helpers import token_client

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "catalog" / "demo" / "demo_catalog.json"


def readme_script() -> str:
    """The first sh block of the README's API section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## API\n") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's API section has no sh block"
    return match.group(1)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(atlan_connector, "CLIENT_OPTIONS", {"sleep": lambda seconds: None})


def _external_tags(container: dict) -> list[str]:
    return [f"{t['name']} ({t['integration']['name']})" for t in container["tags"] if t["type"] == "external"]


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_readme_script_syncs_the_sandbox_and_lists_external_tags(live_server, atlan_sandbox, admin):
    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))
    key = token_client(admin).key
    env = {
        "PATH": "/usr/bin:/bin",
        "PLUMBLINE": live_server.url,
        "SANDBOX": atlan_sandbox.url,
        "PLUMBLINE_TOKEN": key,
    }
    done = subprocess.run(
        ["bash", "-c", readme_script()], env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any("Pull + Push of Sandbox (API) started (alice-admin)." in line for line in lines)
    at = next(i for i, line in enumerate(lines) if line.startswith('{"status"'))
    summary = json.loads(lines[at])
    assert summary["status"] in ("succeeded", "warnings") and summary["totals"]["tags_pulled"] > 0
    # The log was followed to its closing line, which ends with the run's outcome.
    assert lines[at - 1].endswith(summary["outcome"])
    table = json.loads(lines[-1])
    assert table["table"] == "Sales Warehouse › PAYMENTS"
    assert "Confidential (Sandbox (API))" in table["external_tags"]
    assert key not in done.stdout and "plumbline-demo-token" not in done.stdout
    assert Integration.objects.get().token == "plumbline-demo-token"


@pytest.mark.django_db
def test_the_scripts_steps_through_the_test_client(atlan_sandbox, admin):
    catalog_load(json.loads(DEMO.read_text(encoding="utf-8")))
    api = token_client(admin)
    created = api.post(
        "/api/integrations",
        {
            "name": "Sandbox (API)",
            "type": "atlan",
            "api_url": atlan_sandbox.url,
            "api_access_token": atlan_sandbox.token,
        },
    )
    assert created.status_code == 201 and created.json()["connected"] is True
    integration = created.json()["id"]
    started = api.post(f"/api/integrations/{integration}/sync", {"pull": True, "push": True})
    assert started.status_code == 202
    run = started.json()["id"]
    after, messages = 0, []
    for _ in range(100):
        page = api.get(f"/api/runs/{run}/log?after={after}").json()
        messages += [line["message"] for line in page["items"]]
        after = page["next_after"]
        if not (page["active"] or page["more"]):
            break
    outcome = api.get(f"/api/runs/{run}").json()
    assert outcome["status"] == SyncRun.objects.get().status in ("succeeded", "warnings")
    assert messages[0].startswith("Pull + Push of Sandbox (API) started")
    assert messages[-1].endswith(outcome["outcome"])
    tables = api.get(f"/api/containers?q=PAYMENTS&integration={integration}").json()["items"]
    assert [t["name"] for t in tables] == ["PAYMENTS"]
    assert "Confidential (Sandbox (API))" in _external_tags(tables[0])
