#!/usr/bin/env bash
# Set up and run PPL Studio on this machine: virtualenv, dependencies, migrations, a demo admin
# and a demo user (credentials printed), then the web server and the django-q2 workers together.
# Embedded defaults: SQLite under db/, the ORM broker, files under outputs/, the offline
# `local` provider. Settings come from the environment or .env (see .env.example).
source "$(dirname "$0")/_setup.sh"

PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
echo
echo "Demo accounts:"
$PY manage.py seed_demo
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
echo
echo "PPL Studio on http://$HOST:$PORT  (API docs /api/docs/, admin /admin/). Ctrl+C stops."
echo

$PY manage.py runworkers &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi:application
