"""`make bench`: measure sync and page figures at catalog scale, print a table, write JSON.

    python -m bench [--tables 2000] [--columns 50] [--small-tables 400] [--no-alation]
                    [--scale 1m] [--huge-tables 20000] [--compare]

The issue's scale is 2,000 tables x 50 columns (about 101,000 assets), with 400 tables (about
20,000 assets) for the worker's peak memory; then the same scale against the Alation sandbox,
whose rows are printed beside Atlan's. `--scale 1m` (`make bench SCALE=1m`) adds 20,000 tables
(about a million assets): sync figures, no-op, event push and pages there too, and memory compared
across the three sizes. `--compare` (`make bench-compare`) also times an idiomatic pyatlan script
doing the work of the first sync on the same sandbox (bench/compare.py) and prints the ratio.
Every row of issue 17's targets table is printed with the measured value, the target and whether
it is met.
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
HUGE_TABLES = 20000  # --scale 1m: 20,000 tables x 50 columns, about a million assets
# Issue 17's targets.
SYNC_FACTOR = 2.0  # first sync <= 2 x (floor + the sandbox's own write time)
HUGE_SYNC_LIMIT_S = 600.0  # and, at about a million assets, under 10 minutes
NOOP_FACTOR = 1.2  # no-op resync <= 1.2 x floor, with 0 writes
MEMORY_LIMIT_MB = 200
MEMORY_SPREAD = 0.15  # peak memory within 15 % between 20k, 101k and 1M assets
EVENT_PUSH_LIMIT_MS = 300
PAGE_LIMIT_MS = 150
SDK_RATIO_LIMIT = 0.3  # Plumbline's first sync / the pyatlan script's

Row = tuple[str, str, str, str]


def scale_run(
    tables: int, columns: int, *, sync_only: bool, compare_python: str | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        cmd = [sys.executable, "-m", "bench.scale", "--tables", str(tables), "--columns", str(columns)]
        cmd += ["--out", str(out)] + (["--sync-only"] if sync_only else [])
        cmd += ["--compare-python", compare_python] if compare_python else []
        print(
            f"bench: {tables} tables x {columns} columns{' (sync only)' if sync_only else ''}"
            f"{' and the pyatlan script' if compare_python else ''}...",
            flush=True,
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


def _met(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "NO")


def scale_label(assets: int) -> str:
    """101k, 1M: how the issue names a catalog's size."""
    if assets >= 950_000:
        return f"{assets / 1_000_000:.0f}M"
    return f"{assets / 1000:.0f}k"


def alation_rows_build(figures: dict[str, Any]) -> list[Row]:
    """The Alation rows: the same figures and targets as Atlan's, against Alation's floor (its listings)."""
    rows: list[Row] = []

    def row(name: str, measured: str, target: str = "", met: bool | None = None) -> None:
        rows.append((f"Alation {name}", measured, target, _met(met)))

    floor, written = figures["floor"], figures["floor_written"]
    first, noop, event = figures["first_sync"], figures["noop_sync"], figures["event_push"]
    row("assets (tables + columns)", f"{figures['assets']:,}")
    row(
        "(a) floor: bare paging, every listing the sync reads",
        f"{floor['wall_s']:.1f} s ({floor['pages']} pages)",
    )
    row("(a) floor with Plumbline's values written", f"{written['wall_s']:.1f} s ({written['pages']} pages)")
    limit = SYNC_FACTOR * (floor["wall_s"] + first["sandbox_write_s"])
    row(
        "(b) first sync wall",
        f"{first['wall_s']:.1f} s",
        f"<= {SYNC_FACTOR:g} x (floor + {first['sandbox_write_s']:.1f} s sandbox writes) = {limit:.1f} s",
        first["wall_s"] <= limit,
    )
    row(
        "(b) first sync catalog requests", f"{first['sandbox_reads']} reads, {first['sandbox_writes']} writes"
    )
    row("(b) first sync DB queries", f"{first['queries']:,}")
    peak_ok = first["peak_rss_mb"] < MEMORY_LIMIT_MB
    row("(b) worker peak RSS", f"{first['peak_rss_mb']:.0f} MB", f"< {MEMORY_LIMIT_MB} MB", peak_ok)
    limit = NOOP_FACTOR * written["wall_s"]
    row(
        "(c) no-op sync wall",
        f"{noop['wall_s']:.1f} s",
        f"<= {NOOP_FACTOR:g} x floor = {limit:.1f} s",
        noop["wall_s"] <= limit,
    )
    row("(c) no-op catalog writes", str(noop["sandbox_writes"]), "0", noop["sandbox_writes"] == 0)
    row("(c) no-op DB queries", f"{noop['queries']:,}")
    row(
        "(d) event push of one table",
        f"{event['wall_s'] * 1000:.0f} ms ({event['queries']} queries, "
        f"{event['sandbox_reads']} reads, {event['sandbox_writes']} writes)",
        f"< {EVENT_PUSH_LIMIT_MS} ms",
        event["wall_s"] * 1000 < EVENT_PUSH_LIMIT_MS and event["status"] == "succeeded",
    )
    return rows


