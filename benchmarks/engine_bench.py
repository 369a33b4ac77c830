"""Benchmark of the job engine on the `local` provider, over real HTTP and real workers.

Prints:
- API enqueue latency (POST /api/v1/jobs/goods, p50/p95) against gunicorn;
- enqueue-to-start latency (job created_at → started_at, p50/p95);
- how many local jobs with a 5 s provider delay two worker processes finish per minute, with
  the peak number of jobs in flight at the provider and the workers' memory (PSS).

Usage:  .venv/bin/python benchmarks/engine_bench.py [--database-url URL] [--seconds 60]
Default database: a fresh SQLite file in a temporary folder (the embedded mode).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from bench_common import character_png, free_port, pct

ROOT = Path(__file__).resolve().parents[1]


def pss_mb(root: psutil.Process) -> float:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += proc.memory_full_info().pss
    return total / 2**20


def burst(count: int, submit, job_model) -> None:
    """A burst of `count` jobs from 8 client threads; every one must finish (none lost)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db.models import Count

    while job_model.objects.filter(status__in=["queued", "running"]).exists():
        time.sleep(0.5)
    before = set(job_model.objects.values_list("id", flat=True))
    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: submit(), range(count)))
    submitted_in = time.time() - started
    deadline = time.time() + 900
    while job_model.objects.filter(status__in=["queued", "running"]).exists() and time.time() < deadline:
        time.sleep(1)
    jobs = job_model.objects.exclude(id__in=before)
    by_status = dict(jobs.values_list("status").annotate(n=Count("id")))
    print(f"burst: {count} jobs submitted in {submitted_in:.1f} s over HTTP; all done after "
          f"{time.time() - started:.0f} s; by status: {by_status}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--delay", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=0, help="then a burst of N jobs")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        "OUTPUT_DIR": str(tmp / "outputs"), "LOCAL_PROVIDER_DELAY_SECONDS": str(args.delay),
        "Q_WORKERS": "2", "LOG_LEVEL": "WARNING", "MAX_PER_USER_QUEUE": "100000",
        "MAX_PER_USER_CONCURRENT": "100000", "HOST": "127.0.0.1", "PORT": str(port),
        "WEB_CONCURRENCY": "2", "WEB_THREADS": "4", "DJANGO_SETTINGS_MODULE": "config.settings",
        "HTTPS": "off", "THROTTLE_JOBS_PER_MINUTE": "0", "THROTTLE_UPLOADS_PER_MINUTE": "0",
    }
    python = sys.executable
    manage = [python, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "-c",
                    "from accounts.services import user_create; from accounts.models import User;"
                    "User.objects.filter(username='bench').exists() or "
                    "user_create(username='bench', password='bench-pass-123')"],
                   cwd=ROOT, env=env, check=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env,
             "start_new_session": True}
    web = subprocess.Popen([str(Path(python).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                            "config.wsgi:application"], **quiet)
    workers = subprocess.Popen([*manage, "runworkers"], **quiet)

    os.environ.update({k: env[k] for k in ("DATABASE_URL", "OUTPUT_DIR", "DJANGO_SETTINGS_MODULE")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from generation.models import Job

    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        client = httpx.Client(timeout=30)
        for _ in range(100):
            try:
                token = client.post(f"{base}/auth/token", json={"username": "bench",
                                                               "password": "bench-pass-123"})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        client.headers["Authorization"] = f"Bearer {token.json()['access']}"
        image = character_png()

        def submit() -> float:
            started = time.perf_counter()
            response = client.post(f"{base}/jobs/goods", data={"goods_type": "mug"},
                                   files={"character_image": ("c.png", image, "image/png")})
            assert response.status_code == 202, response.text
            return (time.perf_counter() - started) * 1000

        # 1. Latency with free capacity: a job every 0.4 s (the engine is not saturated).
        latencies = []
        for _ in range(args.latency_jobs):
            latencies.append(submit())
            time.sleep(0.4)
        time.sleep(2)
        starts = [(j.started_at - j.created_at).total_seconds() * 1000
                  for j in Job.objects.exclude(started_at=None)]
        print(f"API enqueue latency over HTTP ({len(latencies)} jobs): "
              f"p50 {pct(latencies, .5):.1f} ms, p95 {pct(latencies, .95):.1f} ms")
        print(f"enqueue-to-start latency ({len(starts)} jobs): "
              f"p50 {pct(starts, .5):.1f} ms, p95 {pct(starts, .95):.1f} ms")
        while Job.objects.filter(status__in=["queued", "running"]).exists():
            time.sleep(0.5)

        # 2. Throughput: keep ~400 jobs in the system for the measured window.
        window_start = time.time()
        peak_in_flight = 0
        peak_pss = 0.0
        submitted = 0
        while time.time() - window_start < args.seconds:
            active = Job.objects.filter(status__in=["queued", "running"]).count()
            for _ in range(max(0, 400 - active) // 20):
                submit()
                submitted += 1
            peak_in_flight = max(peak_in_flight, Job.objects.filter(stage="waiting").count())
            peak_pss = max(peak_pss, pss_mb(psutil.Process(workers.pid)))
            time.sleep(0.2)
        from datetime import UTC, datetime

        window = Job.objects.filter(status="succeeded",
                                    finished_at__gte=datetime.fromtimestamp(window_start, UTC))
        finished = window.count()
        waits = [(j.started_at - j.created_at).total_seconds() for j in window]
        failed = Job.objects.exclude(status__in=["succeeded", "queued", "running"]).count()
        per_minute = finished * 60 / args.seconds
        print(f"throughput: {finished} local jobs ({args.delay:g} s provider delay) finished in "
              f"{args.seconds} s by 2 worker processes = {per_minute:.0f} jobs/minute "
              f"({submitted} submitted, {failed} failed)")
        print(f"queue wait under that load (created → started): p50 {pct(waits, .5):.1f} s, "
              f"p95 {pct(waits, .95):.1f} s")
        print(f"peak jobs in flight at the provider at once: {peak_in_flight}")
        print(f"worker cluster memory (runworkers: main + sentinel + 2 workers + monitor + pusher), "
              f"peak PSS: {peak_pss:.0f} MB; web (gunicorn 2x4) PSS: "
              f"{pss_mb(psutil.Process(web.pid)):.0f} MB")
        if args.burst:
            burst(args.burst, submit, Job)
    finally:
        for process in (web, workers):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (web, workers):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
