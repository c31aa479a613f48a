"""`make bench`: measure sync and page figures at catalog scale, print a table, write JSON.

    python -m bench [--tables 2000] [--columns 50] [--small-tables 400] [--no-alation]

The issue's scale is 2,000 tables x 50 columns (102,000 assets), compared with 400 tables
(about 20,000 assets) for the worker's peak memory; then the same scale against the Alation
sandbox, whose rows are printed beside Atlan's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_TABLES = 2000
DEFAULT_SMALL_TABLES = 400
MEMORY_LIMIT_MB = 400
PAGE_LIMIT_MS = 150
EVENT_PUSH_LIMIT_S = 1.0


def scale_run(tables: int, columns: int, *, sync_only: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        cmd = [sys.executable, "-m", "bench.scale", "--tables", str(tables), "--columns", str(columns)]
        cmd += ["--out", str(out)] + (["--sync-only"] if sync_only else [])
        print(
            f"bench: {tables} tables x {columns} columns{' (sync only)' if sync_only else ''}...", flush=True
        )
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def alation_run(tables: int, columns: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        cmd = [
            sys.executable,
            "-m",
            "bench.scale_alation",
            "--tables",
            str(tables),
            "--columns",
            str(columns),
        ]
        print(f"bench: Alation, {tables} tables x {columns} columns...", flush=True)
        subprocess.run([*cmd, "--out", str(out)], check=True)
        return json.loads(out.read_text(encoding="utf-8"))


def alation_rows_build(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The Alation rows: the same figures as Atlan's, against Alation's floor (its listings)."""
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, measured: str, target: str = "", met: bool | None = None) -> None:
        rows.append((f"Alation {name}", measured, target, "" if met is None else ("yes" if met else "NO")))

    floor, written = figures["floor"], figures["floor_written"]
    first, noop, event = figures["first_sync"], figures["noop_sync"], figures["event_push"]
    row("assets (tables + columns)", f"{figures['assets']:,}")
    row(
        "(a) floor: bare paging, every listing the sync reads",
        f"{floor['wall_s']:.1f} s ({floor['pages']} pages)",
    )
    row("(a) floor with Plumbline's values written", f"{written['wall_s']:.1f} s ({written['pages']} pages)")
    limit = 3 * (floor["wall_s"] + first["sandbox_write_s"])
    row(
        "(b) first sync wall",
        f"{first['wall_s']:.1f} s",
        f"<= 3 x (floor + {first['sandbox_write_s']:.1f} s sandbox writes) = {limit:.1f} s",
        first["wall_s"] <= limit,
    )
    row(
        "(b) first sync catalog requests", f"{first['sandbox_reads']} reads, {first['sandbox_writes']} writes"
    )
    row("(b) first sync DB queries", f"{first['queries']:,}")
    peak_ok = first["peak_rss_mb"] < MEMORY_LIMIT_MB
    row("(b) worker peak RSS", f"{first['peak_rss_mb']:.0f} MB", f"< {MEMORY_LIMIT_MB} MB", peak_ok)
    limit = 1.5 * written["wall_s"]
    row(
        "(c) no-op sync wall",
        f"{noop['wall_s']:.1f} s",
        f"<= 1.5 x floor = {limit:.1f} s",
        noop["wall_s"] <= limit,
    )
    row("(c) no-op catalog writes", str(noop["sandbox_writes"]), "0", noop["sandbox_writes"] == 0)
    row("(c) no-op DB queries", f"{noop['queries']:,}")
    row(
        "(d) event push of one table",
        f"{event['wall_s'] * 1000:.0f} ms ({event['queries']} queries, "
        f"{event['sandbox_reads']} reads, {event['sandbox_writes']} writes)",
        f"< {EVENT_PUSH_LIMIT_S:.0f} s",
        event["wall_s"] < EVENT_PUSH_LIMIT_S and event["status"] == "succeeded",
    )
    return rows


