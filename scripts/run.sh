#!/usr/bin/env bash
# Set up and run PPL Studio on this machine: virtualenv, dependencies, the web app's build,
# migrations, a demo admin and a demo user (credentials printed), then the web server and the
# django-q2 workers together.
# Embedded defaults: SQLite under db/, the ORM broker, files under outputs/, the offline
# `local` provider. Settings come from the environment or .env (see .env.example).
source "$(dirname "$0")/_setup.sh"

# The web app (frontend/ -> static/app/, served at /): built when missing or older than its
# sources, with Node 20 and npm. Without them, or when the build fails, the API and the admin
# still run (and / says how to build the app).
web_app_stale() {
  [ ! -f static/app/index.html ] ||
    [ -n "$(find frontend/src frontend/public frontend/index.html frontend/package-lock.json \
              frontend/vite.config.ts -newer static/app/index.html -print -quit 2>/dev/null)" ]
}
build_web_app() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "No Node.js/npm on this machine: the web app is not built (install Node 20 for it); the API and the admin run as usual."
    return 0
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old for the web app (needs 20.19 or newer): the API and the admin run as usual."
    return 0
  fi
  echo "Building the web app (frontend/ -> static/app/) ..."
  # npm records what it installed in node_modules/.package-lock.json: reinstall only after the
  # lock file changed.
  if [ ! -f frontend/node_modules/.package-lock.json ] ||
     [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    (cd frontend && npm ci --loglevel=error) ||
      { echo "npm ci failed (see above): the API and the admin run without the web app."; return 0; }
  fi
  (cd frontend && npm run --silent build -- --logLevel warn) ||
    { echo "The web app build failed (see above): the API and the admin run, with its last build if any."; return 0; }
}
if web_app_stale; then
  build_web_app
fi

PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
echo
echo "Demo accounts:"
$PY manage.py seed_demo
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Served over plain http here; production (DEBUG off, no HTTPS=off) redirects to https.
export HTTPS=${HTTPS:-off}
echo
if [ -f static/app/index.html ]; then
  echo "PPL Studio on http://$HOST:$PORT  (the web app; API docs /api/docs/, admin /admin/). Ctrl+C stops."
else
  echo "PPL Studio on http://$HOST:$PORT  (API docs /api/docs/, admin /admin/). Ctrl+C stops."
fi
echo
# One metrics folder for the web, task and engine processes: /metrics shows all of them (by role).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/studio-prometheus-$PORT}
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

$PY manage.py runworkers &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.asgi:application
