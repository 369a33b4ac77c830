"""Faults: the platform loses nothing and tells the client the truth.

One run prints a block of figures per section (each section is a function; add yours to SECTIONS):

- redis: the Redis broker and cache (a redis-server of this run's own, on its own port) stopped for
  --outage-seconds under a steady load of job submissions and reads, then started again, empty.
  Prints the jobs posted during the outage, the answers by status, how many answered a 5xx other
  than 503 (goal 0), jobs lost (answered 202 but never stored or never ended: 0), inputs missing
  from storage (0), jobs stored although their answer was an error (0: a client would retry and
  pay twice), and duplicate paid submits counted by the BFL fake (0).
- provider: the provider (BFL fake) answers 503 to every create for --provider-outage-seconds
  while jobs are posted. Prints the jobs failed (goal 0: they wait and are tried again), duplicate
  paid submits (0), the waiting reasons and /healthz's provider check seen during the window.
- schemathesis: tests/test_schemathesis.py's contract run (schemathesis against the live OpenAPI
  schema, as a user and as staff, valid and invalid data and coverage-phase edge cases) with
  --schemathesis-examples and --schemathesis-coverage cases per operation, on PostgreSQL. Prints
  the cases run, how many answered 5xx (goal 0), and how many answers did not match the schema.

Usage: .venv/bin/python benchmarks/fault_bench.py [--sections redis] [--outage-seconds 30]
Needs PostgreSQL (postgres@127.0.0.1:5432, trust), redis-server on the PATH, and the Redis at
127.0.0.1:6379 that chaos_bench's platform_up flushes a database of (--redis-db) before starting.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_common import character_png, free_port
from chaos_bench import django_setup, platform_down, platform_up

DB = "studio_fault_bench"


class RedisServer:
    """A redis-server of the benchmark's own, on its own port: killed and started again at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # a crash, not a shutdown: clients get no goodbye
            self.process.wait()


@dataclass
class Load:
    """Submissions and reads from a few threads, each answer recorded with its phase."""

    client: httpx.Client
    image: bytes
    phase: str = "before"
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    posts: list[tuple[str, int, int, str]] = field(default_factory=list)  # phase, n, status, job id
    reads: collections.Counter = field(default_factory=collections.Counter)  # (phase, path, status)
    counter: int = 0

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def submit_loop(self, gap: float) -> None:
        while not self.stop.is_set():
            n, phase = self._next(), self.phase
            try:
                answer = self.client.post(
                    "/api/v1/jobs/goods",
                    data={"goods_type": "mug", "prompt": f"chaos-{n}"},
                    files={"character_image": ("c.png", self.image, "image/png")},
                )
                status = answer.status_code
                job_id = answer.json().get("id", "") if status == 202 else ""
            except httpx.HTTPError:
                status, job_id = 0, ""  # no answer at all (counted apart)
            with self.lock:
                self.posts.append((phase, n, status, job_id))
            time.sleep(gap)

    def read_loop(self, gap: float) -> None:
        paths = ["/api/v1/jobs", "/api/v1/templates", "/api/v1/categories", "/api/v1/images"]
        i = 0
        while not self.stop.is_set():
            path, phase = paths[i % len(paths)], self.phase
            i += 1
            try:
                status = self.client.get(path).status_code
            except httpx.HTTPError:
                status = 0
            with self.lock:
                self.reads[(phase, path, status)] += 1
            time.sleep(gap)


