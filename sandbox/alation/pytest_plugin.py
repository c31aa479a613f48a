"""pytest fixtures for the Alation sandbox.

Enable with `pytest_plugins = ["sandbox.alation.pytest_plugin"]` in a conftest.
`alation_sandbox` starts a fresh sandbox with the demo scenario on a free loopback port for
each test and stops it afterwards; see `SandboxHandle` for what it offers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .behaviour import Behaviour
from .faults import FaultConfig
from .server import SandboxHandle, start_sandbox


@pytest.fixture
def alation_sandbox() -> Iterator[SandboxHandle]:
    """A running demo sandbox: `.url`, `.user_id`, `.refresh_token`, `.store`, `.faults`,
    `.behaviour`, `.headers()`, `.load_scenario()`."""
    handle = start_sandbox("demo", faults=FaultConfig(), behaviour=Behaviour())
    try:
        yield handle
    finally:
        handle.stop()
