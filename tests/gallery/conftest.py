"""Gallery fixtures: images made through the real service, and real HTTP servers on loopback
standing in for remote hosts."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from gallery.imaging import image_prepare_output
from gallery.models import Image
from gallery.services import image_create
from tests.conftest import png_bytes


@pytest.fixture
def make_image(db):
    """An image with real files (original and thumbnail) in the test storage."""

    def make(
        owner,
        *,
        source="upload",
        age=timedelta(0),
        trashed_for=None,
        size=(64, 48),
        color=(40, 120, 200),
        job_id=None,
    ) -> Image:
        prepared = image_prepare_output(png_bytes(size, color), fmt="png")
        image = image_create(owner=owner, prepared=prepared, source=source, job_id=job_id)
        now = timezone.now()
        updates = {"created_at": now - age}
        if trashed_for is not None:
            updates["deleted_at"] = now - trashed_for
        Image.objects.filter(pk=image.pk).update(**updates)
        image.refresh_from_db()
        return image

    return make


def image_rows(owner, count: int, *, start=None, trashed: bool = False, source="ppl") -> list[Image]:
    """Many rows at once, without files (for list and paging tests: lists never open files)."""
    start = start or timezone.now()
    rows = [
        Image(
            owner=owner,
            file=f"images/x/{owner.pk}-{i}.png",
            thumbnail=f"thumbs/x/{owner.pk}-{i}.webp",
            width=10,
            height=10,
            format="png",
            size_bytes=1000,
            thumbnail_bytes=100,
            sha256="0" * 64,
            source=source,
            created_at=start - timedelta(minutes=i),
            deleted_at=start if trashed else None,
        )
        for i in range(count)
    ]
    return Image.objects.bulk_create(rows)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        server = self.server
        server.requests.append({"path": self.path, "host": self.headers.get("Host")})
        route = server.routes.get(self.path.split("?")[0])
        if route is None:
            self._send(404, {}, b"not here")
            return
        if callable(route):
            route(self)
            return
        status, headers, body = route
        self._send(status, headers, body)

    def _send(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class FakeHost:
    """A real HTTP server on 127.0.0.1 with fixed routes; records what it was asked."""

    def __init__(self, routes: dict):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.routes = routes
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[dict]:
        return self.server.requests

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_host():
    hosts: list[FakeHost] = []

    def start(routes: dict | None = None) -> FakeHost:
        host = FakeHost(routes or {})
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop()


def png_route(data: bytes | None = None):
    return 200, {"Content-Type": "image/png"}, data if data is not None else png_bytes((200, 150))


def redirect_route(location: str, status: int = 302):
    return status, {"Location": location}, b""


def drip_route(chunks: int, delay: float, chunk: bytes = b"x" * 10):
    """A body sent slowly, in chunked encoding."""

    def handle(request):
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        try:
            for _ in range(chunks):
                request.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                request.wfile.flush()
                time.sleep(delay)
            request.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    return handle
