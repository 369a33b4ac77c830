"""Health checks: a small registry that apps contribute to, run for /healthz, the admin banner,
the pre-flight API and `manage.py healthcheck`.

A check is a function that returns a short message when all is well, raises `CheckFailed` with
a sentence an operator can act on when not, or raises `CheckWarning` for a degraded state that
must not take the instance out of service. A required check that fails makes /healthz answer
503; an optional one that fails is reported as `warn` (200). Apps register their checks in their
own `health.py` (imported on first use, so this module imports no app code at import time).

Results are cached for HEALTHZ_CACHE_SECONDS per process, and concurrent callers share one run,
so probes and load balancers cannot overload the database or the providers.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"


class CheckFailed(Exception):
    """The check failed; the message says why, in a sentence, without secrets."""


class CheckWarning(Exception):
    """Degraded but serving: reported as `warn` whatever the check's `required` flag."""


@dataclass(frozen=True)
class Check:
    name: str
    func: Callable[[], str | None]
    required: bool = True
    # Network probes run in threads beside each other; database checks run in the caller's
    # thread (its connection, its transaction in tests).
    concurrent: bool = False
    order: int = 100


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    message: str
    ms: float
    required: bool

    def as_dict(self) -> dict:
        return {"status": self.status, "message": self.message, "ms": self.ms, "required": self.required}


@dataclass(frozen=True)
class HealthReport:
    checks: list[CheckResult]
    checked_at: datetime
    duration_ms: float
    cached: bool = False

    @property
    def is_healthy(self) -> bool:
        return not any(c.status == FAIL for c in self.checks)

    @property
    def status(self) -> str:
        if not self.is_healthy:
            return FAIL
        return WARN if any(c.status == WARN for c in self.checks) else OK

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == WARN]

    def get(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "checked_at": self.checked_at.isoformat(timespec="milliseconds"),
            "duration_ms": self.duration_ms,
            "cached": self.cached,
            "checks": {c.name: c.as_dict() for c in self.checks},
        }


@dataclass
class _Registry:
    checks: dict[str, Check] = field(default_factory=dict)
    # Functions returning checks that depend on settings at run time (one per selected provider).
    factories: list[Callable[[], list[Check]]] = field(default_factory=list)
    discovered: bool = False


_registry = _Registry()
_discover_lock = threading.Lock()


def register(name: str, *, required: bool = True, concurrent: bool = False, order: int = 100):
    """Decorator: `@register("database")` on a function of no arguments."""

    def decorate(func):
        _registry.checks[name] = Check(
            name=name, func=func, required=required, concurrent=concurrent, order=order
        )
        return func

    return decorate


def register_dynamic(factory: Callable[[], list[Check]]):
    """Decorator: a function returning the checks to run now (read on every run)."""
    if factory not in _registry.factories:
        _registry.factories.append(factory)
    return factory


def _discover() -> None:
    if _registry.discovered:
        return
    with _discover_lock:
        if not _registry.discovered:
            from django.utils.module_loading import autodiscover_modules

            autodiscover_modules("health")
            _registry.discovered = True


def registered_checks() -> list[Check]:
    _discover()
    checks = list(_registry.checks.values())
    for factory in _registry.factories:
        try:
            checks.extend(factory())
        except Exception as exc:
            logger.warning("health check factory %s crashed: %r", factory.__name__, exc)
            checks.append(Check(name=factory.__name__, func=_crashed_factory(exc)))
    return sorted(checks, key=lambda c: (c.order, c.name))


def _crashed_factory(exc: Exception):
    def check() -> str:
        raise CheckFailed(f"The checks could not be listed ({type(exc).__name__}).")

    return check


def _run_one(check: Check) -> CheckResult:
    started = time.perf_counter()
    try:
        message = check.func() or "ok"
        status = OK
    except CheckWarning as exc:
        status, message = WARN, str(exc)
    except CheckFailed as exc:
        status, message = (FAIL if check.required else WARN), str(exc)
    except Exception as exc:  # a check must never take the endpoint down with it
        logger.warning("health check %s crashed: %r", check.name, exc, extra={"check": check.name})
        status = FAIL if check.required else WARN
        message = f"The check itself failed ({type(exc).__name__})."
    ms = round((time.perf_counter() - started) * 1000, 1)
    return CheckResult(name=check.name, status=status, message=message, ms=ms, required=check.required)


def _run_in_thread(check: Check) -> CheckResult:
    try:
        return _run_one(check)
    finally:
        connections.close_all()  # this thread's connections, if the check opened any


