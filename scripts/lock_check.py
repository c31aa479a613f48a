"""Fail with a clear message when pyproject.toml names a package its lock file does not pin.

Usage: python scripts/lock_check.py LOCK_FILE [EXTRA ...]. Runs before every install from a lock
(Makefile), so a branch that added a dependency without `make lock` says so instead of failing
later on an import. Standard library only: it runs in a fresh virtualenv.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def name_normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return name_normalise(match.group(1)) if match else requirement


def wanted_names(extras: list[str]) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {requirement_name(r) for r in requirements}


def pinned_names(lock: Path) -> set[str]:
    return {name_normalise(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9._-]+)==", lock.read_text(), re.M)}


def main(argv: list[str]) -> int:
    lock, extras = Path(argv[0]), argv[1:]
    missing = sorted(wanted_names(extras) - pinned_names(lock))
    if missing:
        print(
            f"{lock} does not pin {', '.join(missing)} (named in pyproject.toml): run `make lock` "
            "and commit the lock files.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
