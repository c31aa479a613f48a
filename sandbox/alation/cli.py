"""`python -m sandbox alation`: run the local Alation sandbox until interrupted (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .behaviour import Behaviour
from .faults import FaultConfig
from .scenario import ScenarioError, build_store, load_scenario
from .server import start_sandbox
from .store import Store

_SHARES = ("rate_limit_share", "retry_after_share", "server_error_share", "drop_share", "job_failure_share")


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox alation",
        description="Run the Alation sandbox (a local Alation-compatible API and web page) until interrupted.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=8766, help="0 picks a free port")
    add("--scenario", default="demo", help="a scenario name (e.g. demo) or a JSON file")
    add("--latency", type=float, default=0.0, help="milliseconds added to every API answer")
    add("--rate-limit-share", type=float, default=0.0, help="share of answers that are 429")
    add("--retry-after-share", type=float, default=1.0, help="share of the 429s that carry Retry-After")
    add("--server-error-share", type=float, default=0.0, help="share of answers that are 500/502/503")
    add("--drop-share", type=float, default=0.0, help="share of connections dropped unanswered")
    add("--job-failure-share", type=float, default=0.0, help="share of async jobs that fail")
    add("--access-token-ttl", type=float, default=None, help="access token lifetime in seconds (24 h)")
    add("--max-page-size", type=int, default=1000, help="no list page holds more rows than this")
    add(
        "--tag-subject-key", choices=("object", "subject"), default="object", help="inner key of tag subjects"
    )
    add("--legacy-jobs", action="store_true", help="custom-field-value jobs point at a second Legacy job")
    add(
        "--expired-token-status",
        type=int,
        choices=(401, 403),
        default=403,
        help="answer to a bad access token",
    )
    add("--seed", type=int, default=0, help="seed for faults, tokens and job timings")
    add("--state", default=None, help="load state from this file if present; save to it on exit")
    add("--verbose-requests", action="store_true", help="log every request")
    return parser


def _load(opts: argparse.Namespace) -> tuple[Store, str]:
    state = Path(opts.state) if opts.state else None
    if state and state.exists():
        return Store.load(state, seed=opts.seed), f"state file {state}"
    return build_store(load_scenario(opts.scenario), seed=opts.seed), f"scenario {opts.scenario}"


def main(argv: list[str] | None = None) -> int:
    parser = parser_build()
    opts = parser.parse_args(argv)
    for name in _SHARES:
        if not 0.0 <= getattr(opts, name) <= 1.0:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 1")
    try:
        store, source = _load(opts)
    except (ScenarioError, ValueError, KeyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    faults = FaultConfig(
        latency_ms=opts.latency,
        seed=opts.seed,
        **{name: getattr(opts, name) for name in _SHARES},
    )
    behaviour = Behaviour(
        max_page_size=opts.max_page_size,
        tag_subject_key=opts.tag_subject_key,
        legacy_value_job=opts.legacy_jobs,
        expired_access_token_status=opts.expired_token_status,
    )
    try:
        handle = start_sandbox(
            store,
            host=opts.host,
            port=opts.port,
            faults=faults,
            behaviour=behaviour,
            access_ttl=opts.access_token_ttl,
            verbose=opts.verbose_requests,
        )
    except OSError as exc:
        print(f"error: cannot listen on {opts.host}:{opts.port}: {exc}", file=sys.stderr)
        return 1
    tables = len(store.catalog.objects["table"])
    print(
        f"Alation sandbox running at {handle.url}/ ({source}, {len(store.catalog.datasources)} data sources, {tables} tables)"
    )
    print(f"Demo user id: {handle.user_id}")
    print(f"Demo refresh token: {handle.refresh_token}")
    for token in store.auth.refresh_tokens.values():
        user = store.auth.users[token.user_id]
        scope = "all data sources" if user.data_sources is None else f"data sources {user.data_sources}"
        print(f"  user {user.id} ({user.username}, {scope}): {token.token} [{token.status(store.now())}]")
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
        if opts.state:
            handle.store.save(opts.state)
            print(f"State saved to {opts.state}")
        print("Alation sandbox stopped.")
    return 0
