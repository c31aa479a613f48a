"""Credentials are write-only: no answer of any endpoint carries a token or a refresh token."""

from __future__ import annotations

import pytest

from integrations.models import Integration, SyncRun
from integrations.sync.connector import ConnectionProblem

pytestmark = pytest.mark.django_db
ATLAN_TOKEN = "atlan-secret-token-7f3a9"
REFRESH_TOKEN = "alation-refresh-token-51c2e"
SECRETS = (ATLAN_TOKEN, REFRESH_TOKEN)


class Recorder:
    """Sends requests through a client and keeps every answer's body."""

    def __init__(self, client):
        self.client = client
        self.bodies: list[tuple[str, int, str]] = []

    def __call__(self, method: str, url: str, data=None):
        response = (
            getattr(self.client, method)(url, data) if data is not None else getattr(self.client, method)(url)
        )
        self.bodies.append((f"{method.upper()} {url}", response.status_code, response.content.decode()))
        return response


def _assert_no_secret(recorder: Recorder) -> None:
    for request, status, body in recorder.bodies:
        for secret in SECRETS:
            assert secret not in body, f"{request} ({status}) answered a credential"


def test_no_answer_carries_a_credential(admin_api, viewer_api, fake_alation, fake_connector):
    call = Recorder(admin_api)
    atlan = {
        "name": "Atlan",
        "type": "atlan",
        "api_url": "https://a.atlan.com",
        "api_access_token": ATLAN_TOKEN,
    }
    alation = {
        "name": "Alation",
        "type": "alation",
        "api_url": "https://a.alationcloud.com",
        "api_refresh_token": REFRESH_TOKEN,
        "parameters": {"user_id": "7"},
    }
    # Refused writes that carry the secrets: validation, a failed check, the wrong type's field.
    call("post", "/api/integrations", atlan | {"api_url": "ftp://x"})
    call("post", "/api/integrations", atlan | {"api_refresh_token": REFRESH_TOKEN})
    call("post", "/api/integrations", atlan | {"name": ""})
    fake_connector.problem = ConnectionProblem("rejected", "Atlan rejected the API token.")
    call("post", "/api/integrations", atlan)
    fake_connector.problem = None
    # Accepted writes.
    a = call("post", "/api/integrations", atlan).json()["id"]
    b = call("post", "/api/integrations", alation).json()["id"]
    assert Integration.objects.get(pk=a).token == ATLAN_TOKEN
    assert Integration.objects.get(pk=b).credential("refresh_token") == REFRESH_TOKEN
    call("patch", f"/api/integrations/{a}", {"api_access_token": ATLAN_TOKEN, "overwrite": True})
    call("put", f"/api/integrations/{b}", {"name": "Alation", "api_url": "https://a.alationcloud.com"})
    call("patch", f"/api/integrations/{b}", {"api_refresh_token": REFRESH_TOKEN, "api_url": "http://x.com"})
    call("post", f"/api/integrations/{a}/test")
    run = call("post", f"/api/integrations/{a}/sync", {"pull": True}).json()["id"]
    SyncRun.objects.create(integration_id=b, status="running", pull=True)
    call("post", f"/api/integrations/{b}/sync", {"pull": True})
    # Every read, as an Admin and as a Viewer.
    reads = [
        "/api/",
        "/api/integrations",
        f"/api/integrations/{a}",
        f"/api/integrations/{b}",
        f"/api/integrations/{a}/history",
        f"/api/integrations/{b}/history",
        f"/api/integrations/{a}/runs",
        "/api/integrations-specifications",
        f"/api/runs/{run}",
        f"/api/runs/{run}/log",
        f"/api/runs/{run}/changes",
        f"/api/runs/{run}/mapped-assets",
        f"/api/runs/{run}/unmatched-assets",
        "/api/tags",
        "/api/datastores",
        "/api/containers",
        "/api/fields",
        "/api/schema/",
        "/api/schema/?format=json",
        "/api/docs/",
    ]
    viewer = Recorder(viewer_api)
    for url in reads:
        assert call("get", url).status_code == 200, url
        viewer("get", url)
    call("delete", f"/api/integrations/{b}")
    _assert_no_secret(call)
    _assert_no_secret(viewer)
