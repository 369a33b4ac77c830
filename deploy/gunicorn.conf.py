"""gunicorn settings from the environment (HOST, PORT, WEB_CONCURRENCY, WEB_THREADS, ...).

uvicorn workers serving config.asgi: the live event streams (/api/v1/events) as coroutines, every
other request (sync DRF views) on a pool of WEB_THREADS threads per process as gthread served them,
threads also for the endpoints that wait on a result (the seed endpoints wait up to
JOB_TIMEOUT_SECONDS); the app is config.asgi:application (benchmarks/events_bench.py: the API is
as fast as under gthread; 1,000 open streams cost a process ~45 MB).

Metrics: each worker process keeps its instruments in PROMETHEUS_MULTIPROC_DIR, so a scrape that
lands on any worker reports the sum of all of them. The directory is emptied at start-up and a
dead worker's files are marked, as prometheus_client's multiprocess mode requires.
"""

import os
import shutil
import tempfile
from pathlib import Path

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"  # WEB_THREADS: the WSGI pool of config/asgi.py
timeout = int(os.environ.get("WEB_TIMEOUT", "240"))  # above JOB_TIMEOUT_SECONDS for waiting endpoints
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# A worker's RSS does not grow with requests (benchmarks/api_bench.py: 113.6 MB after warm-up,
# 114.6 MB 16,000 requests later; 96 MB with only pyproject.toml's dependencies, `--venv`), so
# recycling is a safety net, not a cure: rare enough that no client pays a worker's restart every
# few thousand requests (it was every 2,000).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# Our middleware logs each request as a JSON line (with its request id); gunicorn's own access
# log is off unless asked for.
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "false").lower() == "true" else None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# Behind a proxy, trust X-Forwarded-* only from the addresses given (default: none but loopback).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Set before the application (and prometheus_client) is imported in the workers. A folder given
# by the caller may be shared with the task and engine processes (scripts/run.sh cleans it first).
_multiproc_given = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
    Path(tempfile.gettempdir()) / f"studio-prometheus-{os.environ.get('PORT', '8000')}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir


def on_starting(server):
    if not _multiproc_given:
        shutil.rmtree(_multiproc_dir, ignore_errors=True)  # figures of a previous run are not ours
    os.makedirs(_multiproc_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
