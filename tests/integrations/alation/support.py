"""Shared helpers for the Alation client tests: the sample bodies, a fake clock, a client."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from integrations.alation.client import AlationClient

SAMPLES = Path(__file__).parent / "samples"
BASE = "https://acme.alationcloud.com"
USER_ID = 1
# Long enough to be scrubbed (the samples' tokens are the 4-letter "test").
REFRESH_TOKEN = "refresh-SECRET-7f3a9c2e4b1d8f6a"
ACCESS_TOKEN = "access-SECRET-0a1b2c3d4e5f6789"
ACCESS_TOKEN_2 = "access-SECRET-9876543210fedcba"
NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z

VALIDATE = f"{BASE}/integration/v1/validateRefreshToken/"
CREATE_TOKEN = f"{BASE}/integration/v1/createAPIAccessToken/"
JOB = f"{BASE}/api/v1/bulk_metadata/job/"


@cache
def _raw(name: str) -> str:
    return (SAMPLES / name).read_text()


def sample(name: str) -> Any:
    """A fresh copy of a sample body (tests may change it)."""
    return copy.deepcopy(json.loads(_raw(name)))


def job_sample(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(accepted body, job body) of one write in bulk_job_status.json."""
    entry = sample("bulk_job_status.json")[name]
    return entry["accepted"], entry["job"]


def error_body(name: str) -> Any:
    return sample("errors.json")[name]["body"]


def refresh_ok(**changes: Any) -> dict[str, Any]:
    body = sample("validate_refresh_token.json")
    body.update({"refresh_token": REFRESH_TOKEN, "token_expires_at": "2024-01-13T22:13:20Z"})
    body.update(changes)
    return body


def access_ok(token: str = ACCESS_TOKEN, **changes: Any) -> dict[str, Any]:
    """The sample's shape with a 24 h token minted "now" (the sample's own dates are 2022)."""
    body = sample("create_api_access_token.json")
    body.update(
        {
            "api_access_token": token,
            "created_at": "2023-11-14T22:13:20Z",
            "token_expires_at": "2023-11-15T22:13:20Z",
        }
    )
    body.update(changes)
    return body


class FakeClock:
    """A clock that moves only when something sleeps: retries and polls are instant in tests."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(
    clock: FakeClock | None = None,
    *,
    base_url: str = BASE,
    user_id: int | str = USER_ID,
    refresh_token: str = REFRESH_TOKEN,
    **options: Any,
) -> AlationClient:
    """A client whose sleeps move the fake clock (and take no time) and whose jitter is fixed."""
    clock = clock or FakeClock()
    settings: dict[str, Any] = {"sleep": clock.sleep, "clock": clock, "random": lambda: 0.5}
    settings.update(options)
    return AlationClient(base_url, user_id, refresh_token, **settings)


def add_auth(responses_module: Any, token: str = ACCESS_TOKEN) -> None:
    """The two token calls a client makes before its first API call."""
    responses_module.post(VALIDATE, json=refresh_ok())
    responses_module.post(CREATE_TOKEN, json=access_ok(token))
