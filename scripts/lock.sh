#!/usr/bin/env bash
# Regenerates the hashed lock files from pyproject.toml (`make lock`; `make lock UPGRADE=1` also
# moves every pin to the newest allowed release). The test set is resolved first, with the dev
# tools; the runtime set is then pinned at the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."
# (not PIP_…: pip reads every PIP_* variable as one of its options)
COMPILER="${LOCK_COMPILER:-.venv/bin/pip-compile}"
export CUSTOM_COMPILE_COMMAND="make lock"
options=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links)
if [ -n "${UPGRADE:-}" ]; then options+=(--upgrade); fi

echo "Resolving requirements/test.txt (runtime, postgres, redis, prod and dev extras)..."
"$COMPILER" "${options[@]}" --extra dev --extra postgres --extra redis --extra prod \
  --output-file requirements/test.txt pyproject.toml requirements/build.in
echo "Resolving requirements/run.txt (runtime, postgres, redis and prod extras)..."
"$COMPILER" "${options[@]}" --extra postgres --extra redis --extra prod \
  --output-file requirements/run.txt pyproject.toml requirements/build.in requirements/run.in
if grep -qiE '^(torch|nvidia-)' requirements/*.txt; then
  echo "A dependency pulled in torch or CUDA libraries: find it (pip-compile's '# via' lines) and pin it back." >&2
  exit 1
fi
echo "Done: commit requirements/*.txt with the pyproject.toml change."
