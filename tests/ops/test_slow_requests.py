"""Slow requests cannot starve the web tier: a real gunicorn (deploy/gunicorn.conf.py, one
process of WEB_THREADS=4 threads) with no workers running, so seed requests wait for their job.
The cap's worth of waiting seed requests and a slow URL import hold their threads; the next ones
answer 429 `throttled` with Retry-After, and /healthz/live still answers in under a second."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.subprocess


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _png(color) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), color).save(buffer, "PNG")
    return buffer.getvalue()


class _SlowImageServer:
    """Answers every GET after `delay` seconds (a user-given URL that takes its time)."""

    def __init__(self, delay: float) -> None:
        outer = self
        self.release = threading.Event()
        self.asked = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.asked.set()
                outer.release.wait(delay)
                body = _png((10, 200, 10))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def platform(tmp_path):
    """A migrated SQLite platform served by gunicorn; yields (base URL, {user: token}, env)."""
    slow = _SlowImageServer(delay=15)
    slow.__enter__()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "OUTPUT_DIR": str(tmp_path / "outputs"),
            "DEBUG": "false",
            "SECRET_KEY": "slow-requests-test-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "off",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "4",
            "LOCAL_PROVIDER_DELAY_SECONDS": "120",
            "SEED_ENDPOINT_WAIT_SECONDS": "25",
            "SEED_WAIT_MAX_PER_USER": "1",
            "ALLOWED_FETCH_HOSTS": slow.host,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
            "LOG_LEVEL": "WARNING",
        }
    )
    # Migrated and given its users by one process (a Django start-up fewer than two commands).
    script = (
        "from django.core.management import call_command\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "from accounts.services import user_create\n"
        "from rest_framework_simplejwt.tokens import RefreshToken\n"
        "for name in ('ann', 'ben', 'cho'):\n"
        "    user = user_create(username=name, password='correct horse battery')\n"
        "    print(name, RefreshToken.for_user(user).access_token)\n"
    )
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    tokens = dict(line.split() for line in made.stdout.splitlines() if line.count(" ") == 1)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.asgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        yield base, tokens, slow
    finally:
        slow.__exit__()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _seed_ppl(base: str, token: str, timeout: float = 60) -> httpx.Response:
    files = {
        "input_image_1": ("scene.png", _png((200, 180, 150)), "image/png"),
        "input_image_2": ("product.png", _png((30, 110, 200)), "image/png"),
    }
    return httpx.post(
        f"{base}/api/ppl-gen/generate",
        headers={"Authorization": f"Bearer {token}"},
        data={"prompt": "Put the bottle on the table"},
        files=files,
        timeout=timeout,
    )


def _import(base: str, token: str, url: str, timeout: float = 60) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/images/import",
        headers={"Authorization": f"Bearer {token}"},
        json={"url": url},
        timeout=timeout,
    )


def _jobs(base: str, token: str) -> list:
    answer = httpx.get(f"{base}/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    return answer.json()["results"]


def _wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


def _in_background(call) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def test_waiting_requests_are_capped_and_liveness_still_answers_at_once(platform):
    base, tokens, slow = platform
    ann, ben, cho = tokens["ann"], tokens["ben"], tokens["cho"]

    # The cap's worth of waiting seed requests (WEB_THREADS=4 → 2 per process), from two users.
    waiting = [_in_background(lambda t=t: _seed_ppl(base, t)) for t in (ann, ben)]
    # Both are inside their wait once their jobs exist (the slot is taken before the job is made).
    _wait_for(lambda: all(_jobs(base, t) for t in (ann, ben)))
    assert all(not out for _, out in waiting), [out[0].text for _, out in waiting if out]

    # A third waiting request: over the process's cap → 429 at once, with Retry-After, no job made.
    started = time.monotonic()
    refused = _seed_ppl(base, cho, timeout=10)
    assert time.monotonic() - started < 3
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "throttled" and int(refused.headers["Retry-After"]) > 0
    assert _jobs(base, cho) == []

    # A user's own cap (SEED_WAIT_MAX_PER_USER=1 here): ann's second wait is refused too.
    assert _seed_ppl(base, ann, timeout=10).status_code == 429

    # A slow user-given URL holds a thread too; the next fetch is over FETCH_MAX_PER_PROCESS (1).
    fetching = _in_background(lambda: _import(base, cho, f"http://{slow.host}/slow.png"))
    assert slow.asked.wait(60) and not fetching[1]  # its request reached the slow host: the slot is held
    second = _import(base, ben, f"http://{slow.host}/other.png", timeout=10)
    assert second.status_code == 429 and second.json()["code"] == "throttled", second.text

    # Three of four threads are held: liveness and readiness never queue behind them.
    for _ in range(5):
        started = time.monotonic()
        live = httpx.get(f"{base}/healthz/live", timeout=5)
        assert live.status_code == 200 and time.monotonic() - started < 1.0
    started = time.monotonic()
    ready = httpx.get(f"{base}/healthz", timeout=10)
    assert ready.status_code in (200, 503) and time.monotonic() - started < 5.0

    slow.release.set()  # the fetch finishes; its thread and slot are free again
    fetching[0].join(timeout=30)
    assert fetching[1] and fetching[1][0].status_code == 201, fetching[1]
    for thread, out in waiting:  # no worker ran: the seed waits end in their 504
        thread.join(timeout=60)
        assert out and out[0].status_code == 504
