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

import ctypes
import ctypes.util
import gc
import os
import shutil
import tempfile
from pathlib import Path

from uvicorn_worker import UvicornWorker


class StudioUvicornWorker(UvicornWorker):
    """No WebSocket protocol: the app serves none (the live events are a text/event-stream), and
    uvicorn's default imports the websockets package into every worker (~1 MB RSS each).
    asyncio's own event loop, not uvloop (WEB_LOOP=uvloop or auto brings it back): the loop only
    hands requests to the WSGI threads and holds the event streams, and with uvloop a worker held
    1.5-2 MB more after 10,000 requests without serving them with less CPU (2 runs each, 2 workers,
    load average 7-17: 3.1-3.5 ms of worker CPU a request with uvloop, 1.1-1.9 ms with asyncio)."""

    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        "ws": "none",
        "loop": os.environ.get("WEB_LOOP", "asyncio"),
    }


def _malloc_arena_max(arenas: int) -> None:
    """glibc's malloc gives each thread that allocates its own arena (up to 8 per core), so a
    worker's WEB_THREADS threads each keep a heap of their own. MALLOC_ARENA_MAX in the
    environment (deploy/Dockerfile sets 2) is read by glibc at start; set here too for a server
    started without it (scripts/run.sh, benchmarks). Workers inherit it through fork."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX; no effect where the C library is not glibc
    except (OSError, AttributeError):
        pass


if "MALLOC_ARENA_MAX" not in os.environ:
    _malloc_arena_max(2)

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = StudioUvicornWorker  # uvicorn_worker.UvicornWorker; WEB_THREADS: config/asgi.py's pool
timeout = int(os.environ.get("WEB_TIMEOUT", "240"))  # above JOB_TIMEOUT_SECONDS for waiting endpoints
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# A worker's RSS does not grow with requests (benchmarks/api_bench.py --venv, only pyproject.toml's
# dependencies: after warm-up it grows by ~3 MB over the first few thousand requests, then stays),
# so recycling is a safety net, not a cure: rare enough that no client pays a worker's restart
# every few thousand requests (it was every 2,000).
# The app is loaded once in the master and the workers fork from it, with the master's objects
# frozen out of the garbage collector (pre_fork below): the pages stay shared, and a worker maps
# only the library pages it touches (config/asgi.py loads the URLconf, so the views are shared too).
# Measured with 2 workers after 10,000 requests (production dependencies, a loaded 2-core machine):
# worker RSS 87.5-88.2 -> 78.8-80.9 MB, USS 67.2-67.5 -> 31.1-33.0 MB, master and workers' PSS
# 162.5 -> 134.2 MB. Preloading without the freeze made the total worse (167.2 -> 183.7 MB PSS):
# each worker's collections wrote to the shared objects.
# WEB_PRELOAD=false loads the app in each worker instead.
preload_app = os.environ.get("WEB_PRELOAD", "true").lower() == "true"
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# Our middleware logs each request as a JSON line (with its request id); gunicorn's own access
# log is off unless asked for.
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "false").lower() == "true" else None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# Behind a proxy, trust X-Forwarded-* only from the addresses given (default: none but loopback).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Set before the application (and prometheus_client) is imported. A folder given
# by the caller may be shared with the task and engine processes (scripts/run.sh cleans it first).
_multiproc_given = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
    Path(tempfile.gettempdir()) / f"studio-prometheus-{os.environ.get('PORT', '8000')}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir


os.makedirs(_multiproc_dir, exist_ok=True)  # a preloaded app may create its instruments before on_starting


def pre_fork(server, worker):
    # The garbage of loading the app is collected and the heap's free pages go back to the system
    # first, so no worker inherits them; then the objects made until now (the app, with
    # preload_app) are never collected: a collection in a worker would write to each of them and
    # copy the master's pages into the worker.
    from config.memory import release_free_memory

    gc.collect()
    release_free_memory()
    gc.freeze()


def on_starting(server):
    if not _multiproc_given:
        shutil.rmtree(_multiproc_dir, ignore_errors=True)  # figures of a previous run are not ours
    os.makedirs(_multiproc_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
