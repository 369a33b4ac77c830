"""Benchmark of the live event streams (GET /api/v1/events) and of the API under ASGI.

One web process (gunicorn, WEB_CONCURRENCY=1, deploy/gunicorn.conf.py) on a scratch database:

1. API latency: GET /api/v1/jobs/{id} and GET /api/v1/jobs at a fixed request rate (open loop),
   p50/p95, for each way of serving it: `wsgi` (gthread, as before), `asgi` (what the platform
   runs: uvicorn worker, config.asgi: the API on a WSGI thread pool, streams async) and
   `django-asgi` (Django's ASGI handler for everything, for comparison).
2. Streams (served by `asgi`): --streams open streams (users x streams each); the web process's
   RSS and CPU at rest and while --rate job events a second are committed (event_publish, one
   transaction each, from this process); latency from each commit to its arrival at every client
   that should get it, p50/p95/max.

--backend poll (SQLite, a read of the table every EVENT_POLL_SECONDS), postgres (LISTEN/NOTIFY) or
redis (PostgreSQL + Redis pub/sub, --redis). The scratch database is dropped at the end.

Usage:
    .venv/bin/python benchmarks/events_bench.py --backend postgres [--streams 1000] [--rate 100]
        [--seconds 20] [--api-rate 10] [--rounds 3] [--server postgres://postgres@127.0.0.1:5432]
        [--redis redis://127.0.0.1:6379/5] [--port 18510] [--skip-api] [--skip-streams]
    (--streams 10000 for the goal; raise `ulimit -n` first.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from bench_common import free_port, pct

ROOT = Path(__file__).resolve().parents[1]
DB = "events_bench"
SERVE = {
    "wsgi": (["-k", "gthread"], "config.wsgi:application"),
    "asgi": (["-k", "uvicorn_worker.UvicornWorker"], "config.asgi:application"),
    "django-asgi": (["-k", "uvicorn_worker.UvicornWorker"], "django.core.asgi:get_asgi_application()"),
}


def database_url(args, tmp: Path) -> str:
    if args.backend == "poll":
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    return f"{args.server}/{DB}"


def prepare(args, tmp: Path, env: dict) -> tuple[list[str], str, list[str]]:
    """Migrate, and make the users: the API user's 50 jobs, the stream users' tokens."""
    if args.backend != "poll":
        import psycopg

        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from tests.factories import JobFactory

    api_user = User.objects.create(username="bench-api")
    jobs = [JobFactory(user=api_user, succeeded=True) for _ in range(40)]
    jobs += [JobFactory(user=api_user) for _ in range(3)] + [JobFactory(user=api_user, running=True)]
    users = User.objects.bulk_create([User(username=f"bench-{n}") for n in range(args.users)])
    tokens = [str(RefreshToken.for_user(user).access_token) for user in users]
    return tokens, str(RefreshToken.for_user(api_user).access_token), [str(job.id) for job in jobs]


class Web:
    """One gunicorn web process (master + one worker)."""

    def __init__(self, mode: str, env: dict, port: int, tmp: Path) -> None:
        flags, app = SERVE[mode]
        self.base = f"http://127.0.0.1:{port}"
        self.log = tmp / f"web-{mode}.log"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            *flags,
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ]
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=sink, stderr=sink, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz/live", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        self.worker = psutil.Process(self.process.pid).children()[0]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        try:
            self.process.wait(40)  # open streams hold a graceful stop for WEB_GRACEFUL_TIMEOUT (30 s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


# --- 1. API latency at a fixed rate ------------------------------------------------------------


async def api_latency(base: str, token: str, job_ids: list[str], rate: float, seconds: float) -> dict:
    """Latencies (ms) of each kind of request, sent at `rate` a second whatever the answers' pace."""
    headers = {"Authorization": f"Bearer {token}"}
    paths = {"detail": [f"/api/v1/jobs/{job_id}" for job_id in job_ids], "list": ["/api/v1/jobs?size=20"]}
    timings: dict[str, list[float]] = {"detail": [], "list": []}
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def one(kind: str, path: str) -> None:
            nonlocal errors
            started = time.perf_counter()
            response = await client.get(path)
            if response.status_code != 200:
                errors += 1
            timings[kind].append((time.perf_counter() - started) * 1000)

        for warm in paths["detail"][:5] + paths["list"]:
            await client.get(warm)
        tasks, n, start = [], 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:  # open loop: a request every 1/rate s
            kind = "list" if n % 2 else "detail"
            tasks.append(asyncio.create_task(one(kind, paths[kind][n % len(paths[kind])])))
            n += 1
            await asyncio.sleep(max(0.0, n / rate - elapsed))
        await asyncio.gather(*tasks)
    return timings | {"errors": errors}


