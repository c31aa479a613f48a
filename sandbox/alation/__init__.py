"""A local Alation-compatible server for the demo, the tests and the benchmark.

from sandbox.alation import start_sandbox
handle = start_sandbox("demo")                    # or a scenario dict / file path
handle.url, handle.user_id, handle.refresh_token  # ... then handle.stop()
handle.headers()                                  # {"TOKEN": <fresh access token>, ...}
"""

from __future__ import annotations

from .behaviour import Behaviour
from .faults import FaultConfig, Faults
from .server import SandboxHandle, start_sandbox
from .store import Store

__all__ = ["Behaviour", "FaultConfig", "Faults", "SandboxHandle", "Store", "start_sandbox"]
