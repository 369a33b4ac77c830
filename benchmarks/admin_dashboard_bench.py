"""Benchmark of the admin's operations dashboard (generation/dashboard.py) at a million jobs and
images, on PostgreSQL.

Fills a scratch database the way benchmarks/admin_bench.py does (its `fill`: jobs and images over
the last year, 1 in 20 failed, 1 in 10,000 waiting), then times, in this process:
- each part of the dashboard (queue, jobs per hour, failures, timings, oldest jobs, storage),
- the whole computation (what one cache miss costs; the answer is then cached 5 s, storage 5 min),
- the admin index page through Django's test client, with the cache cleared before each request,
- a job's page (the operations page) for a finished job.
Prints p50 / p95 in milliseconds. The database is dropped at the end unless --keep.

Usage:
    .venv/bin/python benchmarks/admin_dashboard_bench.py [--rows 1000000] [--users 1000]
        [--runs 20] [--fill-seconds 600] [--server postgres://postgres@127.0.0.1:5432] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from bench_common import pct

ROOT = Path(__file__).resolve().parents[1]
DB = "admin_dashboard_bench"


def setup_django(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("HTTPS", "off")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("CACHE_URL", "")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def timed(label: str, func, runs: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    p95 = pct(times, 0.95)
    print(f"{label:<44} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fill-seconds", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="Keep the database.")
    parser.add_argument("--reuse", action="store_true", help="Measure a database kept by --keep.")
    args = parser.parse_args()

    if not args.reuse:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    try:
        setup_django(args.server)
        if not args.reuse:
            from admin_bench import fill
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0)
            started = time.monotonic()
            fill(args.rows, args.users, args.fill_seconds)
            connection.close()
            with psycopg.connect(f"{args.server}/{DB}", autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE generation_job")
                conn.execute("VACUUM ANALYZE gallery_image")
            print(f"filled and analysed in {time.monotonic() - started:.0f} s")
        measure(args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB}")


def measure(runs: int) -> None:
    from datetime import timedelta

    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from generation import dashboard
    from generation.models import Job, JobStatus

    jobs, images = Job.objects.count(), dashboard.storage_totals().images
    print(
        f"\n{jobs:,} jobs, {images:,} images; {runs} runs per line; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n"
    )
    now = timezone.now()
    since = now - dashboard.WINDOW
    waiting = Job.objects.filter(status=JobStatus.QUEUED).order_by("created_at")
    running = Job.objects.filter(status=JobStatus.RUNNING).order_by("started_at")
    timed("queue depth by kind and provider", dashboard._queue, runs)
    timed("jobs per hour (24 h)", lambda: dashboard._jobs_per_hour(now), runs)
    timed("failures by error code (24 h)", lambda: dashboard._failures(since), runs)
    timed("median wait and run per kind (24 h)", lambda: dashboard._timings(since), runs)
    timed(
        "oldest waiting and running job",
        lambda: (dashboard._job_ref(waiting, "created_at"), dashboard._job_ref(running, "started_at")),
        runs,
    )
    timed("storage totals and top users (cached 5 min)", dashboard.storage_totals, max(3, runs // 4))

    def compute_without_storage_cache():
        cache.clear()
        dashboard.dashboard_compute()

    def compute_with_storage_cached():
        cache.delete("admin-dashboard")
        dashboard.dashboard_compute()

    timed("whole dashboard, storage cached", compute_with_storage_cached, runs)
    timed("whole dashboard, nothing cached", compute_without_storage_cache, max(3, runs // 4))

    admin = User.objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(admin)

    def index():
        cache.delete("admin-dashboard")
        assert client.get("/admin/").status_code == 200

    timed("GET /admin/ (dashboard recomputed, storage cached)", index, runs)
    job = Job.objects.filter(status=JobStatus.FAILED, created_at__gte=now - timedelta(days=30)).first()
    timed("GET a job's page", lambda: client.get(f"/admin/generation/job/{job.id}/change/"), runs)


if __name__ == "__main__":
    main()
