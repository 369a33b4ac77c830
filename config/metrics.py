"""Prometheus metrics for /metrics.

Two sources, so that several gunicorn worker processes and separate worker pods report one truth:
- per-process instruments (HTTP request latency by route) kept by prometheus_client; under
  gunicorn they live in PROMETHEUS_MULTIPROC_DIR (set by deploy/gunicorn.conf.py) and a scrape
  of any worker process sums every process;
- figures computed from the database at scrape time by collectors that apps register in their
  own `metrics.py` (jobs by kind/provider/status, durations, queue depth, in flight, errors,
  storage bytes), so what the worker processes did is counted wherever they ran. They are cached
  for METRICS_CACHE_SECONDS per process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import psutil
from django.conf import settings
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import Metric

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "studio_http_request_duration_seconds",
    "HTTP request latency by route (Django view name).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 180.0),
)

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method if method in _METHODS else "OTHER", route, str(status)).observe(seconds)


# --- this process's CPU and memory, by role (web, task, engine) ----------------------------------
# In multiprocess mode each live process keeps its own value (a `pid` label); a dead process's
# values go with it (gunicorn's child_exit, or the directory cleaned at start).

PROCESS_CPU_SECONDS = Gauge(
    "studio_process_cpu_seconds",
    "CPU time this process has used (user + system).",
    ["role"],
    multiprocess_mode="liveall",
)
PROCESS_RSS_BYTES = Gauge(
    "studio_process_resident_memory_bytes",
    "Resident memory of this process.",
    ["role"],
    multiprocess_mode="liveall",
)
_process_role = "web"
SAMPLE_SECONDS = 5.0


def process_sample(role: str | None = None) -> None:
    """Record this process's CPU time and resident memory under its role (web by default)."""
    global _process_role
    if role is not None:
        _process_role = role
    me = psutil.Process()
    times = me.cpu_times()
    PROCESS_CPU_SECONDS.labels(_process_role).set(times.user + times.system)
    PROCESS_RSS_BYTES.labels(_process_role).set(me.memory_info().rss)


def process_sampling_start(role: str, *, interval: float = SAMPLE_SECONDS) -> None:
    """Sample this process every `interval` seconds from a daemon thread (the engine's and the task
    processes' series stay current between scrapes of the web processes)."""
    process_sample(role)

    def loop() -> None:
        while True:
            time.sleep(interval)
            process_sample()

    threading.Thread(target=loop, name="process-metrics", daemon=True).start()


# --- database-backed collectors ----------------------------------------------------------------

_collectors: list[Callable[[], Iterable[Metric]]] = []
_discovered = False
_lock = threading.Lock()
_cached: tuple[float, bytes] | None = None


def register(func: Callable[[], Iterable[Metric]]):
    """Decorator: a function yielding prometheus_client metric families, run at scrape time."""
    if func not in _collectors:
        _collectors.append(func)
    return func


class _DatabaseCollector:
    def collect(self):
        for func in list(_collectors):
            try:
                yield from func()
            except Exception as exc:  # one broken collector must not blank the scrape
                logger.warning("metrics collector %s failed: %r", func.__name__, exc)


def _database_registry() -> CollectorRegistry:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("metrics")
        _discovered = True
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector())
    return registry


def _dead_processes_mark(folder: str) -> None:
    """Drop the live-only series of processes that are gone (task processes django-q2 recycled, an
    engine that was restarted): no hook tells us when they exit, so each scrape looks."""
    from prometheus_client import multiprocess

    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        if not psutil.pid_exists(pid):
            multiprocess.mark_process_dead(pid, folder)


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        _dead_processes_mark(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def render() -> bytes:
    """The exposition text: this server's processes, then the database figures."""
    global _cached
    process_sample()  # the serving process's own figures are current at every scrape
    with _lock:
        now = time.monotonic()
        if _cached is None or now - _cached[0] >= settings.METRICS_CACHE_SECONDS:
            _cached = (now, generate_latest(_database_registry()))
        database = _cached[1]
    return generate_latest(_process_registry()) + database


def metrics_cache_clear() -> None:
    global _cached
    with _lock:
        _cached = None
