#!/usr/bin/env bash
# Starts the whole product for a first look: migrations, demo data, the Atlan and Alation
# sandboxes, a django-q2 worker and the web server. Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
# The Atlan sandbox listens on 127.0.0.1: let the catalog client connect to loopback addresses.
export PLUMBLINE_ALLOW_LOOPBACK="${PLUMBLINE_ALLOW_LOOPBACK:-true}"
PORT="${PORT:-8000}"
SANDBOX_PORT="${SANDBOX_PORT:-8765}"
SANDBOX_ALATION_PORT="${SANDBOX_ALATION_PORT:-8766}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
# The Add Integration form offers these sandboxes in one click ("Use the local sandbox"); the
# product reads it only with DEBUG on. The credentials are the sandboxes' public demo ones.
if [ -z "${PLUMBLINE_DEMO_SANDBOXES:-}" ]; then
  PLUMBLINE_DEMO_SANDBOXES=$(printf '{"atlan": {"url": "http://127.0.0.1:%s", "token": "plumbline-demo-token"}, "alation": {"url": "http://127.0.0.1:%s", "user_id": "7", "refresh_token": "plumbline-demo-refresh-token"}}' "$SANDBOX_PORT" "$SANDBOX_ALATION_PORT")
  export PLUMBLINE_DEMO_SANDBOXES
fi
PY=.venv/bin/python
mkdir -p var

echo "Preparing the database (migrations)..."
$PY manage.py migrate --noinput >/dev/null
# Only into an empty catalog: a restart keeps what you changed (seed_demo --reset starts over).
echo "Loading the demo catalog and users..."
$PY manage.py seed_demo
echo "Starting the sandboxes, a worker and the web server..."

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY -m sandbox atlan --port "$SANDBOX_PORT" --state var/sandbox-state.json >var/sandbox.log 2>&1 &
pids+=($!)
$PY -m sandbox alation --port "$SANDBOX_ALATION_PORT" --state var/alation-sandbox-state.json \
  >var/alation-sandbox.log 2>&1 &
pids+=($!)
$PY manage.py qcluster >var/worker.log 2>&1 &
pids+=($!)
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload >var/web.log 2>&1 &
pids+=($!)

# Wait until every server answers before saying where to go.
for _ in $(seq 1 60); do
  if $PY - "$PORT" "$SANDBOX_PORT" "$SANDBOX_ALATION_PORT" <<'PYEOF' 2>/dev/null; then break; fi
import socket, sys
for port in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(port)), timeout=0.5).close()
PYEOF
  sleep 0.5
done

cat <<MSG

  Plumbline is running.

    Open          http://127.0.0.1:${PORT}/
    Sign in as    admin / plumbline      (or viewer / plumbline, read-only)

    Add a sandbox under Settings › Integrations › + Add Integration:
    "Use the local sandbox" fills in its address and demo credentials.

    Atlan sandbox http://127.0.0.1:${SANDBOX_PORT}/
      add it under Settings › Integrations with
      URL         http://127.0.0.1:${SANDBOX_PORT}
      API token   plumbline-demo-token

    Alation sandbox http://127.0.0.1:${SANDBOX_ALATION_PORT}/
      add it under Settings › Integrations, Type Alation, with
      URL           http://127.0.0.1:${SANDBOX_ALATION_PORT}
      User ID       7
      Refresh token plumbline-demo-refresh-token

    Your changes stay across restarts; to start over with the demo:
      .venv/bin/python manage.py seed_demo --reset

    Logs in var/ (web.log, worker.log, sandbox.log, alation-sandbox.log). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
echo "A process stopped; see the logs in var/." >&2
