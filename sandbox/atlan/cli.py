"""`python -m sandbox atlan`: run the local Atlan sandbox until interrupted (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from pathlib import Path

from .faults import FaultConfig
from .scenario import ScenarioError, build_store, load_scenario
from .server import start_sandbox
from .store import Store


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox atlan",
        description="Run the Atlan sandbox (a local Atlan-compatible API and web page) until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--scenario", default="demo", help="a scenario name (e.g. demo) or a JSON file")
    parser.add_argument("--latency", type=float, default=0.0, help="milliseconds added to every API answer")
    parser.add_argument("--rate-limit-share", type=float, default=0.0, help="share of answers that are 429")
    parser.add_argument(
        "--server-error-share", type=float, default=0.0, help="share of answers that are 500/503"
    )
    parser.add_argument(
        "--drop-share", type=float, default=0.0, help="share of connections dropped unanswered"
    )
    parser.add_argument("--max-page-size", type=int, default=None, help="search pages above this are a 400")
    parser.add_argument("--max-batch-size", type=int, default=None, help="bulk requests above this are a 400")
    parser.add_argument("--seed", type=int, default=0, help="seed for faults and generated ids")
    parser.add_argument(
        "--state", default=None, help="load state from this file if present; save to it on exit"
    )
    parser.add_argument("--verbose-requests", action="store_true", help="log every request")
    parser.add_argument(
        "--client-stamped-announcements",
        action="store_true",
        help="store announcementUpdatedBy/At as sent by the client instead of filling them in",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = parser_build()
    opts = parser.parse_args(argv)
    for name in ("rate_limit_share", "server_error_share", "drop_share"):
        if not 0.0 <= getattr(opts, name) <= 1.0:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 1")
    state = Path(opts.state) if opts.state else None
    try:
        if state and state.exists():
            store = Store.load(state, seed=opts.seed)
            source = f"state file {state}"
        else:
            store = build_store(load_scenario(opts.scenario), seed=opts.seed, consume=True)
            source = f"scenario {opts.scenario}"
    except (ScenarioError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # The catalog lives as long as the process: keep the collector's full passes off its
    # million objects (each would pause every request for about a second).
    gc.collect()
    gc.freeze()
    store.stamps_announcements = not opts.client_stamped_announcements
    faults = FaultConfig(
        latency_ms=opts.latency,
        rate_limit_share=opts.rate_limit_share,
        server_error_share=opts.server_error_share,
        drop_share=opts.drop_share,
        max_page_size=opts.max_page_size,
        max_batch_size=opts.max_batch_size,
        seed=opts.seed,
    )
    try:
        handle = start_sandbox(
            store, host=opts.host, port=opts.port, faults=faults, verbose=opts.verbose_requests
        )
    except OSError as exc:
        print(f"error: cannot listen on {opts.host}:{opts.port}: {exc}", file=sys.stderr)
        return 1
    print(f"Atlan sandbox running at {handle.url}/ ({source}, {len(store.entities)} assets)")
    print(f"Demo token: {handle.token}")
    for token in store.tokens.values():
        scope = "all connections" if token.connections is None else ", ".join(token.connections)
        rights = "" if token.can_edit_custom_metadata else ", no custom-metadata rights"
        print(f"  token {token.token}: {scope}{rights}")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
        if state:
            handle.store.save(state)
            print(f"State saved to {state}")
        print("Atlan sandbox stopped.")
    return 0
