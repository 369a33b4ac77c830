"""Wake-ups between processes on named channels: PostgreSQL NOTIFY/LISTEN or Redis pub/sub (the
transport EVENT_NOTIFY picks; with `poll` there is none). A wake-up carries nothing: the rows
are the truth and listeners read them, so a lost wake-up only delays. Used by the event streams
(accounts/streams.py) and by the engine's dispatcher (generation/services/wakeups.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import redis
from django.conf import settings
from django.db import connection, connections, transaction

logger = logging.getLogger(__name__)


def _transport() -> str:
    if settings.EVENT_NOTIFY == "postgres" and connections["default"].vendor == "postgresql":
        return "postgres"
    return "redis" if settings.EVENT_NOTIFY == "redis" else ""


def channel_wake(channel: str) -> None:
    """Wake the listeners of `channel` when the current transaction commits (at once outside one).
    NOTIFY is transactional, and folded into one per transaction; a Redis publish is sent after
    the commit, and a failed one is logged, never raised."""
    transport = _transport()
    if transport == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [channel])
    elif transport == "redis":
        transaction.on_commit(partial(_publish, channel))


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.EVENT_REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _publish(channel: str) -> None:
    try:
        _redis().publish(channel, b"")
    except redis.RedisError as exc:  # listeners still read their rows on their own schedule
        logger.warning(
            "wake-up on %s not sent (%s)",
            channel,
            type(exc).__name__,
            extra={"event": "wake_failed", "channel": channel, "error": type(exc).__name__},
        )


async def channel_listen(
    channel: str, on_wake: Callable[[], None], *, on_listening: Callable[[bool], None] = lambda _: None
) -> None:
    """Call `on_wake` for every wake-up on `channel`, until canceled; returns at once when there
    is no transport. `on_wake` is also called once listening starts and after every reconnect
    (a second after a failure), since wake-ups may have been missed meanwhile; `on_listening`
    says whether wake-ups are being received."""
    transport = _transport()
    if not transport:
        return
    listen = _listen_postgres if transport == "postgres" else _listen_redis
    while True:
        try:
            await listen(channel, on_wake, on_listening)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning(
                "wake-ups on %s lost (%s); reconnecting",
                channel,
                type(exc).__name__,
                extra={"event": "listen_failed", "channel": channel, "error": type(exc).__name__},
            )
        on_listening(False)
        on_wake()  # whatever came while we were not listening
        await asyncio.sleep(1)


async def _listen_postgres(
    channel: str, on_wake: Callable[[], None], on_listening: Callable[[bool], None]
) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(**libpq_params(), autocommit=True) as conn:
        await conn.execute(f"LISTEN {channel}")
        on_listening(True)
        on_wake()
        async for _ in conn.notifies():
            on_wake()


async def _listen_redis(
    channel: str, on_wake: Callable[[], None], on_listening: Callable[[bool], None]
) -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(
        settings.EVENT_REDIS_URL, socket_connect_timeout=2, health_check_interval=15
    )
    try:
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            on_listening(True)
            on_wake()
            async for message in pubsub.listen():
                if message["type"] == "message":
                    on_wake()
    finally:
        await client.aclose()


def libpq_params() -> dict[str, Any]:
    """Connection parameters of the default database for a separate psycopg connection."""
    db = settings.DATABASES["default"]
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    params.update(
        {
            k: v
            for k, v in db.get("OPTIONS", {}).items()
            if k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options")
        }
    )
    return {k: v for k, v in params.items() if v is not None}
