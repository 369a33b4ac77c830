"""Caps on requests that hold a web thread for long, so they can never take all of them.

gunicorn's gthread workers serve WEB_THREADS requests at a time per process. The seed endpoints
wait for their job (up to SEED_ENDPOINT_WAIT_SECONDS) and user-given URLs are fetched in the
request (up to FETCH_TOTAL_TIMEOUT_SECONDS): without a cap, a few of them from ordinary users
hold every thread and /healthz/live queues behind them until the liveness probe kills the pod.

- seed waits: at most SEED_WAIT_MAX_PER_PROCESS per process (default half the threads) and
  SEED_WAIT_MAX_PER_USER per user (default 2; counted in the shared cache, so across processes
  when the cache is Redis, in this process otherwise or while the cache is unreachable);
- URL fetches: at most FETCH_MAX_PER_PROCESS per process (default a quarter of the threads);
- all of them together: at most WEB_THREADS - 1 per process, so one thread is always free for
  health checks and ordinary requests (a fetch inside a seed wait counts once).

Past a cap the request is refused before any work is done (no job is created): 429 `throttled`
with Retry-After (SLOW_REQUESTS_RETRY_AFTER_SECONDS).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache

from config.errors import Throttled

logger = logging.getLogger(__name__)

SEED = "seed"
FETCH = "fetch"

_lock = threading.Lock()
_held: Counter[str] = Counter()  # kind -> requests holding a slot in this process
_threads_held = 0  # threads holding at least one slot
_local_users: Counter[int] = Counter()  # per-user seed waits when the cache cannot count
_local = threading.local()


def _limit(kind: str) -> int:
    return settings.SEED_WAIT_MAX_PER_PROCESS if kind == SEED else settings.FETCH_MAX_PER_PROCESS


def _threads_limit() -> int:
    return max(1, settings.WEB_THREADS - 1)


def _refuse(what: str) -> Throttled:
    retry_after = settings.SLOW_REQUESTS_RETRY_AFTER_SECONDS
    logger.warning("slow request refused: %s", what, extra={"event": "slow_request_refused"})
    return Throttled(
        f"Too many requests are waiting ({what}); try again in {retry_after} s.",
        retry_after_seconds=retry_after,
    )


@contextmanager
def slow_request(kind: str, *, user_id: int | None = None) -> Iterator[None]:
    """Hold one slot of `kind` (SEED or FETCH) for the block; Throttled past a cap."""
    global _threads_held
    depth = getattr(_local, "depth", 0)
    with _lock:
        if _held[kind] >= _limit(kind):
            raise _refuse("the server's limit of waiting requests")
        if depth == 0 and _threads_held >= _threads_limit():
            raise _refuse("the server's limit of waiting requests")
        _held[kind] += 1
        if depth == 0:
            _threads_held += 1
    _local.depth = depth + 1
    held_for_user: tuple[int, str] | None = None  # (user_id, where it was counted)
    try:
        if kind == SEED and user_id is not None:
            held_for_user = (user_id, _user_acquire(user_id))
        yield
    finally:
        if held_for_user is not None:
            _user_release(*held_for_user)
        _local.depth = depth
        with _lock:
            _held[kind] -= 1
            if depth == 0:
                _threads_held -= 1


def _user_acquire(user_id: int) -> str:
    """Count one more seed wait for the user; Throttled past SEED_WAIT_MAX_PER_USER. Returns
    where it was counted ("cache" or "local") for the release."""
    limit = settings.SEED_WAIT_MAX_PER_USER
    key = f"slow:seed:user:{user_id}"
    try:
        # The key outlives the longest wait, so a process killed mid-wait leaks nothing for long.
        cache.add(key, 0, timeout=settings.SEED_ENDPOINT_WAIT_SECONDS + 60)
        count = cache.incr(key)
    except Exception:  # no cache (or it lost the key): count in this process
        count = None
    if count is None:
        with _lock:
            if _local_users[user_id] >= limit:
                raise _refuse("your limit of waiting requests")
            _local_users[user_id] += 1
        return "local"
    if count > limit:
        _cache_decr(key)
        raise _refuse("your limit of waiting requests")
    return "cache"


def _user_release(user_id: int, where: str) -> None:
    if where == "local":
        with _lock:
            _local_users[user_id] -= 1
            if _local_users[user_id] <= 0:
                del _local_users[user_id]
        return
    _cache_decr(f"slow:seed:user:{user_id}")


def _cache_decr(key: str) -> None:
    with suppress(Exception):  # the key expired or the cache is gone: nothing left to release
        cache.decr(key)


def slow_requests_held() -> dict[str, int]:
    """This process's slots in use (for tests and diagnostics)."""
    with _lock:
        return {SEED: _held[SEED], FETCH: _held[FETCH], "threads": _threads_held}