def rows_build(big: dict[str, Any], small: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, measured: str, target: str = "", met: bool | None = None) -> None:
        rows.append((name, measured, target, "" if met is None else ("yes" if met else "NO")))

    bare = big["floor"]["wall_s"]
    # The targets use the floor of the very search the syncs run (its custom-metadata attributes too).
    floor = big["floor_sync_attributes"]["wall_s"]
    first, noop = big["first_sync"], big["noop_sync"]
    write_s = first["sandbox_write_s"]
    row("assets (tables + columns)", f"{big['assets']:,}")
    row("(a) floor: bare paging, names only", f"{bare:.1f} s ({big['floor']['pages']} pages)")
    row(
        "(a) floor: bare paging, the sync's attributes",
        f"{floor:.1f} s ({big['floor_sync_attributes']['pages']} pages)",
    )
    limit = 3 * (floor + write_s)
    row(
        "(b) first sync wall",
        f"{first['wall_s']:.1f} s",
        f"<= 3 x (floor + {write_s:.1f} s sandbox writes) = {limit:.1f} s",
        first["wall_s"] <= limit,
    )
    row(
        "(b) first sync catalog requests", f"{first['sandbox_reads']} reads, {first['sandbox_writes']} writes"
    )
    pages = max(first["sandbox_search_pages"], 1)
    row(
        "(b) first sync DB queries",
        f"{first['queries']:,} ({first['queries'] / pages:.1f} per search page)",
        "bounded per page",
    )
    peak_ok = first["peak_rss_mb"] < MEMORY_LIMIT_MB
    row("(b) worker peak RSS", f"{first['peak_rss_mb']:.0f} MB", f"< {MEMORY_LIMIT_MB} MB", peak_ok)
    if small is not None:
        s = small["first_sync"]
        growth = first["peak_rss_mb"] - s["peak_rss_mb"]
        row(
            f"(b) peak RSS at {small['assets']:,} assets",
            f"{s['peak_rss_mb']:.0f} MB (+{growth:.0f} MB at {big['assets']:,})",
            "flat (< 10% growth)",
            growth < 0.1 * s["peak_rss_mb"],
        )
        row(
            f"(b) DB queries per page at {small['assets']:,}",
            f"{s['queries'] / max(s['sandbox_search_pages'], 1):.1f}",
            "bounded per page",
        )
    limit = 1.5 * floor
    row(
        "(c) no-op sync wall",
        f"{noop['wall_s']:.1f} s",
        f"<= 1.5 x floor = {limit:.1f} s",
        noop["wall_s"] <= limit,
    )
    row("(c) no-op catalog writes", str(noop["sandbox_writes"]), "0", noop["sandbox_writes"] == 0)
    row("(c) no-op DB queries", f"{noop['queries']:,}")
    event = big["event_push"]
    row(
        "(d) event push of one table",
        f"{event['wall_s'] * 1000:.0f} ms ({event['queries']} queries, "
        f"{event['sandbox_reads']} reads, {event['sandbox_writes']} writes)",
        f"< {EVENT_PUSH_LIMIT_S:.0f} s",
        event["wall_s"] < EVENT_PUSH_LIMIT_S,
    )
    for name, page in big["pages"].items():
        row(
            f"(e) page {name} {page['url']}",
            f"{page['median_ms']:.0f} ms median of 5, {page['queries']} queries",
            f"< {PAGE_LIMIT_MS} ms",
            page["median_ms"] < PAGE_LIMIT_MS and page["status"] == 200,
        )
    return rows


def table_format(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("figure", "measured", "target", "met?")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tables", type=int, default=DEFAULT_TABLES)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument(
        "--small-tables", type=int, default=DEFAULT_SMALL_TABLES, help="0 skips the memory comparison"
    )
    parser.add_argument("--no-alation", action="store_true", help="only the Atlan rows")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    small = scale_run(args.small_tables, args.columns, sync_only=True) if args.small_tables else None
    big = scale_run(args.tables, args.columns, sync_only=False)
    alation = None if args.no_alation else alation_run(args.tables, args.columns)
    rows = rows_build(big, small) + (alation_rows_build(alation) if alation else [])
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    elapsed = time.perf_counter() - started
    print()
    print(table_format(rows))
    print(
        f"\nMachine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}. "
        f"Peak memory is the sync worker child's own peak RSS (VmHWM: whole process, incl. Django). "
        f"Sandbox write time is measured around its request handler. Bench took {elapsed:.0f} s."
    )
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "machine": machine,
        "elapsed_s": elapsed,
        "rows": rows,
        "large": big,
        "small": small,
        "alation": alation,
    }
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print(f"Figures written to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
