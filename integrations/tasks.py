"""django-q2 entry points: thin, they take ids and call the run machinery."""

from __future__ import annotations

from integrations.runs import run_execute, runs_sweep


def sync_run_execute(run_id: int) -> str:
    return run_execute(run_id).status


def sync_runs_sweep() -> int:
    return runs_sweep()