def peak_text(sync: dict[str, Any]) -> str:
    """The worker's peak, and when it came: a flat line, or memory that climbs as the run goes on."""
    text = f"{sync['peak_rss_mb']:.0f} MB"
    sampled = sync.get("rss_peak_sampled")
    if sampled and sampled.get("timeline_mb"):
        line = sampled["timeline_mb"]
        text += (
            f" (reached at {sampled['at_fraction']:.0%} of the run; "
            f"{line[0]:.0f} MB at its first tenth, {line[-1]:.0f} MB at its end)"
        )
    return text


def scale_rows(figures: dict[str, Any], *, wall_limit_s: float | None = None) -> list[Row]:
    """The rows of one full run (floor, first sync, no-op, event push, pages), named by its size."""
    rows: list[Row] = []
    size = scale_label(figures["assets"])

    def row(name: str, measured: str, target: str = "", met: bool | None = None) -> None:
        rows.append((f"{size} {name}", measured, target, _met(met)))

    bare = figures["floor"]["wall_s"]
    # The targets use the floor of the very search the syncs run (its custom-metadata attributes too).
    floor = figures["floor_sync_attributes"]["wall_s"]
    first, noop = figures["first_sync"], figures["noop_sync"]
    write_s = first["sandbox_write_s"]
    row("assets (tables + columns)", f"{figures['assets']:,}")
    if "generate_s" in figures:
        row(
            "bench setup (not timed below)",
            f"{figures['setup_s']:.0f} s: generate {figures['generate_s']:.0f} s, "
            f"Plumbline DB {figures['catalog_load_s']:.0f} s, sandbox {figures['store_build_s']:.0f} s",
        )
    row("(a) floor: bare paging, names only", f"{bare:.1f} s ({figures['floor']['pages']} pages)")
    row(
        "(a) floor: bare paging, the sync's attributes",
        f"{floor:.1f} s ({figures['floor_sync_attributes']['pages']} pages)",
    )
    limit = SYNC_FACTOR * (floor + write_s)
    target = f"<= {SYNC_FACTOR:g} x (floor + {write_s:.1f} s sandbox writes) = {limit:.1f} s"
    met = first["wall_s"] <= limit
    if wall_limit_s is not None:
        target += f", and < {wall_limit_s:.0f} s"
        met = met and first["wall_s"] < wall_limit_s
    row("(b) first full sync wall", f"{first['wall_s']:.1f} s", target, met)
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
    row("(b) worker peak RSS", peak_text(first), f"< {MEMORY_LIMIT_MB} MB", peak_ok)
    limit = NOOP_FACTOR * floor
    row(
        "(c) no-op resync wall",
        f"{noop['wall_s']:.1f} s",
        f"<= {NOOP_FACTOR:g} x floor = {limit:.1f} s",
        noop["wall_s"] <= limit,
    )
    row("(c) no-op catalog writes", str(noop["sandbox_writes"]), "0", noop["sandbox_writes"] == 0)
    row("(c) no-op DB queries", f"{noop['queries']:,}")
    event = figures["event_push"]
    row(
        "(d) event push of one table",
        f"{event['wall_s'] * 1000:.0f} ms ({event['queries']} queries, "
        f"{event['sandbox_reads']} reads, {event['sandbox_writes']} writes)",
        f"< {EVENT_PUSH_LIMIT_MS} ms",
        event["wall_s"] * 1000 < EVENT_PUSH_LIMIT_MS and event["status"] == "succeeded",
    )
    for name, page in figures["pages"].items():
        row(
            f"(e) page {name} {page['url']}",
            f"{page['median_ms']:.0f} ms median of 5, {page['queries']} queries",
            f"< {PAGE_LIMIT_MS} ms",
            page["median_ms"] < PAGE_LIMIT_MS and page["status"] == 200,
        )
    return rows


def memory_rows(runs: list[dict[str, Any]]) -> list[Row]:
    """Peak memory across catalog sizes: each under the limit, all within the spread."""
    peaks = [(r["assets"], r["first_sync"]["peak_rss_mb"]) for r in runs]
    if len(peaks) < 2:
        return []
    low, high = min(p for _, p in peaks), max(p for _, p in peaks)
    spread = (high - low) / low if low else 0.0
    measured = ", ".join(f"{p:.0f} MB at {scale_label(a)}" for a, p in peaks)
    return [
        (
            "worker peak RSS across sizes",
            f"{measured} (spread {spread:.0%})",
            f"< {MEMORY_LIMIT_MB} MB, within {MEMORY_SPREAD:.0%}",
            _met(high < MEMORY_LIMIT_MB and spread <= MEMORY_SPREAD),
        )
    ]