def redis_outage(args) -> dict:
    redis = RedisServer(free_port())
    redis.start()
    fake, env, web, cluster, client = platform_up(
        db=DB,
        polls=args.polls,
        redis_db=args.redis_db,
        extra_env={
            "REDIS_URL": f"{redis.url}/0",
            "CACHE_URL": f"{redis.url}/1",
            "ENGINE_TICK_SECONDS": "5",
            "ENGINE_STAGE_GRACE_SECONDS": "10",
        },
    )
    load = Load(client=client, image=character_png())
    threads = [threading.Thread(target=load.submit_loop, args=(args.post_gap,)) for _ in range(args.posters)]
    threads += [threading.Thread(target=load.read_loop, args=(args.read_gap,)) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.before_seconds)
        load.phase = "outage"
        redis.kill()
        outage_started = time.monotonic()
        time.sleep(args.outage_seconds)
        redis.start()  # the same port, empty: every task it held is gone
        load.phase = "after"
        back = time.monotonic()
        print(f"redis: killed for {back - outage_started:.0f} s, started again (empty)", flush=True)
        time.sleep(args.after_seconds)
        load.stop.set()
        for thread in threads:
            thread.join()

        django_setup(env)
        from django.core.files.storage import default_storage

        from generation.models import Job, JobInput

        accepted = {job_id: n for _, n, status, job_id in load.posts if status == 202}
        deadline = time.monotonic() + args.drain_seconds
        while time.monotonic() < deadline:
            if not Job.objects.filter(id__in=list(accepted), status__in=["queued", "running"]).exists():
                break
            time.sleep(1)
        drained = time.monotonic() - back

        stored = dict(Job.objects.values_list("id", "status"))
        stored = {str(k): v for k, v in stored.items()}
        lost = [j for j in accepted if j not in stored or stored[j] in ("queued", "running")]
        # Every stored job's inputs, answered 202 or not: a job stored is a job that runs.
        missing_inputs = sum(
            1 for name in JobInput.objects.values_list("file", flat=True) if not default_storage.exists(name)
        )
        marks = {
            int(p["prompt"].split("-")[1])
            for p in Job.objects.values_list("params", flat=True)
            if str(p.get("prompt", "")).startswith("chaos-")
        }
        refused_but_stored = sum(1 for _, n, status, _ in load.posts if status != 202 and n in marks)
        paid_twice = sum(1 for n in accepted.values() if fake.paid.get(n, 0) > 1)
        by_phase = collections.Counter((phase, status) for phase, _, status, _ in load.posts)
        during = [p for p in load.posts if p[0] == "outage"]
        non503 = sum(1 for p in load.posts if p[2] >= 500 and p[2] != 503)
        non503 += sum(c for (_, _, status), c in load.reads.items() if status >= 500 and status != 503)
        final = collections.Counter(stored[j] for j in accepted if j in stored)
        return {
            "outage seconds": args.outage_seconds,
            "jobs posted during the outage": len(during),
            "answered 202 during the outage": sum(1 for p in during if p[2] == 202),
            "posts by phase and status": dict(sorted(by_phase.items())),
            "reads by phase, path and status": dict(sorted(load.reads.items())),
            "5xx other than 503 (goal 0)": non503,
            "no answer at all": sum(1 for p in load.posts if p[2] == 0),
            "jobs accepted": len(accepted),
            "final states of accepted jobs": dict(final),
            "lost jobs (goal 0)": len(lost),
            "missing inputs (goal 0)": missing_inputs,
            "stored although answered an error (goal 0)": refused_but_stored,
            "duplicate paid submits (goal 0)": paid_twice,
            "paid submits / accepted jobs": f"{sum(fake.paid.get(n, 0) for n in accepted.values())}"
            f" / {len(accepted)}",
            "all ended within (s after Redis came back)": round(drained, 1),
        }
    finally:
        load.stop.set()
        platform_down(fake, web, cluster)
        redis.kill()


