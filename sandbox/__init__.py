"""Catalog look-alikes: local servers that speak each catalog's REST API, for the demo, tests and bench.

A tool beside the product: nothing here imports Plumbline, and Plumbline never imports this.
"""

from __future__ import annotations

import sys

# In a process that serves a sandbox: a request that is ready takes the interpreter within half a
# millisecond instead of CPython's default five, so a write sent while a long search is answered
# does not queue behind it (a catalog serves concurrent requests side by side).
SWITCH_INTERVAL_S = 0.0005


def serve_side_by_side() -> None:
    """Let the sandbox's request threads take turns finely (for processes that are sandboxes)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
