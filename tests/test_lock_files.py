"""Reproducible installs: every dependency is pinned with hashes, and make installs only from the locks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKS = {"run.txt": "postgres redis prod", "test.txt": "dev postgres redis prod"}


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)}


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items())
def test_each_lock_pins_everything_pyproject_names(lock, extras):
    result = subprocess.run(
        [sys.executable, "scripts/lock_check.py", f"requirements/{lock}", *extras.split()],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_is_exact_and_carries_hashes_and_no_index_is_named(lock):
    text = (ROOT / "requirements" / lock).read_text()
    hashes: dict[str, int] = {}
    current = ""
    for line in text.splitlines():
        if line[:1].isalnum():  # a requirement: only exact pins
            assert re.match(r"^[A-Za-z0-9._-]+==\S+ \\$", line), line
            current = line.split("==")[0]
            hashes[current] = 0
        elif "--hash=sha256:" in line:
            hashes[current] += 1
        assert not line.startswith(("--index-url", "--extra-index-url", "--find-links", "-e ")), line
    assert len(hashes) > 20 and all(hashes.values()), [n for n, c in hashes.items() if not c]


def test_the_runtime_set_is_the_tested_set_at_the_same_versions_without_torch():
    run, test = pins("run.txt"), pins("test.txt")
    assert {name: test.get(name) for name in run} == run
    assert not [name for name in test if name.startswith(("torch", "nvidia"))]
    assert "pip-tools" in test and "setuptools" in run  # make lock's tool; the build backend


def test_the_lock_check_names_what_is_missing():
    result = subprocess.run(
        [sys.executable, "scripts/lock_check.py", "requirements/run.txt", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "does not pin" in result.stderr and "run `make lock`" in result.stderr


def test_make_installs_only_from_the_locks_and_reinstalls_when_they_change():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(RUN_STAMP\): \$\(RUN_LOCK\) pyproject\.toml", makefile, re.M)
    assert re.search(r"^\$\(TEST_STAMP\): \$\(TEST_LOCK\) pyproject\.toml", makefile, re.M)
    assert re.search(r"^run: \$\(RUN_STAMP\)", makefile, re.M) and re.search(
        r"^test: \$\(TEST_STAMP\)", makefile, re.M
    )
    installs = re.findall(r"pip install [^\n]*", makefile)
    assert any("--require-hashes -r $(1)" in line for line in installs)
    assert any("--no-deps --no-build-isolation -e ." in line for line in installs)
    assert not any(
        re.search(r"pip install [^\n]*'?\.\[", line) for line in installs
    )  # no unpinned extras install
    assert "make test" in (ROOT / ".ci" / "run").read_text()