def run_checks(checks: list[Check] | None = None) -> HealthReport:
    """Run the checks now (no cache). Concurrent ones in threads, bounded by
    HEALTHZ_PROBE_TIMEOUT_SECONDS; the rest in this thread."""
    checks = registered_checks() if checks is None else checks
    started = time.perf_counter()
    results: dict[str, CheckResult] = {}
    parallel = [c for c in checks if c.concurrent]
    pool = ThreadPoolExecutor(max_workers=max(1, min(8, len(parallel))), thread_name_prefix="health")
    try:
        futures = {c.name: pool.submit(_run_in_thread, c) for c in parallel}
        for check in checks:
            if not check.concurrent:
                results[check.name] = _run_one(check)
        deadline = time.monotonic() + settings.HEALTHZ_PROBE_TIMEOUT_SECONDS
        for check in parallel:
            try:
                results[check.name] = futures[check.name].result(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            except FutureTimeout:
                limit = settings.HEALTHZ_PROBE_TIMEOUT_SECONDS
                results[check.name] = CheckResult(
                    name=check.name,
                    status=FAIL if check.required else WARN,
                    message=f"No answer within {limit:g} s.",
                    ms=round(limit * 1000, 1),
                    required=check.required,
                )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    duration = round((time.perf_counter() - started) * 1000, 1)
    return HealthReport(
        checks=[results[c.name] for c in checks], checked_at=datetime.now(UTC), duration_ms=duration
    )


_cache_lock = threading.Lock()
_cached: tuple[float, HealthReport] | None = None


def health_report(*, fresh: bool = False) -> HealthReport:
    """The latest report, at most HEALTHZ_CACHE_SECONDS old; one run at a time per process."""
    global _cached
    max_age = settings.HEALTHZ_CACHE_SECONDS
    with _cache_lock:
        if not fresh and _cached is not None and time.monotonic() - _cached[0] < max_age:
            report = _cached[1]
            return HealthReport(
                checks=report.checks,
                checked_at=report.checked_at,
                duration_ms=report.duration_ms,
                cached=True,
            )
        report = run_checks()
        _cached = (time.monotonic(), report)
        _log_change(report)
        return report


_last_failing: tuple[str, ...] = ()


def _log_change(report: HealthReport) -> None:
    """One line when the set of failing checks changes, not one per probe."""
    global _last_failing
    failing = tuple(c.name for c in report.failing)
    if failing == _last_failing:
        return
    _last_failing = failing
    if failing:
        logger.warning(
            "health: FAIL (%s)",
            "; ".join(f"{c.name}: {c.message}" for c in report.failing),
            extra={"event": "health_fail", "failing": list(failing)},
        )
    else:
        logger.info("health: OK again", extra={"event": "health_ok"})


def health_cache_clear() -> None:
    global _cached
    with _cache_lock:
        _cached = None


# --- the platform's own checks --------------------------------------------------------------


def _output_dir() -> Path:
    path = Path(settings.OUTPUT_DIR)
    while not path.exists() and path != path.parent:
        path = path.parent  # not created yet: the filesystem it will be on
    return path


@register("disk", order=30)
def disk_free() -> str:
    minimum_mb = settings.HEALTHZ_DISK_MIN_FREE_MB
    free_mb = shutil.disk_usage(_output_dir()).free // 2**20
    if free_mb < minimum_mb:
        raise CheckFailed(
            f"Only {free_mb} MB free on OUTPUT_DIR, below HEALTHZ_DISK_MIN_FREE_MB "
            f"({minimum_mb} MB): free space or move OUTPUT_DIR."
        )
    return f"{free_mb} MB free (minimum {minimum_mb} MB)"


@register("storage", order=40)
def storage_writable() -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage, storages

    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        try:
            with default_storage.open(saved, "rb") as handle:
                if handle.read() != b"ok":
                    raise CheckFailed("Storage returned other bytes than were written.")
        finally:
            default_storage.delete(saved)
    except CheckFailed:
        raise
    except Exception as exc:  # OSError locally; the SDK's own errors for S3 and Azure
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        raise CheckFailed(f"Storage is not writable ({detail}).")
    return f"write, read and delete ok ({type(storages['default']).__name__})"


@register("cache", order=50)
def cache_reachable() -> str:
    from django.core.cache import caches

    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        if hasattr(cache, "ping"):  # the resilient Redis cache hides outages from set/get
            cache.ping()
        cache.set(key, "1", 5)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        # Served without it (config/cache.py), so degraded, not down: throttles count nothing.
        raise CheckWarning(
            f"The cache does not answer ({type(exc).__name__}): check CACHE_URL. "
            "Requests are served without it meanwhile."
        )
    if value != "1":
        raise CheckFailed("The cache lost a value it was just given.")
    return type(cache).__name__
