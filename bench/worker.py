"""Run one queued sync in this process and print its figures as JSON (wall, queries, peak RSS).

python -m bench.worker DB_PATH RUN_ID
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench._django import QueryCounter, django_setup


def peak_rss_mb() -> float:
    """This process's peak resident set. Linux's VmHWM starts afresh at exec; ru_maxrss does not
    (a child keeps the high-water mark of the parent it was forked from, here the bench with its
    sandbox), so it is the fallback only."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    db_path, run_id = argv[0], int(argv[1])
    django_setup(db_path)
    from django.db import connection

    from integrations.models import SyncRun
    from integrations.runs import run_execute

    rss_before = peak_rss_mb()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run_execute(run_id)
    wall = time.perf_counter() - started
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
    }
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
