"""Switchable faults: latency, 429 with Retry-After, 500/503, dropped connections, size caps.

Decisions come from one seeded random generator, so the same seed and the same request order
give the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import AtlanApiError


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    rate_limit_share: float = 0.0
    server_error_share: float = 0.0
    drop_share: float = 0.0
    retry_after_seconds: int = 1
    # Server-side caps answered with 400 (invented limits: Atlan documents none).
    max_page_size: int | None = None
    max_batch_size: int | None = None
    seed: int = 0


@dataclass
class Faults:
    """The live fault settings of a running sandbox; change attributes at any time."""

    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)

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

    @property
    def latency_seconds(self) -> float:
        return max(self.config.latency_ms, 0.0) / 1000.0

    def draw(self) -> str | None:
        """Pick the fault for the next API request: "drop", "429", "500", "503" or None."""
        c = self.config
        if not (c.drop_share or c.rate_limit_share or c.server_error_share):
            return None
        with self._lock:
            roll = self._rng.random()
            pick = self._rng.random()
        if roll < c.drop_share:
            return "drop"
        roll -= c.drop_share
        if roll < c.rate_limit_share:
            return "429"
        roll -= c.rate_limit_share
        if roll < c.server_error_share:
            return "500" if pick < 0.5 else "503"
        return None

    def error_for(self, fault: str) -> AtlanApiError:
        if fault == "429":
            return AtlanApiError(
                429,
                "ATLAS-429-00-001",
                "Too many requests, please retry later",
                headers={"Retry-After": str(self.config.retry_after_seconds)},
            )
        if fault == "503":
            return AtlanApiError(503, "ATLAS-503-00-001", "Atlas Service unavailable")
        return AtlanApiError(500, "ATLAS-500-00-001", "Internal server error")

    def check_page_size(self, size: int) -> None:
        cap = self.config.max_page_size
        if cap is not None and size > cap:
            raise AtlanApiError(
                400, "ATLAS-400-00-0A1", f"Requested page size {size} exceeds the maximum of {cap}"
            )

    def check_batch_size(self, count: int) -> None:
        cap = self.config.max_batch_size
        if cap is not None and count > cap:
            raise AtlanApiError(
                400, "ATLAS-400-00-0A2", f"Request has {count} entities; the maximum per request is {cap}"
            )