# --- 2. Streams ----------------------------------------------------------------------------------


class Streams:
    """Many SSE clients on raw asyncio sockets (cheap enough for 10,000 in this process)."""

    def __init__(self, port: int, tokens: list[str], per_user: int) -> None:
        self.port, self.tokens, self.per_user = port, tokens, per_user
        self.arrivals: dict[int, list[float]] = {}
        self.open = 0
        self.failed = 0
        self.error = ""
        self._writers: list[asyncio.StreamWriter] = []

    async def connect_all(self) -> None:
        semaphore = asyncio.Semaphore(100)

        async def one(token: str) -> None:
            async with semaphore:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.write(
                        f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        f"{token}\r\nAccept: text/event-stream\r\n\r\n".encode()
                    )
                    await writer.drain()
                    status = await reader.readline()
                    if b" 200 " not in status:
                        raise ConnectionError(status)
                    while (await reader.readline()).strip():  # headers
                        pass
                    while not (await reader.readline()).startswith(b"retry"):  # chunk size lines
                        pass
                except (OSError, ConnectionError) as exc:
                    self.failed += 1
                    self.error = repr(exc)
                    return
                self._writers.append(writer)
                self.open += 1
            asyncio.get_running_loop().create_task(self._read(reader))

        await asyncio.gather(*(one(token) for token in self.tokens for _ in range(self.per_user)))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while line := await reader.readline():
                if line.startswith(b"id: "):
                    self.arrivals.setdefault(int(line[4:]), []).append(time.time())

    def close(self) -> None:
        for writer in self._writers:
            writer.close()


def publish_at(rate: float, seconds: float, user_ids: list[int], commits: dict[int, float]) -> None:
    """`rate` job events a second, each its own transaction, round robin over the users."""
    from django.db import transaction

    from accounts.events import event_publish

    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        user_id = user_ids[n % len(user_ids)]
        with transaction.atomic():
            event = event_publish(
                user_id=user_id,
                type="job.stage",
                object_type="job",
                object_id=f"bench-{n}",
                payload={
                    "id": f"bench-{n}",
                    "kind": "goods",
                    "status": "running",
                    "stage": "waiting",
                    "progress": n % 100,
                },
            )
        commits[event.id] = time.time()
        n += 1
        time.sleep(max(0.0, n / rate - (time.perf_counter() - start)))


def usage(worker: psutil.Process, seconds: float) -> tuple[float, float]:
    """(RSS MiB, CPU % of one core) of the worker over `seconds`."""
    before = worker.cpu_times()
    time.sleep(seconds)
    after = worker.cpu_times()
    cpu = (after.user + after.system - before.user - before.system) / seconds * 100
    return worker.memory_info().rss / 2**20, cpu


