"""A real `manage.py qcluster` stops at once when SIGTERM reaches its whole process group (systemd)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.integrations.test_worker_process import worker_start


def log_wait(log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the worker log after {timeout} s:\n{log.read_text()[-2000:]}")


def group_alive(pgid: int) -> list[int]:
    """Processes of the group that are still running (zombies have stopped)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(int(entry.name))
    return alive


def test_sigterm_to_the_whole_process_group_stops_qcluster_within_seconds(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    worker = worker_start(log, Q_WORKERS="2")
    try:
        log_wait(log, "running.")
        started = time.monotonic()
        os.killpg(worker.pid, signal.SIGTERM)  # as systemd does: every process at once
        assert worker.wait(timeout=15) == 0, log.read_text()[-2000:]
        assert time.monotonic() - started < 10
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"qcluster still running 15 s after SIGTERM:\n{log.read_text()[-2000:]}"
        ) from None
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    deadline = time.monotonic() + 5
    while group_alive(worker.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_alive(worker.pid) == []
    assert "SIGTERM reached all of its processes" in log.read_text()


def test_sigterm_to_the_main_process_alone_still_stops_the_cluster_gracefully(transactional_db, tmp_path):
    log = tmp_path / "worker.log"
    worker = worker_start(log, Q_WORKERS="1")
    try:
        log_wait(log, "running.")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert "has stopped." in log.read_text()
