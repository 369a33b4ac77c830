#!/usr/bin/env bash
# Run the test suite. SQLite by default; PostgreSQL when DATABASE_URL points at it, e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh
# Extra arguments go to pytest (scripts/test.sh -k cancel -x).
source "$(dirname "$0")/_setup.sh"
exec .venv/bin/python -m pytest "$@"