def run_streams(args, web: Web, tokens: list[str]) -> None:
    from accounts.models import User

    per_user = max(1, args.streams // len(tokens))
    streams = Streams(int(web.base.rsplit(":", 1)[1]), tokens, per_user)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    rss_idle, _ = usage(web.worker, 0.5)
    started = time.perf_counter()
    asyncio.run_coroutine_threadsafe(streams.connect_all(), loop).result()
    print(
        f"  {streams.open:,} streams open in {time.perf_counter() - started:.1f} s ({len(tokens)} users "
        f"x {per_user}; {streams.failed} failed {streams.error}); worker RSS before: {rss_idle:.0f} MiB"
    )
    time.sleep(2)
    rss, cpu = usage(web.worker, 10)
    print(f"  at rest:  RSS {rss:.0f} MiB, CPU {cpu:.1f} % of a core (heartbeats only)")
    user_ids = list(
        User.objects.filter(username__startswith="bench-")
        .exclude(username="bench-api")
        .order_by("id")
        .values_list("id", flat=True)
    )
    commits: dict[int, float] = {}
    # Four publishers (a quarter of the rate each), so a slow commit does not hold the others up.
    quarter = args.rate / 4
    publishers = [
        threading.Thread(target=publish_at, args=(quarter, args.seconds, user_ids[n::4], commits))
        for n in range(4)
    ]
    for publisher in publishers:
        publisher.start()
    time.sleep(min(3, args.seconds / 3))
    rss, cpu = usage(web.worker, max(1, args.seconds - 6))
    for publisher in publishers:
        publisher.join()
    time.sleep(2)  # the last events arrive
    print(
        f"  {len(commits) / args.seconds:.0f} job events/s committed (asked {args.rate:g}): "
        f"RSS {rss:.0f} MiB, CPU {cpu:.1f} % of a core"
    )
    latencies = [
        (arrival - commits[event_id]) * 1000
        for event_id, arrivals in streams.arrivals.items()
        if event_id in commits
        for arrival in arrivals
    ]
    expected = len(commits) * per_user
    print(
        f"  commit -> client latency over {len(latencies):,} deliveries (expected {expected:,}): "
        f"p50 {pct(latencies, 0.5):.1f} ms, p95 {pct(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
    )
    loop.call_soon_threadsafe(streams.close)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["poll", "postgres", "redis"], default="postgres")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--api-rate", type=float, default=10)
    parser.add_argument("--api-seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-streams", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="studio-events-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(args, tmp),
        "HTTPS": "off",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "4",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "events-bench-key-" + "x" * 40,
        "OUTPUT_DIR": str(tmp / "outputs"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
        "WORKER_STATE_DIR": str(tmp),
        "EVENT_NOTIFY": args.backend,
        "EVENT_REDIS_URL": args.redis,
        "WEB_MAX_REQUESTS": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    (tmp / "prom").mkdir()
    try:
        tokens, api_token, job_ids = prepare(args, tmp, env)
        port = args.port or free_port()
        print(
            f"events_bench: backend {args.backend}, one web process, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        if not args.skip_api:
            print(
                f"API latency at {args.api_rate:g} requests/s for {args.api_seconds:g} s "
                "(half GET /api/v1/jobs/{id}, half GET /api/v1/jobs?size=20), p50 / p95 ms:"
            )
            timings = {mode: {"detail": [], "list": [], "errors": 0} for mode in SERVE}
            for _ in range(args.rounds):  # interleaved, so a busy moment of the machine hits each mode
                for mode in SERVE:
                    web = Web(mode, env, port, tmp)
                    try:
                        figures = asyncio.run(
                            api_latency(
                                web.base, api_token, job_ids, args.api_rate, args.api_seconds / args.rounds
                            )
                        )
                    finally:
                        web.stop()
                    for key in ("detail", "list"):
                        timings[mode][key] += figures[key]
                    timings[mode]["errors"] += figures["errors"]
            for mode, figures in timings.items():
                detail, listing = figures["detail"], figures["list"]
                print(
                    f"  {mode:12} detail {pct(detail, 0.5):6.1f} / {pct(detail, 0.95):6.1f}   list "
                    f"{pct(listing, 0.5):6.1f} / {pct(listing, 0.95):6.1f}   errors {figures['errors']}"
                )
        if not args.skip_streams:
            print(f"Streams ({args.backend}), served by asgi:")
            web = Web("asgi", env, port, tmp)
            try:
                run_streams(args, web, tokens)
            finally:
                web.stop()
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.backend != "poll":
            import psycopg

            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
