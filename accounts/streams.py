"""Live event streams (GET /api/v1/events): Server-Sent Events from the outbox (accounts/events.py).

Each web process has one `EventHub` on its event loop: a single reader of the event table that
hands every new event to the open streams of its user, so a stream costs a queue, not a thread
or a database connection. It reads when woken (PostgreSQL LISTEN/NOTIFY or Redis pub/sub, per
EVENT_NOTIFY) and every EVENT_POLL_SECONDS regardless, so a lost wake-up only delays.

Ids come from a sequence, so a transaction can commit event 11 while event 10 is still
uncommitted. The hub therefore hands out events strictly in id order and stops at a gap until
the missing id commits, or until it is known to be rolled back: on PostgreSQL once every writing
transaction open when the gap was seen has ended (at most GAP_MAX_WAIT_SECONDS), elsewhere after
GAP_WAIT_SECONDS (SQLite serialises writers, so a gap there is a deleted row). `horizon` is the id up to
which everything has been handed out; a replay (Last-Event-ID) reads the log up to it and the
queue takes over after it, so nothing is sent twice or skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection
from django.http import HttpRequest, StreamingHttpResponse

from accounts.channels import channel_listen
from accounts.events import CHANNEL, database_now, event_id_bounds, events_after, writers_open_since

logger = logging.getLogger(__name__)

RETRY_MS = 3000
GAP_WAIT_SECONDS = 5.0
GAP_MAX_WAIT_SECONDS = 60.0
_READ_BATCH = 1000
_QUEUE_MAX = 5000  # a client this far behind is closed; it resumes from the log with Last-Event-ID


def _frame(event_id: int, type_: str, payload: dict) -> bytes:
    data = json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))
    return f"id: {event_id}\nevent: {type_}\ndata: {data}\n\n".encode()


def _reset_frame(event_id: int) -> bytes:
    return f"id: {event_id}\nevent: reset\ndata: {{}}\n\n".encode()


def _is_expired(last_event_id: int, oldest: int | None, newest: int | None) -> bool:
    """An id the log cannot resume from: swept already, or newer than anything written."""
    if newest is None or oldest is None:  # an empty log (both bounds are None then)
        return last_event_id > 0
    return last_event_id > newest or last_event_id < oldest - 1


@dataclass(eq=False)
class _Stream:
    user_id: int
    types: frozenset[str]
    cursor: int  # the last id sent (or skipped as already sent)
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)

    def offer(self, event_id: int, type_: str, frame: bytes) -> None:
        if self.types and type_ not in self.types:
            return
        if self.queue.qsize() >= _QUEUE_MAX:
            self.queue.put_nowait(None)  # closes the stream
        else:
            self.queue.put_nowait((event_id, frame))


class EventHub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.horizon: int | None = None  # None: the log was empty when this hub started
        self._streams: dict[int, set[_Stream]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._gap_since: float | None = None
        self._gap_seen_at = None  # the database's clock when the gap was first seen
        self._gap_writers_gone = False  # no writer that could fill the gap was left at the last check
        # One thread, one database connection, for every read of this process's streams.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-hub")
        self._ready = loop.create_task(self._start())
        self._tasks: list[asyncio.Task] = []

    async def db(self, func, *args, **kwargs):
        def call():
            close_old_connections()
            try:
                return func(*args, **kwargs)
            except Exception:
                connection.close()  # a broken connection is reopened by the next call
                raise

        return await self.loop.run_in_executor(self._executor, call)

    async def _start(self) -> None:
        self.horizon = (await self.db(event_id_bounds))[1]
        if self.horizon is None and connection.vendor == "postgresql":
            self.horizon = 0  # ids before the first one are then gaps, checked like any other
        self._tasks = [self.loop.create_task(self._read_loop()), self.loop.create_task(self._listen())]

    def close(self) -> None:
        """Stop reading and give the database connection back (the loop may be closed already)."""
        for task in self._tasks:
            task.cancel()
        self._executor.submit(connection.close)
        self._executor.shutdown(wait=True)

    def stats(self) -> dict:
        return {
            "streams": sum(map(len, self._streams.values())),
            "users": len(self._streams),
            "horizon": self.horizon,
        }

    async def subscribe(self, *, user_id: int, types: frozenset[str]) -> _Stream:
        await asyncio.shield(self._ready)
        stream = _Stream(user_id=user_id, types=types, cursor=self.horizon or 0)
        self._streams[user_id].add(stream)
        return stream

    def unsubscribe(self, stream: _Stream) -> None:
        streams = self._streams.get(stream.user_id)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self._streams[stream.user_id]

    def wake(self) -> None:
        self._wake.set()

    # --- reading the log -------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=settings.EVENT_POLL_SECONDS)
            self._wake.clear()
            try:
                while await self._read_once():
                    pass
            except Exception:
                logger.warning(
                    "event log read failed; retrying", exc_info=True, extra={"event": "event_read_failed"}
                )
                await asyncio.sleep(1)

    async def _read_once(self) -> bool:
        """Hand out the events after the horizon; True when there may be more to read now."""
        rows = await self.db(events_after, after_id=self.horizon or 0, limit=_READ_BATCH)
        for event_id, user_id, type_, payload in rows:
            # From an empty log, the first event starts the sequence (ids before it were swept).
            if (
                self.horizon is not None
                and event_id != self.horizon + 1
                and not await self._gap_passed(self.horizon)
            ):
                self.loop.call_later(0.02, self._wake.set)  # look again shortly
                return False
            self._gap_since, self._gap_writers_gone = None, False
            self.horizon = event_id
            streams = self._streams.get(user_id)
            if streams:
                frame = _frame(event_id, type_, payload)
                for stream in streams:
                    stream.offer(event_id, type_, frame)
        return len(rows) == _READ_BATCH

    async def _gap_passed(self, horizon: int) -> bool:
        """Whether to skip the ids after `horizon` (the hub's, not None while a gap is judged)."""
        now = time.monotonic()
        if self._gap_since is None:
            self._gap_since, self._gap_seen_at = now, await self.db(database_now)
            return False
        waited = now - self._gap_since
        if connection.vendor == "postgresql":
            if waited < GAP_MAX_WAIT_SECONDS and await self.db(writers_open_since, self._gap_seen_at):
                self._gap_writers_gone = False
                return False
            if not self._gap_writers_gone:
                # The writer may have committed between the read that saw the gap and this check:
                # read once more, after it, before calling the id rolled back.
                self._gap_writers_gone = True
                return False
        elif waited < GAP_WAIT_SECONDS:
            return False
        logger.info(
            "event ids after %s skipped (rolled back)",
            horizon,
            extra={"event": "event_gap_skipped", "event_id": horizon + 1},
        )
        return True

    # --- wake-ups --------------------------------------------------------------------------------

    async def _listen(self) -> None:
        await channel_listen(CHANNEL, self._wake.set)

    # --- one client's stream ---------------------------------------------------------------------

    async def frames(
        self, *, user_id: int, last_event_id: int | None, types: frozenset[str]
    ) -> AsyncIterator[bytes]:
        stream = await self.subscribe(user_id=user_id, types=types)
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            horizon = stream.cursor  # the queue gets every event after it
            if last_event_id is not None:
                oldest, newest = await self.db(event_id_bounds)
                if _is_expired(last_event_id, oldest, newest):
                    yield _reset_frame(horizon)
                else:
                    after = last_event_id
                    while after < horizon:
                        rows = await self.db(events_after, after_id=after, user_id=user_id, up_to_id=horizon)
                        for event_id, _, type_, payload in rows:
                            if not types or type_ in types:
                                yield _frame(event_id, type_, payload)
                        after = rows[-1][0] if len(rows) == 500 else horizon
                    # Already sent by the process the client saw it from, or skipped as a gap here.
                    stream.cursor = max(horizon, last_event_id)
            while True:
                try:
                    item = await asyncio.wait_for(stream.queue.get(), settings.EVENT_HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                if item is None:
                    return
                event_id, frame = item
                if event_id > stream.cursor:
                    stream.cursor = event_id
                    yield frame
        finally:
            self.unsubscribe(stream)


_hubs: dict[asyncio.AbstractEventLoop, EventHub] = {}


def event_hub() -> EventHub:
    """This process's hub (one per event loop: a server has one; tests may start several)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for stale in [other for other in _hubs if other.is_closed()]:
            _hubs.pop(stale).close()
        hub = _hubs[loop] = EventHub(loop)
    return hub


async def _live_frames(**stream) -> AsyncIterator[bytes]:
    async for frame in event_hub().frames(**stream):  # the hub of the loop serving the response
        yield frame


def event_hubs_close() -> None:
    """Close every hub (a server that stopped; tests)."""
    while _hubs:
        _hubs.popitem()[1].close()


def event_frames_now(*, user_id: int, last_event_id: int | None, types: frozenset[str]) -> Iterator[bytes]:
    """Under WSGI (runserver, the test client) a stream would pin a thread for good: send what
    the log holds and end; the browser reconnects after `retry` with its Last-Event-ID."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    if last_event_id is None:
        return
    oldest, newest = event_id_bounds()
    if _is_expired(last_event_id, oldest, newest):
        yield _reset_frame(newest or 0)
        return
    after = last_event_id
    while rows := events_after(after_id=after, user_id=user_id, up_to_id=newest):
        for event_id, _, type_, payload in rows:
            if not types or type_ in types:
                yield _frame(event_id, type_, payload)
        after = rows[-1][0]


def event_stream_response(
    request: HttpRequest, *, user_id: int, last_event_id: int | None, types: frozenset[str]
) -> StreamingHttpResponse:
    frames: AsyncIterator[bytes] | Iterator[bytes]
    if isinstance(request, ASGIRequest):
        frames = _live_frames(user_id=user_id, last_event_id=last_event_id, types=types)
    else:
        frames = event_frames_now(user_id=user_id, last_event_id=last_event_id, types=types)
    response = StreamingHttpResponse(frames, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # proxies (nginx) must not buffer the stream
    return response
