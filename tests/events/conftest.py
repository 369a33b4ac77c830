"""A real ASGI server (uvicorn, the application gunicorn serves) in a thread of the test
process, and an SSE client that reads a stream in the background."""

from __future__ import annotations

import queue
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from asgiref.sync import SyncToAsync
from django.db import connection, connections
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.streams import event_hubs_close

DEADLINE_SECONDS = 10


class AsgiServer:
    """uvicorn on a free loopback port; stop() is a web-process restart (its hub goes with it)."""

    def __init__(self) -> None:
        from config.asgi import application

        self._server = uvicorn.Server(
            uvicorn.Config(
                application,
                host="127.0.0.1",
                port=0,
                lifespan="off",
                log_level="warning",
                timeout_graceful_shutdown=1,
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "the server did not start"
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(DEADLINE_SECONDS)
        event_hubs_close()
        # The stream requests' shared thread (config.asgi.StreamHandler) keeps its connection.
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@dataclass
class Frame:
    id: int | None
    event: str
    data: str


@dataclass
class SseClient:
    """Reads one stream in a thread; frames() waits for them with a deadline (never sleeps)."""

    url: str
    headers: dict
    received: queue.Queue = field(default_factory=queue.Queue)
    status: int | None = None
    body: bytes = b""
    comments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._opened = threading.Event()
        self._closing = False
        self._client = httpx.Client(timeout=httpx.Timeout(DEADLINE_SECONDS, read=None))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(DEADLINE_SECONDS), "the stream did not open"

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    self.body = response.read()
                    return
                for line in response.iter_lines():
                    if self._closing:
                        return
                    if line.startswith(":"):
                        self.comments.append(line)
                    elif line:
                        name, _, value = line.partition(": ")
                        fields[name] = value
                    elif "event" in fields or "data" in fields:
                        event_id = fields.get("id")
                        self.received.put(
                            Frame(
                                int(event_id) if event_id else None,
                                fields.get("event", "message"),
                                fields.get("data", ""),
                            )
                        )
                        fields = {}
                    else:
                        if "retry" in fields:  # the first frame: subscribed, live events from here
                            self._opened.set()
                        fields = {}
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test or the server
        finally:
            self._opened.set()
            self.received.put(None)

    def frames(self, count: int) -> list[Frame]:
        frames = []
        deadline = time.monotonic() + DEADLINE_SECONDS
        while len(frames) < count:
            frame = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            assert frame is not None, f"the stream ended after {frames}"
            frames.append(frame)
        return frames

    def nothing_more(self, seconds: float = 0.5) -> bool:
        try:
            frame = self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return frame is None

    def close(self) -> None:
        self._closing = True  # seen at the next line (heartbeats come every few tenths of a second)
        self._thread.join(DEADLINE_SECONDS)
        self._client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BACKENDS = ["poll", "postgres", "redis"]
TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    """Each wake-up backend, with the safety-net read far away so only the wake-up delivers."""
    name = request.param
    if name == "postgres" and connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    if name == "redis":
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings.EVENT_REDIS_URL = TEST_REDIS_URL
    settings.EVENT_NOTIFY = name
    settings.EVENT_HEARTBEAT_SECONDS = 0.2
    settings.EVENT_POLL_SECONDS = 0.1 if name == "poll" else 30
    return name


@pytest.fixture
def server(transactional_db, backend):
    started = [AsgiServer()]
    yield started[0]
    started[0].stop()


@pytest.fixture
def open_stream(server):
    clients: list[SseClient] = []

    def open_(user, *, last_event_id=None, query="", base=None) -> SseClient:
        headers = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"} if user else {}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        client = SseClient(f"{(base or server).url}/api/v1/events{query}", headers)
        clients.append(client)
        return client

    yield open_
    for client in clients:
        client.close()
