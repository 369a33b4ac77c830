#!/usr/bin/env bash
# Run the test suite. SQLite by default; PostgreSQL when DATABASE_URL points at it, e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh
# Extra arguments go to pytest (scripts/test.sh -k cancel -x).
#
# Tests run in parallel processes (pytest-xdist; each has its own test database), two per core by
# default: most of the suite's time is spent waiting on real time (servers and worker clusters
# starting, provider fakes answering later), not on the CPU. TEST_WORKERS sets how many;
# `scripts/test.sh -n 0` runs the tests in this process (for --pdb). Tests are handed out two at a
# time, long ones first (tests/conftest.py orders them), so no worker ends the run with several.
# Not --dist worksteal: it hands each worker one contiguous block of the collection up front, so
# the long tests, all at its front, would queue on the first worker until stolen.
source "$(dirname "$0")/_setup.sh"
workers=${TEST_WORKERS:-$((2 * $(nproc 2>/dev/null || echo 1)))}
exec .venv/bin/python -m pytest -n "$workers" --dist load --maxschedchunk 2 "$@"
