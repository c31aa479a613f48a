"""pytest fixtures for the Atlan sandbox.

Enable with `pytest_plugins = ["sandbox.atlan.pytest_plugin"]` in a conftest.
`atlan_sandbox` starts a fresh sandbox with the demo scenario on a free loopback port for each
test and stops it afterwards; see `SandboxHandle` for what it offers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .faults import FaultConfig
from .server import SandboxHandle, start_sandbox


@pytest.fixture
def atlan_sandbox() -> Iterator[SandboxHandle]:
    """A running demo sandbox: `.url`, `.token`, `.store`, `.faults`, `.headers()`, `.load_scenario()`."""
    handle = start_sandbox("demo", faults=FaultConfig())
    try:
        yield handle
    finally:
        handle.stop()