def provider_outage_section(args) -> dict:
    """The provider (the BFL fake) answers every create 503 for --provider-outage-seconds while
    jobs are posted: each should wait (waiting_reason=provider_unavailable) and then succeed, with
    one paid submit; /healthz should show the provider failing during the window."""
    window = args.provider_outage_seconds
    fake, env, web, cluster, client = platform_up(
        db=DB + "_provider",
        polls=args.polls,
        redis_db=args.redis_db,
        extra_env={"JOB_TIMEOUT_SECONDS": "180", "ENGINE_TICK_SECONDS": "5"},
    )
    load = Load(client=client, image=character_png())
    reasons: collections.Counter[str] = collections.Counter()
    health_during: collections.Counter[str] = collections.Counter()
    try:
        fake.down_for(window)
        started = time.monotonic()
        poster = threading.Thread(target=load.submit_loop, args=(args.post_gap * 3,))
        poster.start()
        while time.monotonic() - started < window:
            time.sleep(1)
            for job in client.get("/api/v1/jobs", params={"size": 100, "status": "queued"}).json()["results"]:
                reasons[job["waiting_reason"]] += 1
            checks = client.get("/healthz").json().get("checks", {})
            health_during[str(checks.get("provider:bfl", {}).get("status", "?"))] += 1
        load.stop.set()
        poster.join()
        down_answers = fake.unavailable_answers

        django_setup(env)
        from generation.models import Job

        accepted = {job_id: n for _, n, status, job_id in load.posts if status == 202}
        deadline = time.monotonic() + args.drain_seconds
        while time.monotonic() < deadline:
            if not Job.objects.filter(id__in=list(accepted), status__in=["queued", "running"]).exists():
                break
            time.sleep(1)
        final = collections.Counter(
            Job.objects.filter(id__in=list(accepted)).values_list("status", flat=True)
        )
        ended = time.monotonic() - started
        health_after = client.get("/healthz").json().get("checks", {}).get("provider:bfl", {}).get("status")
        return {
            "jobs posted during the window": len(load.posts),
            "answered 202": len(accepted),
            "503 answers from the provider": down_answers,
            "waiting reasons seen during the window": dict(reasons),
            "/healthz provider:bfl during the window": dict(health_during),
            "/healthz provider:bfl after": health_after,
            "final states": dict(final),
            f"{window:.0f} s provider 503 window: jobs failed (goal 0)": sum(
                c for s, c in final.items() if s != "succeeded"
            ),
            "duplicate paid submits (goal 0)": sum(1 for n in accepted.values() if fake.paid.get(n, 0) > 1),
            "paid submits / accepted jobs": f"{sum(fake.paid.get(n, 0) for n in accepted.values())}"
            f" / {len(accepted)}",
            "all ended within (s from the window's start)": round(ended, 1),
        }
    finally:
        load.stop.set()
        platform_down(fake, web, cluster)


def schemathesis_section(args) -> dict:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "contract.json"
        env = {
            **os.environ,
            "CONTRACT_REPORT": str(report),
            "CONTRACT_MAX_EXAMPLES": str(args.schemathesis_examples),
            "CONTRACT_COVERAGE": str(args.schemathesis_coverage),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        }  # pytest-django's test_… copy
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/test_schemathesis.py", "-q", "-p", "no:cacheprovider"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if not report.exists():
            print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
            raise RuntimeError("the contract run ended without figures")
        figures = json.loads(report.read_text())
    mismatches = figures["failing_cases"] - figures["server_errors"]
    print(f"schemathesis: cases run {figures['cases']}, 5xx {figures['server_errors']} (goal 0)", flush=True)
    if run.returncode:  # the test's own summary: each distinct failure with its curl command
        print(run.stdout[max(0, run.stdout.find("failing cases of")) :][:6000])
    return {
        "operations": figures["operations"],
        "cases run": figures["cases"],
        "5xx (goal 0)": figures["server_errors"],
        "answers that do not match the schema": mismatches,
        "distinct (persona, operation, status) failing": figures["distinct_failures"],
        "seconds": figures["seconds"],
    }


SECTIONS = {"redis": redis_outage, "provider": provider_outage_section, "schemathesis": schemathesis_section}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"of {', '.join(SECTIONS)}")
    parser.add_argument("--outage-seconds", type=float, default=30)
    parser.add_argument("--before-seconds", type=float, default=5)
    parser.add_argument("--after-seconds", type=float, default=5)
    parser.add_argument("--provider-outage-seconds", type=float, default=10)
    parser.add_argument("--drain-seconds", type=float, default=180, help="wait for jobs to end")
    parser.add_argument("--posters", type=int, default=2)
    parser.add_argument("--post-gap", type=float, default=0.3)
    parser.add_argument("--read-gap", type=float, default=0.2)
    parser.add_argument("--polls", type=int, default=2, help="fake BFL polls before a task is Ready")
    parser.add_argument("--redis-db", type=int, default=12, help="db of the shared Redis platform_up flushes")
    parser.add_argument(
        "--schemathesis-examples",
        type=int,
        default=15,
        help="generated cases per operation, persona and mode (valid, invalid)",
    )
    parser.add_argument(
        "--schemathesis-coverage",
        type=int,
        default=30,
        help="coverage-phase edge cases per operation and persona",
    )
    args = parser.parse_args()
    failed = False
    for name in args.sections.split(","):
        figures = SECTIONS[name](args)
        print(f"== {name}")
        for key, value in figures.items():
            print(f"{key}: {value}")
        goals = [v for k, v in figures.items() if "(goal 0)" in k]
        failed |= any(goals)
        print(f"{name}: {'PASS' if not any(goals) else 'FAIL'}", flush=True)
    print("PASS" if not failed else "FAIL")


if __name__ == "__main__":
    main()