def page_query_rows(base: dict[str, Any], large: dict[str, Any]) -> list[Row]:
    """Each page's query count at two sizes: constant when the catalog grows."""
    rows: list[Row] = []
    for name, page in large["pages"].items():
        other = base["pages"].get(name)
        if other is None:
            continue
        rows.append(
            (
                f"(e) page {name} queries, {scale_label(base['assets'])} -> {scale_label(large['assets'])}",
                f"{other['queries']} -> {page['queries']}",
                "constant",
                _met(other["queries"] == page["queries"]),
            )
        )
    return rows


def compare_rows(figures: dict[str, Any]) -> list[Row]:
    """Plumbline's first sync against the idiomatic pyatlan script on the same sandbox."""
    sdk = figures["compare"]
    first = figures["first_sync"]
    size = scale_label(figures["assets"])
    ratio = first["wall_s"] / sdk["wall_s"] if sdk["wall_s"] else float("inf")
    end = sdk["end_state"]
    return [
        (
            f"{size} pyatlan script, first sync work",
            f"{sdk['wall_s']:.1f} s ({sdk['sandbox_reads']} reads in {sdk['sandbox_read_s']:.0f} s of sandbox "
            f"time, {sdk['sandbox_writes']} writes; Plumbline {first['sandbox_reads']} reads in "
            f"{first['sandbox_read_s']:.0f} s, {first['sandbox_writes']} writes)",
            "",
            "",
        ),
        (
            f"{size} pyatlan script end state",
            f"{end['assets']:,} assets, {end['values']:,} values, {end['announcements']} announcements; "
            f"{end['differing'] + end['only_first'] + end['only_second']} differ",
            "same as Plumbline's",
            _met(end["equal"]),
        ),
        (
            f"{size} Plumbline / pyatlan script, first sync",
            f"{first['wall_s']:.1f} s / {sdk['wall_s']:.1f} s = {ratio:.2f}",
            f"< {SDK_RATIO_LIMIT:g}",
            _met(ratio < SDK_RATIO_LIMIT),
        ),
    ]


def rows_build(
    big: dict[str, Any], small: dict[str, Any] | None, huge: dict[str, Any] | None = None
) -> list[Row]:
    """Every Atlan row: the default scale, the million if it ran, memory across sizes, the SDK."""
    rows = scale_rows(big)
    if small is not None:
        s = small["first_sync"]
        rows.append(
            (
                f"{scale_label(small['assets'])} (b) first sync, for memory",
                f"{s['wall_s']:.1f} s, peak RSS {s['peak_rss_mb']:.0f} MB, "
                f"{s['queries'] / max(s['sandbox_search_pages'], 1):.1f} DB queries per search page",
                "",
                "",
            )
        )
    if huge is not None:
        rows += scale_rows(huge, wall_limit_s=HUGE_SYNC_LIMIT_S)
        rows += page_query_rows(big, huge)
    rows += memory_rows([r for r in (small, big, huge) if r is not None])
    if "compare" in big:
        rows += compare_rows(big)
    return rows


def table_format(rows: list[Row]) -> str:
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
    parser.add_argument(
        "--scale",
        choices=["default", "1m"],
        default="default",
        help="1m also runs --huge-tables (about a million assets; on demand, not in CI)",
    )
    parser.add_argument("--huge-tables", type=int, default=HUGE_TABLES)
    parser.add_argument(
        "--compare", action="store_true", help="also time an idiomatic pyatlan script (its own virtualenv)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    compare_python, venv_s = None, 0.0
    if args.compare:
        from bench.compare import venv_ensure

        python, venv_s = venv_ensure()
        compare_python = str(python)
    small = scale_run(args.small_tables, args.columns, sync_only=True) if args.small_tables else None
    big = scale_run(args.tables, args.columns, sync_only=False, compare_python=compare_python)
    huge = scale_run(args.huge_tables, args.columns, sync_only=False) if args.scale == "1m" else None
    alation = None if args.no_alation else alation_run(args.tables, args.columns)
    rows = rows_build(big, small, huge) + (alation_rows_build(alation) if alation else [])
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
        f"Sandbox read and write times are the CPU time of its request handlers (their own work, not waits for the interpreter while another request ran). Bench took {elapsed:.0f} s"
        + (f" (of which {venv_s:.0f} s creating the pyatlan environment)." if venv_s else ".")
    )
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "machine": machine,
        "elapsed_s": elapsed,
        "rows": rows,
        "large": big,
        "small": small,
        "huge": huge,
        "alation": alation,
    }
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print(f"Figures written to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
