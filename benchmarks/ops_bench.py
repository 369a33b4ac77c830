"""Memory and cold start of the production processes, for sizing the Kubernetes resources.

Runs the real commands of the container image (gunicorn with deploy/gunicorn.conf.py, and
`manage.py runworkers`) against PostgreSQL + Redis on this machine and prints, per process and
per "pod" (process tree), PSS and RSS in MiB:
- at rest (after start-up and a few requests),
- after N jobs (default 100) submitted over HTTP and finished on the `local` provider;
and the cold starts:
- web: seconds from exec of gunicorn (workers already running) to the first /healthz 200,
- worker: seconds from exec of runworkers to the start of a job that was already waiting.

Usage: .venv/bin/python benchmarks/ops_bench.py [--jobs 100] [--runs 5]
Needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from bench_common import character_png, free_port, served_app

ROOT = Path(__file__).resolve().parents[1]
DB = "studio_ops_bench"


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def memory(pid: int) -> dict:
    rows = []
    for proc in tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = proc.memory_full_info()
            rows.append((" ".join(proc.cmdline()[1:4])[:60], info.pss / 2**20, info.rss / 2**20))
    return {"processes": rows, "pss": sum(r[1] for r in rows), "rss": sum(r[2] for r in rows)}


def show(label: str, stats: dict) -> None:
    print(
        f"  {label}: PSS {stats['pss']:.1f} MiB, RSS {stats['rss']:.1f} MiB over {len(stats['processes'])} "
        "processes"
    )
    for name, pss, rss in stats["processes"]:
        print(f"      {pss:6.1f} PSS {rss:6.1f} RSS  {name}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {DB}"], check=True
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {DB}"], check=True
    )
    tmp = Path(tempfile.mkdtemp(prefix="studio-ops-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "Q_BROKER": "redis",
        "REDIS_URL": "redis://127.0.0.1:6379/7",
        "CACHE_URL": "redis://127.0.0.1:6379/8",
        "OUTPUT_DIR": str(tmp / "outputs"),
        "LOCAL_PROVIDER_DELAY_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
        "MAX_PER_USER_QUEUE": "100000",
        "MAX_PER_USER_CONCURRENT": "100000",
        "HOST": "127.0.0.1",
        "HTTPS": "off",
        "THROTTLE_JOBS_PER_MINUTE": "0",
        "THROTTLE_UPLOADS_PER_MINUTE": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "4",
        "Q_WORKERS": "2",
        "WORKER_STATE_DIR": str(tmp),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prom"),
        "SECRET_KEY": "ops-bench-key-" + "x" * 40,
        "DEBUG": "false",
    }
    python = sys.executable
    subprocess.run(["redis-cli", "-n", "7", "flushdb"], check=True, capture_output=True)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            python,
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
    quiet = {
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "cwd": ROOT,
        "env": env,
        "start_new_session": True,
    }
    gunicorn = [str(Path(python).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", served_app(ROOT)]
    client = httpx.Client(timeout=30)
    base = f"http://127.0.0.1:{port}"

    def wait_healthy(timeout: float = 60) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{base}/healthz").status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.05)
        raise SystemExit("never healthy")

    # --- cold starts --------------------------------------------------------------------------
    workers = subprocess.Popen([python, "manage.py", "runworkers"], **quiet)
    web_starts = []
    for _ in range(args.runs):
        started = time.monotonic()
        web = subprocess.Popen(gunicorn, **quiet)
        wait_healthy()
        web_starts.append(time.monotonic() - started)
        stop(web)
    stop(workers)

    os.environ.update(
        {
            k: env[k]
            for k in ("DATABASE_URL", "OUTPUT_DIR", "Q_BROKER", "REDIS_URL", "CACHE_URL", "SECRET_KEY")
        }
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from generation.models import Job

    web = subprocess.Popen(gunicorn, **quiet)
    time.sleep(1)
    token = None
    for _ in range(100):
        with contextlib.suppress(httpx.TransportError):
            token = client.post(
                f"{base}/api/v1/auth/token", json={"username": "bench", "password": "bench-pass-123"}
            ).json()["access"]
            break
        time.sleep(0.1)
    client.headers["Authorization"] = f"Bearer {token}"
    image = character_png()

    def submit() -> str:
        response = client.post(
            f"{base}/api/v1/jobs/goods",
            data={"goods_type": "mug"},
            files={"character_image": ("c.png", image, "image/png")},
        )
        assert response.status_code == 202, response.text
        return response.json()["id"]

    worker_starts = []
    for _ in range(args.runs):
        job_id = submit()
        started_wall = time.time()
        workers = subprocess.Popen([python, "manage.py", "runworkers"], **quiet)
        while True:
            job = Job.objects.get(pk=job_id)
            if job.started_at:
                worker_starts.append(job.started_at.timestamp() - started_wall)
                break
            time.sleep(0.02)
        while Job.objects.filter(status__in=["queued", "running"]).exists():
            time.sleep(0.2)
        stop(workers)

    # --- memory -------------------------------------------------------------------------------
    workers = subprocess.Popen([python, "manage.py", "runworkers"], **quiet)
    wait_healthy()
    for _ in range(20):
        client.get(f"{base}/api/v1/jobs")
        client.get(f"{base}/healthz")
    time.sleep(3)
    print("== at rest")
    show("web (gunicorn master + 1 worker, 4 threads)", memory(web.pid))
    show("worker (runworkers: cluster of 2 workers)", memory(workers.pid))
    ids = [submit() for _ in range(args.jobs)]
    while Job.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists():
        time.sleep(0.5)
    done = Job.objects.filter(pk__in=ids, status="succeeded").count()
    for _ in range(20):
        client.get(f"{base}/api/v1/jobs")
    time.sleep(2)
    print(f"== after {args.jobs} jobs ({done} succeeded)")
    show("web", memory(web.pid))
    show("worker", memory(workers.pid))
    stop(web)
    stop(workers)

    def summary(values: list[float]) -> str:
        return (
            f"median {statistics.median(values):.2f} s (min {min(values):.2f}, "
            f"max {max(values):.2f}, n={len(values)})"
        )

    print("== cold start")
    print(f"  web: exec of gunicorn to /healthz 200: {summary(web_starts)}")
    print(f"  worker: exec of runworkers to a waiting job's start: {summary(worker_starts)}")


if __name__ == "__main__":
    main()
