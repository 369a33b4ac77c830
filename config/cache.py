"""The shared cache (Redis when CACHE_URL says so) never required for a correct answer.

`ResilientRedisCache` is Django's RedisCache with every operation made best-effort: when Redis
cannot be reached (refused, reset, timed out), a read is a miss, a write is dropped, `add` says
it did not add and `incr` says the key is missing, so every caller falls back to the database
or to computing the value, and a throttle or failure counter counts nothing (fails open) instead
of failing the request. One warning is logged when the cache goes away and one info line when it
is back; while it is away, calls skip Redis for CACHE_RETRY_SECONDS after each failure, so a
stopped server costs a request nothing and a black-holed one costs at most one short connect
timeout (CACHE_TIMEOUT_SECONDS) per process per retry period.

`ping()` talks to Redis whatever the state and raises: the health check's way to tell the truth.

One Redis client (and connection pool) per process and server: Django keeps its cache objects in
a context-local, and the WSGI pool of config/asgi.py runs each request in a fresh context, so a
client per cache object opened a new connection (a TCP connect and a HELLO) for every request
(benchmarks/api_bench.py). redis-py's pool is thread-safe and starts over in a forked child.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Errors that mean "the cache is not there", not "the call was wrong".
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)

_MISSING = object()


class _Breaker:
    """Per process and server: skip the cache for a while after it failed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.is_down = False

    def open(self, retry_seconds: float, location: str, exc: BaseException) -> None:
        with self.lock:
            self.down_until = time.monotonic() + retry_seconds
            if not self.is_down:
                self.is_down = True
                logger.warning(
                    "cache unreachable (%s); serving without it",
                    type(exc).__name__,
                    extra={"event": "cache_down", "error": type(exc).__name__},
                )

    def close(self) -> None:
        if self.is_down:
            with self.lock:
                if self.is_down:
                    self.is_down = False
                    logger.info("cache reachable again", extra={"event": "cache_up"})

    def skipping(self) -> bool:
        return self.is_down and time.monotonic() < self.down_until


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


class _SharedRedisCacheClient(RedisCacheClient):
    """Django's client, keeping its redis-py clients (Django makes one per call; they are
    thread-safe and take a connection from the pool only while a command runs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._redis_clients.get(index)
        if client is None:
            client = self._redis_clients[index] = super().get_client(key, write=write)
        return client


_clients: dict[tuple, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5.0))
        timeout = float(options.pop("SOCKET_TIMEOUT", 1.0))
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = _breaker(self._location)
        self._client_servers: list[str] = self._servers  # type: ignore[attr-defined]
        self._client_options: dict[str, Any] = self._options  # type: ignore[attr-defined]
        self._client_key = (tuple(self._client_servers), repr(sorted(self._client_options.items())))

    @property
    def _cache(self) -> RedisCacheClient:  # Django's: a cached_property per cache object
        key = self._client_key
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.get(key)
                if client is None:
                    client = _clients[key] = _SharedRedisCacheClient(
                        self._client_servers, **self._client_options
                    )
                    client.get_client(write=True)  # its pool made once, not by racing threads
        return client

    def _try(self, call: Callable[[], Any], fallback: Any) -> Any:
        if self._breaker.skipping():
            return fallback() if callable(fallback) else fallback
        try:
            value = call()
        except UNREACHABLE as exc:
            self._breaker.open(self.retry_seconds, self._location, exc)
            return fallback() if callable(fallback) else fallback
        self._breaker.close()
        return value

    @property
    def is_reachable(self) -> bool:
        """False while the last call failed (within the retry period)."""
        return not self._breaker.skipping()

    def ping(self) -> None:
        """Raise unless Redis answers now (for the health check)."""
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as exc:
            self._breaker.open(self.retry_seconds, self._location, exc)
            raise
        self._breaker.close()

    def get(self, key, default=None, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), lambda: list(data)
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._try(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        self._try(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def incr(self, key, delta=1, version=None):
        value = self._try(lambda: super(ResilientRedisCache, self).incr(key, delta, version), _MISSING)
        if value is _MISSING:  # as for a key that is not there: callers already handle that
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return value

    def clear(self):
        return self._try(lambda: super(ResilientRedisCache, self).clear(), False)
