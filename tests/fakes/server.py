"""A tiny real HTTP server on loopback for provider fakes: routes, request log, JSON helpers."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def json_reply(data, status: int = 200, headers: dict | None = None) -> Reply:
    return Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})


def png_bytes(color=(90, 160, 220), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class _Server(ThreadingHTTPServer):
    # A provider takes bursts of connections (the engine sends many submits at once); the
    # default listen backlog of 5 would reset some of them, which no real provider does.
    request_queue_size = 1024


class FakeServer:
    """Start with `with Fake() as fake:`; `fake.url` is http://127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, object]] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.hang_seconds = 0.0  # > 0: every answer comes this late (client timeouts)
        self.down_until = 0.0  # time.monotonic() until which creates answer 503 (down_for)
        self.down_answers_left = 0  # creates still to answer 503 (down_for_answers)
        self.unavailable_answers = 0  # 503s answered while down
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with outer.lock:
                    outer.requests.append(request)
                if outer.hang_seconds:
                    time.sleep(outer.hang_seconds)
                reply = outer.dispatch(request)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default) per fake.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def down_for(self, seconds: float) -> None:
        """An outage: creates answer 503 (in the provider's error shape) for `seconds`."""
        self.down_until = time.monotonic() + seconds

    def down_for_answers(self, count: int) -> None:
        """An outage counted in answers: the next `count` creates answer 503, whatever the time
        (a test of waiting one out that does not depend on how fast the machine is)."""
        with self.lock:
            self.down_answers_left = count

    def is_down(self) -> bool:
        with self.lock:
            down = time.monotonic() < self.down_until or self.down_answers_left > 0
            if down:
                self.down_answers_left = max(0, self.down_answers_left - 1)
                self.unavailable_answers += 1
        return down

    def route(self, method: str, pattern: str, handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                return handler(request, **match.groupdict())
        return json_reply({"detail": "Not found."}, 404)

    def received(self, method: str, prefix: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
