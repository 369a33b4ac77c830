"""Exactly one paid provider call per job while workers are killed (kill -9) and restarted.

A loopback fake of BFL (tests/fakes/bfl.py, the real contract) counts every submit by the job
it belongs to, and takes `--accept-seconds` to accept one (a real provider is not instant), with
a listen backlog of 1,024. Goods jobs are submitted over HTTP to gunicorn while a chaos loop,
every few seconds, waits for a submit to be under way and then kills one process of
`runworkers` with SIGKILL, kills the whole tree with SIGKILL, or (once a minute) stops it with
SIGTERM, and starts it again. The engine process sends the jobs to the provider while it holds
its lease, so a single kill aimed at a submit under way hits the engine half the time (one of
the other processes otherwise: a task process, a django-q2 helper). `--broker redis` (the
broker that drops a task whose worker dies) or `orm`. After the chaos, one clean `runworkers`
drains what is left.

Prints: jobs by final status and error code, jobs never ended, provider submits per job, jobs
paid for without a result, and how long the last jobs took to end after the last kill. FAIL on
any job submitted twice, any job never ended, or any job paid for that ended without its image.

Usage: .venv/bin/python benchmarks/chaos_bench.py [--jobs 500] [--seconds 120] [--accept-seconds 1]
    [--broker redis|orm] [--database NAME] [--redis-db N] [--port N] [--sigterm-only]
A kill -9 of the engine during a provider call loses that call's answer. With webhooks (on
unless `--no-webhooks`: PUBLIC_BASE_URL and BFL_WEBHOOK_SECRET set) the submit's callback URL
names the job, so BFL's signed callback stores the reference and the result and the job
succeeds; the reconciler waits WEBHOOK_RECOVERY_SECONDS for it. Without one, BFL (a second
submit is paid again) ends such a job `submit_interrupted`, paid without a result, which this
script counts as FAIL. `--sigterm-only` stops the workers the way Kubernetes does, where the
engine's grace period lets every call under way answer.
Needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psutil
from bench_common import character_png, free_port, served_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import bfl  # noqa: E402  (the fake provider speaks BFL's contract)

DB = "studio_chaos_bench"
MARK = re.compile(r"chaos-(\d+)\b")


class CountingBfl(bfl.FakeBfl):
    """The BFL fake, recording which job each paid submit belongs to (by a mark in its prompt)."""

    def __init__(self, *, accept_seconds: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.accept_seconds = accept_seconds
        self.in_submit = 0  # submits being accepted right now (the window kills aim at)
        self.paid: collections.Counter[int] = collections.Counter()
        self.submit_lock = threading.Lock()
        self.httpd.handle_error = lambda request, address: None  # clients killed mid-request
        self.httpd.socket.listen(1024)  # the default backlog of 5 refuses connections under load

    def submit(self, request, model):
        with self.submit_lock:
            self.in_submit += 1
        time.sleep(self.accept_seconds)  # the provider takes its time to accept (and bill)
        with self.submit_lock:  # the fake's id generator is not thread-safe
            self.in_submit -= 1
            reply = super().submit(request, model)
            if reply.status == 200:
                mark = MARK.search(request.json().get("prompt", ""))
                self.paid[int(mark.group(1)) if mark else -1] += 1
            return reply


class Cluster:
    """`manage.py runworkers` in its own session, so that the whole tree can be killed."""

    def __init__(self, env: dict, fake: CountingBfl) -> None:
        self.env = env
        self.fake = fake
        self.process: subprocess.Popen | None = None
        self.events: collections.Counter[str] = collections.Counter()
        self.mid_submit: collections.Counter[str] = collections.Counter()  # kills with a submit under way
        self.last_kill = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runworkers"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def children(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def _note_kill(self, what: str) -> None:
        if self.fake.in_submit:
            self.mid_submit[what] += 1

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.last_kill = time.monotonic()

    def kill_one(self) -> None:
        children = self.children()
        if not children:
            self.events["restart (cluster had died)"] += 1
            self.kill_all()
            self.start()
            return
        engines = [child for child in children if _is_engine(child)]
        # Submits happen in the engine: aim half the single kills at it, the rest anywhere else.
        if engines and random.random() < 0.5:
            victim, what = engines[0], "engine"
        else:
            victim = random.choice([child for child in children if child not in engines] or children)
            what = "engine" if victim in engines else "another process"
        self._note_kill(f"SIGKILL {what}")
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.kill()
        self.last_kill = time.monotonic()
        self.events[f"SIGKILL {what}"] += 1
        time.sleep(3)
        # django-q2 replaces a dead task process; a dead sentinel, monitor or pusher leaves a
        # cluster that no longer works, which an orchestrator's liveness probe would restart.
        if self.process.poll() is not None or len(self.children()) < 6:
            self.events["restart after a helper process died"] += 1
            self.kill_all()
            self.start()

    def kill_cluster(self) -> None:
        self._note_kill("SIGKILL whole tree")
        self.kill_all()
        self.events["SIGKILL whole cluster + restart"] += 1
        self.start()

    def term_cluster(self) -> None:
        self._note_kill("SIGTERM")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.events["SIGTERM not honoured in 30 s, SIGKILL"] += 1
        self.kill_all()  # whatever is left of the tree
        self.events["SIGTERM + restart"] += 1
        self.start()


def _is_engine(process: psutil.Process) -> bool:
    """The engine process (`studio-engine` in ps, multiprocessing's child named "engine")."""
    with contextlib.suppress(psutil.Error):
        return process.name() == "studio-engine"
    return False


def platform_up(
    *,
    db: str,
    polls: int,
    redis_db: int,
    extra_env: dict | None = None,
    accept_seconds: float = 0.0,
    broker: str = "redis",
    port: int | None = None,
    webhooks: bool = True,
):
    """A fresh PostgreSQL database, the counting BFL fake, gunicorn and one worker cluster on
    `broker`; returns (fake, env, web process, cluster, signed-in HTTP client)."""
    for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    subprocess.run(["redis-cli", "-n", str(redis_db), "flushdb"], check=True, capture_output=True)
    tmp = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    fake = CountingBfl(polls_until_done=polls, max_active=100_000, accept_seconds=accept_seconds).__enter__()
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "Q_BROKER": broker,
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "OUTPUT_DIR": str(tmp / "outputs"),
        "GOODS_PROVIDER": "bfl",
        "BFL_API_BASE": fake.url,
        "BFL_API_KEY": bfl.KEY,
        "BFL_MAX_CONCURRENT": "200",
        "Q_WORKERS": "2",
        "BFL_RESULT_HOSTS": "127.0.0.1",
        "ALLOWED_FETCH_HOSTS": fake.url.removeprefix("http://"),
        "Q_TIMEOUT": "30",
        "Q_RETRY": "100",
        "ENGINE_STAGE_GRACE_SECONDS": "10",
        "JOB_TIMEOUT_SECONDS": "1800",
        "LOG_LEVEL": "WARNING",
        "MAX_PER_USER_QUEUE": "100000",
        "MAX_PER_USER_CONCURRENT": "100000",
        "HOST": "127.0.0.1",
        "HTTPS": "off",
        "THROTTLE_JOBS_PER_MINUTE": "0",
        "THROTTLE_UPLOADS_PER_MINUTE": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "4",
        "WORKER_STATE_DIR": str(tmp),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
        "SECRET_KEY": "bench-key-" + "x" * 40,
        # Webhooks on: each submit names its job in the callback URL, so a submit whose answer a
        # kill -9 lost is still matched to its job when BFL calls back (gunicorn is never killed).
        **(
            {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "BFL_WEBHOOK_SECRET": bfl.WEBHOOK_SECRET}
            if webhooks
            else {}
        ),
        **(extra_env or {}),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from accounts.services import user_create; user_create(username='bench', "
            "password='bench-pass-123')",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", served_app(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cluster = Cluster(env, fake)
    cluster.start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    for _ in range(200):
        with contextlib.suppress(httpx.TransportError):
            token = client.post(
                "/api/v1/auth/token", json={"username": "bench", "password": "bench-pass-123"}
            ).json()["access"]
            break
        time.sleep(0.1)
    client.headers["Authorization"] = f"Bearer {token}"
    return fake, env, web, cluster, client


def django_setup(env: dict) -> None:
    """Read the benchmark's database from this process too."""
    for name in ("DATABASE_URL", "OUTPUT_DIR", "Q_BROKER", "REDIS_URL", "SECRET_KEY"):
        os.environ[name] = env[name]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def platform_down(fake, web, cluster) -> None:
    cluster.kill_all()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(web.pid, signal.SIGTERM)
    web.wait(timeout=30)
    fake.__exit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=120, help="how long the chaos lasts")
    parser.add_argument("--min-gap", type=float, default=5.0)
    parser.add_argument("--max-gap", type=float, default=20.0)
    parser.add_argument("--polls", type=int, default=4, help="fake BFL polls before a task is Ready")
    parser.add_argument(
        "--accept-seconds", type=float, default=1.0, help="the fake's time to accept a submit"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--broker", choices=("redis", "orm"), default="redis")
    parser.add_argument(
        "--sigterm-only", action="store_true", help="every stop a SIGTERM (what Kubernetes sends), no kill -9"
    )
    parser.add_argument("--database", default=DB, help="PostgreSQL database (dropped and created)")
    parser.add_argument("--port", type=int, default=None, help="the web server's port (free one if unset)")
    parser.add_argument(
        "--no-webhooks", action="store_true", help="no PUBLIC_BASE_URL: BFL never calls back, polls only"
    )
    args = parser.parse_args()
    random.seed(args.seed)
    print(
        f"chaos_bench: {args.jobs} jobs, {args.seconds} s of chaos every "
        f"{args.min_gap:g}-{args.max_gap:g} s, "
        f"fake BFL accepting in {args.accept_seconds:g} s and ready after {args.polls} polls; "
        f"{args.broker} broker, Redis db {args.redis_db} (events, wake-ups), PostgreSQL {args.database}, "
        f"Q_WORKERS=2, engine submits (ENGINE_SUBMIT_CONCURRENCY default), "
        f"webhooks {'off' if args.no_webhooks else 'on (signed BFL callbacks naming the job)'}",
        flush=True,
    )

    fake, env, web, cluster, client = platform_up(
        db=args.database,
        polls=args.polls,
        redis_db=args.redis_db,
        accept_seconds=args.accept_seconds,
        broker=args.broker,
        port=args.port,
        webhooks=not args.no_webhooks,
        # ORM broker: the engine's dispatch wake-ups over PostgreSQL's NOTIFY; Redis: pub/sub.
        extra_env={"EVENT_NOTIFY": "postgres"} if args.broker == "orm" else None,
    )
    jobs: dict[int, str] = {}
    image = character_png()

    def submit_all() -> None:
        spacing = args.seconds * 0.6 / args.jobs  # submissions spread over the first 60 % of the chaos
        for n in range(args.jobs):
            answer = client.post(
                "/api/v1/jobs/goods",
                data={"goods_type": "mug", "prompt": f"chaos-{n}"},
                files={"character_image": ("c.png", image, "image/png")},
            )
            assert answer.status_code == 202, answer.text
            jobs[n] = answer.json()["id"]
            time.sleep(spacing)

    submitter = threading.Thread(target=submit_all)
    submitter.start()
    started = time.monotonic()
    last_term = started
    while time.monotonic() - started < args.seconds:
        time.sleep(random.uniform(args.min_gap, args.max_gap))
        aim = time.monotonic() + 5
        while fake.in_submit == 0 and time.monotonic() < aim:  # aim at the submit window
            time.sleep(0.01)
        if args.sigterm_only or time.monotonic() - last_term >= 60:
            cluster.term_cluster()
            last_term = time.monotonic()
        elif random.random() < 0.6:
            cluster.kill_one()
        else:
            cluster.kill_cluster()
    submitter.join()
    if cluster.process.poll() is not None or len(cluster.children()) < 6:
        cluster.kill_all()
        cluster.start()
    print(
        f"chaos over after {time.monotonic() - started:.0f} s: "
        + ", ".join(f"{name} ×{count}" for name, count in cluster.events.items()),
        flush=True,
    )
    print(
        "kills with a provider submit under way: "
        + (", ".join(f"{name} ×{count}" for name, count in cluster.mid_submit.items()) or "none"),
        flush=True,
    )

    django_setup(env)
    from generation.models import Job

    deadline = time.monotonic() + 100 + 10 + 120  # Q_RETRY + grace + room for the backlog
    while time.monotonic() < deadline:
        if not Job.objects.filter(status__in=["queued", "running"]).exists():
            break
        time.sleep(1)
    drained = time.monotonic() - cluster.last_kill

    statuses = collections.Counter(Job.objects.values_list("status", flat=True))
    codes = collections.Counter(
        f"{status}: {code}"
        for status, code in Job.objects.exclude(error_code="").values_list("status", "error_code")
    )
    unended = statuses.get("queued", 0) + statuses.get("running", 0)
    per_job = [fake.paid.get(n, 0) for n in jobs]
    duplicates = sum(1 for count in per_job if count > 1)
    succeeded = set(Job.objects.filter(status="succeeded").values_list("id", flat=True))
    paid_without_result = [
        n for n, job_id in jobs.items() if fake.paid.get(n, 0) and uuid.UUID(job_id) not in succeeded
    ]
    print(f"jobs submitted: {len(jobs)}; final states: {dict(statuses)}")
    if codes:
        print(f"errors: {dict(codes)}")
    print(f"jobs never ended: {unended}; last job ended {drained:.0f} s after the last kill")
    print(
        f"paid provider submits: {sum(fake.paid.values())} for {sum(1 for c in per_job if c)} jobs; "
        f"max per job: {max(per_job, default=0)}; jobs submitted twice or more: {duplicates}; "
        f"submits of unknown jobs: {fake.paid.get(-1, 0)}"
    )
    ends = dict(Job.objects.values_list("id", "status"))
    codes_of = dict(Job.objects.values_list("id", "error_code"))
    why = collections.Counter(
        f"{ends[uuid.UUID(jobs[n])]}: {codes_of[uuid.UUID(jobs[n])] or '-'}" for n in paid_without_result
    )
    callbacks = collections.Counter(str(answer) for answer in getattr(fake, "webhook_answers", []))
    print(f"webhook callbacks by our answer: {dict(callbacks) or 'none'}")
    print(
        f"jobs paid for without a result (unrecovered): {len(paid_without_result)}"
        + (f" ({dict(why)})" if why else "")
    )
    for n in jobs:
        print(f"  job {n} {jobs[n]}: paid submits {fake.paid.get(n, 0)}")
    print("PASS" if duplicates == 0 and unended == 0 and not paid_without_result else "FAIL")

    platform_down(fake, web, cluster)


if __name__ == "__main__":
    main()
