"""Profile one first sync against the Atlan sandbox and print where its time goes.

    python -m bench.profile [--tables 400] [--columns 50] [--top 30] [--sort tottime]

The sync runs in this process under cProfile (the sandbox answers from its own threads, which
the profile does not see), so what is printed is the sync's own work: what is not waiting on
the catalog is the part worth making faster.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

from bench._django import django_setup

_WAITS = ("acquire", "recv_into", "sendall", "execute", "executemany", "commit", "connect", "poll")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--tables", type=int, default=400)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--resync", action="store_true", help="profile the no-op resync after a first sync")
    args = parser.parse_args(argv)
    db_path = f"/tmp/plumbline-profile-{os.getpid()}.sqlite3"
    django_setup(db_path)
    try:
        return profile(args)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(db_path + suffix).unlink(missing_ok=True)


def profile(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from catalog.loader import catalog_load
    from integrations.models import Integration
    from integrations.runs import run_execute, run_start
    from sandbox.atlan.generator import generate
    from sandbox.atlan.scenario import build_store
    from sandbox.atlan.server import start_sandbox

    call_command("migrate", verbosity=0)
    scenario, catalog = generate(tables=args.tables, columns=args.columns)
    catalog_load(catalog)
    sandbox = start_sandbox(build_store(scenario))
    try:
        integration = Integration(name="Atlan profile", url=sandbox.url, event_driven=False)
        integration.token = sandbox.token
        integration.save()
        run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        if args.resync:
            run_execute(run.pk)
            run = run_start(integration=integration, pull=True, push=True, enqueue=False)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        run = run_execute(run.pk)
        profiler.disable()
        wall = time.perf_counter() - started
    finally:
        sandbox.stop()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    rows = stats.stats.items()  # type: ignore[attr-defined]
    # Time spent blocked in C (sockets, locks, the database) is waiting, not the sync's own work.
    waiting = sum(row[2] for (_, _, name), row in rows if any(w in name for w in _WAITS))
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    print(
        f"{'Resync' if args.resync else 'First sync'} of {args.tables} x {args.columns}: {run.status} in "
        f"{wall:.1f} s wall, of which "
        f"{waiting:.1f} s blocked on sockets, locks and the database, {wall - waiting:.1f} s Python work."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
