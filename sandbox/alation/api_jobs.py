"""The async job endpoint, and starting a job for an accepted write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import errors
from .base import Ctx, Reply
from .jobs import Job


def start(
    ctx: Ctx, kind: str, work: Callable[[], Any], failed_result: Any, *, job_id: int | None = None
) -> Job:
    """Run `work` now (unless the job-failure fault strikes) and keep its result for polling."""
    store = ctx.store
    failed = ctx.faults.job_fails()
    result = failed_result if failed else work()
    return store.jobs.add(
        kind,
        result,
        now=store.now(),
        duration=store.duration(),
        polls=ctx.behaviour.job_running_polls,
        failed=failed,
        job_id=job_id,
    )


def get_job(ctx: Ctx) -> Reply:
    raw = ctx.one("id")
    if raw is None and ctx.one("name") is None:
        raise errors.bad_request("A job id or name is required.")
    try:
        body = ctx.store.jobs.poll(int(raw or ""))
    except ValueError:
        raise errors.invalid_query(["id"]) from None
    if body is None:
        raise errors.not_found()
    return Reply(200, body)
