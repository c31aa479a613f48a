"""Switchable faults: latency, 429 with or without Retry-After, 5xx, dropped connections and
failed async jobs.

Decisions come from seeded random generators, so the same seed and the same request order give
the same faults. (A short access-token TTL, the other fault a sync must survive, is a store
setting: `store.auth.access_ttl`.)
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import AlationApiError

# 5xx pages come from Django or the load balancer as HTML, never as JSON.
HTML_500 = "<!doctype html><html><head><title>Server Error (500)</title></head><body><h1>Server Error (500)</h1><p></p></body></html>"
_HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
_HTML_503 = "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    rate_limit_share: float = 0.0
    # Of the 429 answers, the share that carry a Retry-After header.
    retry_after_share: float = 1.0
    retry_after_seconds: int = 1
    server_error_share: float = 0.0
    drop_share: float = 0.0
    # Share of async jobs that end "failed" (their writes are not applied).
    job_failure_share: float = 0.0
    seed: int = 0


@dataclass
class Faults:
    """The live fault settings of a running sandbox; change them at any time."""

    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.reseed(self.config.seed)

    def configure(self, **changes: Any) -> None:
        """Set some fault options, e.g. `faults.configure(rate_limit_share=0.5, seed=3)`."""
        known = {f.name for f in fields(FaultConfig)}
        for key, value in changes.items():
            if key not in known:
                raise TypeError(f"unknown fault option {key!r}")
            setattr(self.config, key, value)
        if "seed" in changes:
            self.reseed(changes["seed"])

    def reset(self) -> None:
        self.config = FaultConfig()
        self.reseed(0)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.config.seed = seed
            self._rng = random.Random(seed)
            self._job_rng = random.Random(seed + 1)

    @property
    def latency_seconds(self) -> float:
        return max(self.config.latency_ms, 0.0) / 1000.0

    def draw(self) -> str | None:
        """The fault for the next API request: "drop", "429", "429-bare", "500", "502", "503" or None."""
        c = self.config
        if not (c.drop_share or c.rate_limit_share or c.server_error_share):
            return None
        with self._lock:
            roll, pick = self._rng.random(), self._rng.random()
        if roll < c.drop_share:
            return "drop"
        roll -= c.drop_share
        if roll < c.rate_limit_share:
            return "429" if pick < c.retry_after_share else "429-bare"
        roll -= c.rate_limit_share
        if roll < c.server_error_share:
            return ("500", "502", "503")[min(int(pick * 3), 2)]
        return None

    def job_fails(self) -> bool:
        if not self.config.job_failure_share:
            return False
        with self._lock:
            return self._job_rng.random() < self.config.job_failure_share

    def error_for(self, fault: str) -> AlationApiError:
        if fault == "429":
            wait = self.config.retry_after_seconds
            unit = "second" if wait == 1 else "seconds"
            # DRF's Throttled answer; Alation's own 429 body is unverified.
            return AlationApiError(
                429,
                {"detail": f"Request was throttled. Expected available in {wait} {unit}.", "code": "429000"},
                {"Retry-After": str(wait)},
            )
        if fault == "429-bare":
            return AlationApiError(429, {"detail": "Request was throttled.", "code": "429000"})
        page = {"500": HTML_500, "502": _HTML_502, "503": _HTML_503}[fault]
        return AlationApiError(int(fault), page, content_type="text/html; charset=utf-8")
