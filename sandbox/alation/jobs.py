"""Async jobs: `GET /api/v1/bulk_metadata/job/?id=` answers "running" for a configured number of
polls, then the job's final body. A job's writes are applied when it is accepted (as Alation
runs the job whether or not anyone polls), or never when the job fails.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .base import job_time


@dataclass
class Job:
    id: int
    kind: str
    status: str
    msg: str
    result: Any
    polls_left: int = 0

    def body(self) -> dict[str, Any]:
        if self.polls_left > 0:
            # The body of a running job is unverified; this one carries nothing to parse.
            return {"status": "running", "msg": "Job is running.", "result": None}
        return {"status": self.status, "msg": self.msg, "result": self.result}


class Jobs:
    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}
        self.next_id = 801

    def new_id(self) -> int:
        job_id = self.next_id
        self.next_id += 1
        return job_id

    def add(
        self,
        kind: str,
        result: Any,
        *,
        now: float,
        duration: float,
        polls: int,
        failed: bool = False,
        job_id: int | None = None,
    ) -> Job:
        verb = "failed" if failed else "finished"
        job = Job(
            id=job_id or self.new_id(),
            kind=kind,
            status="failed" if failed else "successful",
            msg=f"Job {verb} in {duration:.6f} seconds at {job_time(now + duration)}",
            result=result,
            polls_left=max(0, polls),
        )
        self.jobs[job.id] = job
        return job

    def poll(self, job_id: int) -> dict[str, Any] | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        body = job.body()
        if job.polls_left > 0:
            job.polls_left -= 1
        return body

    def to_state(self) -> dict[str, Any]:
        return {"jobs": [asdict(j) for j in self.jobs.values()], "next_id": self.next_id}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Jobs:
        jobs = cls()
        for job in state.get("jobs", []):
            jobs.jobs[int(job["id"])] = Job(**job)
        jobs.next_id = int(state.get("next_id", max(jobs.jobs, default=800) + 1))
        return jobs
