"""Benchmark of the job engine over real HTTP (gunicorn) and real worker processes (runworkers),
runnable against any checkout, so one script gives the before and after figures.

Two phases, each printing its configuration, every job (none dropped) and each goal beside its
figure:
1. Flow (`local` provider, `--delay` s per job; with `--accept-seconds` a loopback fake BFL
   that takes that long to accept each submit, as real providers do, its tasks ready `--delay`
   s later): `--jobs` goods jobs submitted over HTTP at `--rate`/s, then a backlog kept at
   `--backlog` jobs for `--seconds`. Per job: enqueue → provider submit (created_at → the
   provider's own submit timestamp: the local provider's, or when the create reached the fake),
   ready → noticed (the provider's ready time → the first time the script saw the job leave
   `waiting`, sampled every 50 ms). Then finished jobs per minute with Q_WORKERS=2.
2. In flight (`--inflight` jobs at a fake BFL on loopback whose tasks take 10-180 s, with
   signed webhooks; `--full`: 1,000): the CPU and RSS of the worker processes while every job
   waits at the provider (the engine process alone where there is one), and ready → noticed.

Usage:
  .venv/bin/python benchmarks/engine_bench.py [--checkout DIR] [--broker orm|redis] [--full]
  git worktree add /tmp/engine-before <commit>   # the "before" figures:
  .venv/bin/python benchmarks/engine_bench.py --checkout /tmp/engine-before
Needs PostgreSQL (postgres@127.0.0.1:5432, trust; a fresh database per run, named
`--db-prefix`_<pid>_<time>) and, for `--broker redis`, Redis at 127.0.0.1:6379 (`--redis-db`,
default 1). `--port` and `--fake-port` pin the web server's and the fake provider's ports (on a
shared machine); both default to free ones.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from bench_common import character_png, free_port, pct, served_app
from django.db.models import Q

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOALS = {
    "submit_p50_ms": 50,
    "noticed_p95_s": 2.0,
    "rss_mb": 120,
    "cpu_pct": 10.0,
    "finished_ratio": 2.0,
}


def say(line: str) -> None:
    print(line, flush=True)


def goal(figure: float, limit: float, *, at_least: bool = False) -> str:
    met = figure >= limit if at_least else figure <= limit
    return f"(goal {'≥' if at_least else '≤'} {limit:g}: {'met' if met else 'NOT met'})"


class Platform:
    """gunicorn + runworkers from `checkout`, on a fresh PostgreSQL database."""

    def __init__(self, checkout: Path, args, extra_env: dict[str, str], port: int | None = None) -> None:
        import psycopg

        self.checkout = checkout
        self.name = name = f"{args.db_prefix}_{os.getpid()}_{int(time.time())}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
            "OUTPUT_DIR": f"/tmp/{name}",
            "WORKER_STATE_DIR": f"/tmp/{name}",  # the engine's heartbeat file: this run's own
            "Q_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
            "MAX_PER_USER_QUEUE": "100000",
            "MAX_PER_USER_CONCURRENT": "100000",
            "LOCAL_MAX_CONCURRENT": "5000",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "WEB_THREADS": "4",
            "HTTPS": "off",
            "THROTTLE_JOBS_PER_MINUTE": "0",
            "THROTTLE_UPLOADS_PER_MINUTE": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "Q_BROKER": args.broker,
            **({"REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}"} if args.broker == "redis" else {}),
            **extra_env,
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=checkout, env=self.env, check=True)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from accounts.services import user_create; "
                "user_create(username='bench', password='bench-pass-123')",
            ],
            cwd=checkout,
            env=self.env,
            check=True,
        )
        if args.broker == "redis":
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        quiet = {
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "cwd": checkout,
            "env": self.env,
            "start_new_session": True,
        }
        self.web = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                served_app(checkout),
            ],
            **quiet,
        )
        self.workers = subprocess.Popen([*manage, "runworkers"], **quiet)
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.client = httpx.Client(timeout=60)
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                token = self.client.post(
                    f"{self.base}/auth/token", json={"username": "bench", "password": "bench-pass-123"}
                )
                break
            time.sleep(0.1)
        self.client.headers["Authorization"] = f"Bearer {token.json()['access']}"
        self.image = character_png()
        from django.conf import settings
        from django.db import connections

        connections.close_all()  # this script reads the platform's database from here on
        settings.DATABASES["default"]["NAME"] = name

    def submit(self) -> str:
        response = self.client.post(
            f"{self.base}/jobs/goods",
            data={"goods_type": "mug"},
            files={"character_image": ("c.png", self.image, "image/png")},
        )
        assert response.status_code == 202, response.text
        return response.json()["id"]

    def worker_processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.workers.pid)
        return [root, *root.children(recursive=True)]

    def stop(self) -> None:
        for process in (self.web, self.workers):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.workers):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Watcher(threading.Thread):
    """Samples every 50 ms when each job was first seen past `waiting` (finalizing or ended)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[str, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from generation.models import Job

        while not self.stopped.is_set():
            moved = Job.objects.exclude(status__in=["queued", "running"]).values_list("id", flat=True)
            finalizing = Job.objects.filter(stage="finalizing").values_list("id", flat=True)
            now = time.time()
            for job_id in [*moved, *finalizing]:
                self.seen.setdefault(str(job_id), now)
            time.sleep(0.05)
        connection.close()


def jobs_table(
    ids: list[str], seen: dict[str, float], ready_at, submitted_at=None
) -> tuple[list[float], list[float]]:
    from generation.models import Job

    rows = {
        str(r[0]): r
        for r in Job.objects.filter(pk__in=ids).values_list(
            "id", "status", "created_at", "provider_state", "provider_ref"
        )
    }
    submit_ms, noticed_s = [], []
    say("job                                   status     enqueue→submit ms  ready→noticed s")
    for job_id in ids:
        _, status, created, state, ref = rows[job_id]
        submitted = submitted_at(ref) if submitted_at is not None else (state or {}).get("submitted_at")
        to_submit = (submitted - created.timestamp()) * 1000 if submitted else None
        ready = ready_at(job_id, state or {}, ref)
        noticed = seen[job_id] - ready if ready and job_id in seen else None
        if to_submit is not None:
            submit_ms.append(to_submit)
        if noticed is not None:
            noticed_s.append(max(0.0, noticed))
        say(f"{job_id}  {status:<10} {_fmt(to_submit, '.0f'):>17}  {_fmt(noticed, '.2f'):>15}")
    return submit_ms, noticed_s


def _fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def phase_flow(checkout: Path, args) -> None:
    if args.accept_seconds:
        with AcceptingBfl(args.accept_seconds, args.delay, args.fake_port) as accepting:
            _flow(checkout, args, accepting)
    else:
        _flow(checkout, args, None)


class AcceptingBfl:
    """The loopback fake BFL taking `accept` s to answer each submit (a real provider's create
    takes about a second), each task ready `delay` s after its create was answered. Records when
    each create arrived (the provider submit) and when its task became ready."""

    def __init__(self, accept: float, delay: float, port: int = 0) -> None:
        from tests.fakes import bfl

        self.module = bfl
        self.arrived: dict[str, float] = {}
        self.ready_at: dict[str, float] = {}
        outer = self

        class Fake(bfl.FakeBfl):
            def submit(self, request, model):
                arrived = time.time()
                time.sleep(accept)
                reply = super().submit(request, model)
                if reply.status == 200:
                    tid = json.loads(reply.body)["id"]
                    outer.arrived[tid] = arrived
                    outer.ready_at[tid] = time.time() + delay
                return reply

            def result(self, request):
                tid = request.query.get("id", [""])[0]
                if tid in self.tasks and time.time() < outer.ready_at.get(tid, 0.0):
                    return bfl.json_reply({"id": tid, "status": "Pending", "result": None, "progress": 0.5})
                return super().result(request)

        self.fake = Fake(polls_until_done=1, max_active=100_000)
        _bind(self.fake, port)
        self.fake.httpd.socket.listen(1024)

    def __enter__(self) -> AcceptingBfl:
        self.fake.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.fake.__exit__(*exc)

    def env(self) -> dict[str, str]:
        return {
            "GOODS_PROVIDER": "bfl",
            "BFL_API_BASE": self.fake.url,
            "BFL_API_KEY": self.module.KEY,
            "BFL_MAX_CONCURRENT": "100000",
            "BFL_RESULT_HOSTS": "127.0.0.1",
            "ALLOWED_FETCH_HOSTS": self.fake.url.removeprefix("http://"),
        }


def _flow(checkout: Path, args, accepting: AcceptingBfl | None) -> None:
    provider = (
        f"a fake BFL taking {args.accept_seconds:g} s to accept, tasks ready {args.delay:g} s later"
        if accepting
        else f"local provider ({args.delay:g} s per job)"
    )
    say(
        f"\n== flow: {provider}, {args.jobs} jobs at {args.rate:g}/s, "
        f"then a backlog of {args.backlog} for {args.seconds} s; Q_WORKERS=2, broker {args.broker}, "
        "PostgreSQL"
    )
    env = accepting.env() if accepting else {"LOCAL_PROVIDER_DELAY_SECONDS": str(args.delay)}
    platform = Platform(checkout, args, env, port=args.port)
    from generation.models import Job

    watcher = Watcher()
    watcher.start()
    try:
        ids = []
        for _ in range(args.jobs):
            ids.append(platform.submit())
            time.sleep(1 / args.rate)
        deadline = time.time() + 120 + args.delay
        while _unfinished(ids) and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(0.2)
        if accepting:
            submit_ms, noticed_s = jobs_table(
                ids,
                watcher.seen,
                lambda _id, _state, ref: accepting.ready_at.get(ref),
                submitted_at=accepting.arrived.get,
            )
        else:
            submit_ms, noticed_s = jobs_table(
                ids, watcher.seen, lambda _id, state, _ref: state.get("ready_at")
            )
        say(
            f"enqueue → provider submit ({len(submit_ms)} of {len(ids)} jobs submitted): "
            f"p50 {pct(submit_ms, 0.5):.0f} ms, p95 {pct(submit_ms, 0.95):.0f} ms "
            f"{goal(pct(submit_ms, 0.5), GOALS['submit_p50_ms'])}"
        )
        say(
            f"ready → noticed ({len(noticed_s)} jobs): p50 {pct(noticed_s, 0.5):.2f} s, "
            f"p95 {pct(noticed_s, 0.95):.2f} s {goal(pct(noticed_s, 0.95), GOALS['noticed_p95_s'])}"
        )

        window_start = time.time()
        submitted: list[str] = []
        with ThreadPoolExecutor(4) as pool:
            while time.time() - window_start < args.seconds:
                active = Job.objects.filter(status__in=["queued", "running"]).count()
                submitted += pool.map(lambda _: platform.submit(), range(max(0, args.backlog - active)))
                time.sleep(0.5)
        window = datetime.fromtimestamp(window_start, UTC)
        finished = Job.objects.filter(
            pk__in=submitted, status="succeeded", finished_at__gte=window, finished_at__lte=datetime.now(UTC)
        ).count()
        per_minute = finished * 60 / args.seconds
        say(
            f"throughput: {finished} jobs finished in {args.seconds} s with 2 task processes = "
            f"{per_minute:.0f} jobs/minute (goal ≥ {GOALS['finished_ratio']:g}× before; "
            f"{len(submitted)} submitted in the window)"
        )
    finally:
        watcher.stopped.set()
        platform.stop()


class SlowBfl:
    """The loopback fake BFL (tests/fakes/bfl.py), each task ready 10-180 s after its submit, then
    calling the job's webhook; polls before that answer Pending. `hold`: the 10-180 s of every
    task count from `release()` (when the last job was sent), so all of them wait at once however
    long the submits took on a loaded machine."""

    def __init__(
        self, low: float, high: float, *, keep_alive: bool = False, port: int = 0, hold: bool = False
    ) -> None:
        from tests.fakes import bfl

        self.module = bfl
        self.released = threading.Event()
        self.released_at = 0.0
        if not hold:
            self.released.set()
        outer = self

        def ready(tid: str) -> float:
            if not outer.released.is_set():
                return float("inf")
            start = outer.released_at if hold else time.time()
            return outer.ready_at.setdefault(tid, start + random.uniform(low, high))

        class Fake(bfl.FakeBfl):
            def active(self) -> int:
                return 0  # no cap here (and its count raced with submits on other threads)

            def result(self, request):
                tid = request.query.get("id", [""])[0]
                if tid in self.tasks and time.time() < ready(tid):
                    return bfl.json_reply({"id": tid, "status": "Pending", "result": None, "progress": 0.5})
                return super().result(request)

            def _call_back(self, tid: str) -> None:
                if hold:
                    outer.released.wait()
                time.sleep(max(0.0, ready(tid) - time.time()))
                super()._call_back(tid)

        self.ready_at: dict[str, float] = {}
        self.fake = Fake(polls_until_done=1, max_active=100_000)
        _bind(self.fake, port)
        self.fake.httpd.socket.listen(1024)  # a listen backlog of 5 refuses bursts
        if keep_alive:  # as real providers do; HTTP/1.0 costs the engine a TCP connection per poll
            self.fake.httpd.RequestHandlerClass.protocol_version = "HTTP/1.1"

    def release(self) -> None:
        self.released_at = time.time()
        self.released.set()


def _bind(fake, port: int) -> None:
    """Move a fake (not started yet) from its free port to `port` (0: keep the free one)."""
    if not port:
        return
    handler = fake.httpd.RequestHandlerClass
    fake.httpd.server_close()
    fake.httpd = type(fake.httpd)(("127.0.0.1", port), handler)
    fake.httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{port}"
    fake.thread = threading.Thread(
        target=fake.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )


def phase_inflight(checkout: Path, args) -> None:
    count = 1000 if args.full else args.inflight
    low, high = args.provider_seconds
    say(
        f"\n== in flight: {count} goods jobs at a fake BFL whose tasks take {low:g}–{high:g} s "
        f"(signed webhooks on, polling as the net, connections "
        f"{'kept alive' if args.keep_alive else 'closed after each answer'}"
        f"{'; each task’s time counted from when the last job was sent (--hold)' if args.hold else ''}); "
        "Q_WORKERS=2, "
        f"broker {args.broker}, PostgreSQL"
    )
    slow = SlowBfl(low, high, keep_alive=args.keep_alive, port=args.fake_port, hold=args.hold)
    port = args.port or free_port()
    with slow.fake as fake:
        platform = Platform(
            checkout,
            args,
            {
                "GOODS_PROVIDER": "bfl",
                "BFL_API_BASE": fake.url,
                "BFL_API_KEY": slow.module.KEY,
                "BFL_MAX_CONCURRENT": "100000",
                "BFL_RESULT_HOSTS": "127.0.0.1",
                "ALLOWED_FETCH_HOSTS": fake.url.removeprefix("http://"),
                "BFL_WEBHOOK_SECRET": "bench-secret",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                # Held tasks wait for the submits too (minutes on a loaded machine).
                "JOB_TIMEOUT_SECONDS": str(int(high) + (1800 if args.hold else 120)),
            },
            port=port,
        )
        from generation.models import Job

        watcher = Watcher()
        watcher.start()
        # (jobs at the provider, jobs not sent to it yet, CPU %, RSS MB, 1-min load average)
        samples: list[tuple[int, int, float, float, float]] = []
        sampling = threading.Event()

        def sample() -> None:
            # The processes are looked up at every sample: the engine starts (and names itself)
            # a moment after runworkers, and a process seen once keeps its CPU counter.
            known: dict[int, psutil.Process] = {}
            while not sampling.wait(1.0):
                processes = platform.worker_processes()
                engine = [p for p in processes if _safe(p.name) == "studio-engine"]
                measured = []
                for p in engine or processes:
                    if p.pid not in known:
                        known[p.pid] = p
                        _safe(p.cpu_percent, None)  # starts its counter: 0 this once
                    measured.append(known[p.pid])
                cpu = sum(_safe(p.cpu_percent, None) for p in measured)
                rss = sum(_safe(lambda p=p: p.memory_info().rss) for p in measured) / 2**20
                waiting = Job.objects.filter(stage="waiting").count()
                samples.append((waiting, _unsent(), cpu, rss, os.getloadavg()[0]))
                sample.what = (
                    "engine process" if engine else f"all {len(processes)} worker processes (no engine)"
                )

        sampler = threading.Thread(target=sample, daemon=True)
        try:
            sampler.start()
            with ThreadPoolExecutor(8) as pool:
                ids = list(pool.map(lambda _: platform.submit(), range(count)))
            created = len(samples)  # every job is in the table from this sample on
            if args.hold:
                sent_by = time.time() + 600
                while _unsent() and time.time() < sent_by:
                    time.sleep(0.5)
                slow.release()
            deadline = time.time() + high + 240
            while _unfinished(ids) and time.time() < deadline:
                time.sleep(1)
            sampling.set()
            sampler.join()
            # The CPU window opens once every provider submit has ended: a sample covers the
            # second before it, so the first counted one follows a sample with nothing unsent.
            sent = next((i for i in range(created, len(samples)) if samples[i][1] == 0), len(samples))
            after = samples[sent + 1 :]
            peak = max((n for n, *_ in after), default=0)
            held = [(cpu, load) for n, _, cpu, _, load in after if peak and n >= 0.8 * peak]
            cpu_mean = sum(c for c, _ in held) / max(len(held), 1)
            loads = [load for _, load in held] or [0.0]
            rss_max = max((r for *_, r, _ in samples), default=0.0)
            say(f"all {count} provider submits ended {sent} s into the run; the CPU window starts after that")
            say(
                f"most jobs at the provider at once after the submits: {peak} of {count}; while ≥ 80 % of "
                f"that waited ({len(held)} s, load average {min(loads):.1f}–{max(loads):.1f}): "
                f"{sample.what}: CPU mean {cpu_mean:.1f} % of a core {goal(cpu_mean, GOALS['cpu_pct'])}; "
                f"RSS max over the run {rss_max:.0f} MB {goal(rss_max, GOALS['rss_mb'])}"
            )
            time.sleep(0.2)
            _, noticed_s = jobs_table(ids, watcher.seen, lambda _id, _state, ref: slow.ready_at.get(ref))
            by_status = dict.fromkeys(("succeeded", "failed", "timed_out", "queued", "running"), 0)
            for status in Job.objects.filter(pk__in=ids).values_list("status", flat=True):
                by_status[status] = by_status.get(status, 0) + 1
            say(f"jobs: {by_status}; provider tasks made: {len(fake.tasks)} for {count} jobs")
            polls = sum(1 for r in fake.requests if r.path.endswith("/get_result"))
            say(f"polls answered by the provider: {polls} ({polls / max(count, 1):.2f} per job)")
            say(
                f"ready → noticed ({len(noticed_s)} jobs): p50 {pct(noticed_s, 0.5):.2f} s, "
                f"p95 {pct(noticed_s, 0.95):.2f} s {goal(pct(noticed_s, 0.95), GOALS['noticed_p95_s'])}"
            )
        finally:
            sampling.set()
            watcher.stopped.set()
            platform.stop()


def _unsent() -> int:
    from generation.models import Job

    return Job.objects.filter(
        Q(status="queued") | Q(status="running", stage__in=["", "pending", "submitting"])
    ).count()


def _unfinished(ids: list[str]) -> bool:
    from generation.models import Job

    return Job.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists()


def _safe(fn, *args) -> float:
    try:
        return fn(*args)
    except psutil.Error:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the tree whose platform runs")
    parser.add_argument("--broker", choices=["orm", "redis"], default="orm")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the web server's port (default: a free one)")
    parser.add_argument(
        "--fake-port", type=int, default=0, help="the fake provider's port (default: a free one)"
    )
    parser.add_argument(
        "--db-prefix",
        default="engine_bench",
        help="each run's PostgreSQL database is named PREFIX_<pid>_<time>",
    )
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BENCH_JOBS", 60)))
    parser.add_argument("--rate", type=float, default=5.0, help="jobs per second in the flow phase")
    parser.add_argument("--delay", type=float, default=5.0, help="provider seconds per job (flow phase)")
    parser.add_argument(
        "--accept-seconds",
        type=float,
        default=0.0,
        help="flow phase at a fake BFL taking this long to accept each submit (default: local provider)",
    )
    parser.add_argument("--backlog", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 60)))
    parser.add_argument("--inflight", type=int, default=int(os.environ.get("BENCH_INFLIGHT", 200)))
    parser.add_argument("--provider-seconds", type=float, nargs=2, default=(10.0, 180.0))
    parser.add_argument("--full", action="store_true", help="1,000 jobs in flight")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="the in-flight phase's fake BFL keeps connections alive (HTTP/1.1), as real providers do",
    )
    parser.add_argument(
        "--hold",
        action="store_true",
        help="in flight: each task's 10-180 s count from when the last job was sent (all wait at once)",
    )
    parser.add_argument("--skip", choices=["flow", "inflight"], action="append", default=[])
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=args.checkout, capture_output=True, text=True
    ).stdout.strip()
    say(
        f"engine_bench: checkout {args.checkout} at {commit}; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.1f}; broker {args.broker}; Q_WORKERS=2"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
    import django

    django.setup()
    if "flow" not in args.skip:
        phase_flow(args.checkout, args)
    if "inflight" not in args.skip:
        phase_inflight(args.checkout, args)


if __name__ == "__main__":
    main()
