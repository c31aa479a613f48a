"""`manage.py atlan_sandbox`: run the local Atlan sandbox until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.atlan.sandbox import FaultConfig, Store, start_sandbox
from integrations.atlan.sandbox.scenario import ScenarioError, build_store, load_scenario


class Command(BaseCommand):
    help = "Run the Atlan sandbox (a local Atlan-compatible API and web page) until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
        parser.add_argument("--scenario", default="demo", help="a scenario name (e.g. demo) or a JSON file")
        parser.add_argument(
            "--latency", type=float, default=0.0, help="milliseconds added to every API answer"
        )
        parser.add_argument(
            "--rate-limit-share", type=float, default=0.0, help="share of answers that are 429"
        )
        parser.add_argument(
            "--server-error-share", type=float, default=0.0, help="share of answers that are 500/503"
        )
        parser.add_argument(
            "--drop-share", type=float, default=0.0, help="share of connections dropped unanswered"
        )
        parser.add_argument(
            "--max-page-size", type=int, default=None, help="search pages above this are a 400"
        )
        parser.add_argument(
            "--max-batch-size", type=int, default=None, help="bulk requests above this are a 400"
        )
        parser.add_argument("--seed", type=int, default=0, help="seed for faults and generated ids")
        parser.add_argument(
            "--state", default=None, help="load state from this file if present; save to it on exit"
        )
        parser.add_argument("--verbose-requests", action="store_true", help="log every request")

    def handle(self, *args: Any, **opts: Any) -> None:
        for name in ("rate_limit_share", "server_error_share", "drop_share"):
            if not 0.0 <= opts[name] <= 1.0:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1")
        state = Path(opts["state"]) if opts["state"] else None
        try:
            if state and state.exists():
                store = Store.load(state, seed=opts["seed"])
                source = f"state file {state}"
            else:
                store = build_store(load_scenario(opts["scenario"]), seed=opts["seed"])
                source = f"scenario {opts['scenario']}"
        except (ScenarioError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        faults = FaultConfig(
            latency_ms=opts["latency"],
            rate_limit_share=opts["rate_limit_share"],
            server_error_share=opts["server_error_share"],
            drop_share=opts["drop_share"],
            max_page_size=opts["max_page_size"],
            max_batch_size=opts["max_batch_size"],
            seed=opts["seed"],
        )
        try:
            handle = start_sandbox(
                store, host=opts["host"], port=opts["port"], faults=faults, verbose=opts["verbose_requests"]
            )
        except OSError as exc:
            raise CommandError(f"cannot listen on {opts['host']}:{opts['port']}: {exc}") from exc
        self.stdout.write(f"Atlan sandbox running at {handle.url}/ ({source}, {len(store.entities)} assets)")
        self.stdout.write(f"Demo token: {handle.token}")
        for token in store.tokens.values():
            scope = "all connections" if token.connections is None else ", ".join(token.connections)
            rights = "" if token.can_edit_custom_metadata else ", no custom-metadata rights"
            self.stdout.write(f"  token {token.token}: {scope}{rights}")
        self.stdout.flush()
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
                self.stdout.write(f"State saved to {state}")
            self.stdout.write("Atlan sandbox stopped.")
