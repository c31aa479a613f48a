"""Run one queued sync in this process and print its figures as JSON (wall, queries, peak RSS).

python -m bench.worker DB_PATH RUN_ID
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._django import QueryCounter, django_setup


def _status_mb(key: str) -> float | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return None


def peak_rss_mb() -> float:
    """This process's peak resident set. Linux's VmHWM starts afresh at exec; ru_maxrss does not
    (a child keeps the high-water mark of the parent it was forked from, here the bench with its
    sandbox), so it is the fallback only."""
    try:
        peak = _status_mb("VmHWM")
    except OSError:
        peak = None
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler(threading.Thread):
    """The process's resident memory twice a second: when the peak came, not only how high."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.samples: list[tuple[datetime, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            try:
                self.samples.append((datetime.now(UTC), _status_mb("VmRSS") or 0.0))
            except OSError:
                return

    def peak(self) -> tuple[datetime, float] | None:
        return max(self.samples, key=lambda s: s[1]) if self.samples else None

    def timeline(self, parts: int = 10) -> list[float]:
        """The resident memory at each tenth of the run (MB): flat, climbing, or a spike."""
        n = len(self.samples)
        return (
            [round(self.samples[min(n - 1, n * k // parts)][1], 1) for k in range(1, parts + 1)] if n else []
        )


def main(argv: list[str]) -> int:
    db_path, run_id = argv[0], int(argv[1])
    django_setup(db_path)
    from django.db import connection

    from integrations.models import SyncLogLine, SyncRun
    from integrations.runs import run_execute

    rss_before = peak_rss_mb()
    counter = QueryCounter()
    sampler = RssSampler()
    sampler.start()
    started, began = time.perf_counter(), datetime.now(UTC)
    with connection.execute_wrapper(counter):
        run_execute(run_id)
    wall = time.perf_counter() - started
    sampler.stopped.set()
    peak = sampler.peak()
    peak_at = None
    if peak is not None:
        # The log line written last before the peak says what the sync was doing.
        line = SyncLogLine.objects.filter(run_id=run_id, at__lte=peak[0]).order_by("-id").first()
        peak_at = {
            "at_fraction": (peak[0] - began).total_seconds() / wall if wall else 0.0,
            "rss_mb": peak[1],
            "after_log_line": line.message[:160] if line else "",
            "timeline_mb": sampler.timeline(),
        }
    run = SyncRun.objects.get(pk=run_id)
    out = {
        "wall_s": wall,
        "queries": counter.count,
        "status": run.status,
        "requests_read": run.requests_read,
        "requests_write": run.requests_write,
        "counts": run.counts,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_setup_mb": rss_before,
        "rss_peak_sampled": peak_at,
    }
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
