"""A local Atlan-compatible server for the demo, the tests and the benchmark.

from sandbox.atlan import start_sandbox
handle = start_sandbox("demo")          # or a scenario dict / file path
handle.url, handle.token, handle.store  # ... then handle.stop()
"""

from __future__ import annotations

from .faults import FaultConfig, Faults
from .server import SandboxHandle, start_sandbox
from .store import Store, Token

__all__ = ["FaultConfig", "Faults", "SandboxHandle", "Store", "Token", "start_sandbox"]
