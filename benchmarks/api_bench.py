"""Benchmark of the endpoint every client polls, over real HTTP against gunicorn.

Creates a scratch PostgreSQL database, migrates it and stores one user's jobs through the ORM (a
waiting job behind 20 others, a running job, a finished job with its inputs and result image, and
20 more of every state for the list), starts gunicorn exactly as scripts/run.sh does
(deploy/gunicorn.conf.py and the app run.sh names; WEB_CONCURRENCY=2 workers) with a Redis cache,
then runs 8 concurrent keep-alive clients against `GET /api/v1/jobs/{id}` (the waiting, running
and finished job) and `GET /api/v1/jobs`, and `/healthz/live` as the server's own ceiling. It
prints requests/s, p50 and p95 per endpoint, the web workers' CPU time per request (the figure
that other load on the machine disturbs least) and the PostgreSQL server's (its backends serving
the bench's database: it runs on the same cores), the 1-minute load average when each endpoint's
run ended (other work on the machine slows every figure but the CPU ones), the finished job's
detail polled with If-None-Match where the tree answers with an ETag (304 answers), and each web
worker's RSS once the run has made at least 10,000 requests (--rss-after), with the goals beside
them (issue 12: ≥ 5 times the 70 to 97 requests/s measured before, p95 ≤ 20 ms, a worker ≤ 80 MB
RSS after 10,000 requests).

Each commit measured runs from its own git worktree in a temporary directory (--after, default
HEAD; with --before COMMIT that commit first), so one run prints before and after on the same
machine. gunicorn's max_requests is set to 0 here, so the RSS figures show growth, not a recycled worker.

Usage:
    .venv/bin/python benchmarks/api_bench.py [--before 8acea4a] [--requests 2500] [--clients 8]
        [--server postgres://postgres@127.0.0.1:5432] [--cache redis://127.0.0.1:6379/3]
        [--database api_bench] [--port 0]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
from bench_common import free_port, pct

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
GOAL_RPS = 5 * 97  # five times the best figure measured before (70 to 97 requests/s)
GOAL_P95_MS = 20.0
GOAL_RSS_MB = 80.0

# Run in the tree under test (`manage.py shell`): the rows a polling client reads, through the ORM.
SEED = r"""
import json
from datetime import timedelta
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken
from accounts.models import User
from gallery.models import Image
from generation.models import Job, JobInput

now = timezone.now()
user = User.objects.create_user("bench", password="bench-password", max_queued_jobs=100,
                                max_concurrent_jobs=1)
others = User.objects.create_user("others", password="bench-password")

def job(owner, status, minutes_ago, **fields):
    made = Job.objects.create(user=owner, kind="goods", provider="local", status=status,
                              params={"goods_type": "mug", "aspect_ratio": "1:1", "output_format": "png"},
                              created_at=now - timedelta(minutes=minutes_ago), **fields)
    JobInput.objects.create(job=made, role="character_image", file=f"inputs/{made.id.hex}.png", width=256,
                            height=256, format="png", size_bytes=1000, sha256="0" * 64)
    return made

for n in range(20):  # others waiting longer than ours
    job(others, "queued", 120 - n)
for n in range(10):  # recent durations for the ETA
    job(others, "succeeded", 300 + n, started_at=now - timedelta(minutes=300 + n),
        finished_at=now - timedelta(minutes=300 + n, seconds=-20), progress=100)
finished = []
for n in range(20):
    made = job(user, ["succeeded", "failed", "canceled", "timed_out"][n % 4], 60 - n,
               started_at=now - timedelta(minutes=60 - n), finished_at=now - timedelta(minutes=59 - n))
    if made.status == "succeeded":
        Image.objects.create(owner=user, file=f"images/{made.id.hex}.png", width=1024, height=1024,
                             format="png", size_bytes=100000, sha256="0" * 64, source="goods", job_id=made.id)
        finished.append(made)
running = job(user, "running", 5, started_at=now - timedelta(seconds=30), stage="waiting",
              next_check_at=now)
waiting = job(user, "queued", 1)
print(json.dumps({"token": str(RefreshToken.for_user(user).access_token), "queued": str(waiting.id),
                  "running": str(running.id), "finished": str(finished[-1].id)}))
"""


def _env(tree: Path, database_url: str, cache_url: str, port: int) -> dict:
    metrics = tree.parent / "prometheus"  # beside the worktree: removed with it
    metrics.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "DEBUG": "false",
        "HTTPS": "off",
        "SECRET_KEY": "api-bench-secret-key-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_MAX_REQUESTS": "0",
        "WEB_LOG_LEVEL": "warning",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "PYTHONPATH": str(tree),
    }


def _database_backends(server: str, database: str) -> list[psutil.Process]:
    """The PostgreSQL processes serving `database`, when the server runs on this machine."""
    if not re.search(r"@(127\.0\.0\.1|localhost)(:\d+)?$", server):
        return []
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
    found = []
    for (pid,) in rows:
        try:
            found.append(psutil.Process(pid))
        except psutil.Error:  # ended since
            continue
    return found


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            seconds[process.pid] = sum(process.cpu_times()[:2])
        except psutil.Error:  # ended since
            continue
    return seconds


def _scratch_database(server: str, name: str) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@contextmanager
def _gunicorn(tree: Path, env: dict, gunicorn: str = GUNICORN):
    # The application scripts/run.sh serves in that tree (config.wsgi, or config.asgi since the
    # live event streams).
    app = re.search(r"config\.[aw]sgi:application", (tree / "scripts" / "run.sh").read_text()).group()
    print(f"  serving {app} from {tree}", flush=True)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [gunicorn, "-c", str(tree / "deploy" / "gunicorn.conf.py"), app],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while not _is_live(int(env["PORT"])):
                if time.monotonic() > deadline or server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield server
        finally:
            server.terminate()
            server.wait(timeout=60)


def _is_live(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz/live")
        return connection.getresponse().status == 200
    except OSError:
        return False


def _etag(port: int, path: str, headers: dict) -> str | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.getheader("ETag")


def _load_only(port: int, path: str, headers: dict, clients: int, requests: int, expect: int = 200) -> dict:
    """`requests` GETs of `path` from `clients` keep-alive connections at once; any answer but
    `expect` counts as a failure."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != expect:
                failures.append(response.status)
                if len(failures) == 1:
                    print(f"  {path}: {response.status} {body[:300]!r}", file=sys.stderr)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "failures": len(failures),
    }


@contextmanager
def _worktree(commit: str):
    """`commit`'s tree in a temporary git worktree (never the shared working tree)."""
    with tempfile.TemporaryDirectory(prefix="api-bench-") as directory:
        tree = Path(directory) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), commit],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def run(tree: Path, label: str, args) -> dict:
    port = args.port or free_port()
    database = f"{args.database}_{label}"
    env = _env(tree, _scratch_database(args.server, database), args.cache, port)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True)
    seeded = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SEED],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    auth = {"Authorization": f"Bearer {ids['token']}"}
    paths = {
        "detail (queued)": f"/api/v1/jobs/{ids['queued']}",
        "detail (running)": f"/api/v1/jobs/{ids['running']}",
        "detail (finished)": f"/api/v1/jobs/{ids['finished']}",
        "list (20 of 22 jobs)": "/api/v1/jobs",
    }
    results = {}
    gunicorn = str(Path(args.venv) / "bin" / "gunicorn") if args.venv else GUNICORN
    with _gunicorn(tree, env, gunicorn) as server:
        master = psutil.Process(server.pid)

        def _load(*given, **options) -> dict:  # the figures, and the workers' and database's CPU
            # The workers are read at each run (a preloaded app's are forked once it has loaded,
            # when a first one may already answer); a worker or backend that started during the
            # run counts whole (it did nothing before).
            before = _cpu_seconds(master.children())
            database_before = _cpu_seconds(_database_backends(args.server, database))
            figures = _load_only(*given, **options)
            after = _cpu_seconds(master.children())
            spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
            database_after = _cpu_seconds(_database_backends(args.server, database))
            database_spent = sum(
                seconds - database_before.get(pid, 0.0) for pid, seconds in database_after.items()
            )
            made = max(1, figures["requests"])
            return {
                **figures,
                "cpu_ms": 1000 * spent / made,
                "db_cpu_ms": 1000 * database_spent / made,
                "load": os.getloadavg()[0],
            }

        made = _load(port, "/healthz/live", {}, args.clients, 200)["requests"]  # warm-up
        made += sum(_load(port, path, auth, args.clients, 200)["requests"] for path in paths.values())
        results["rss_warm_mb"] = _rss_mb(server)
        results["/healthz/live (ceiling)"] = _load(port, "/healthz/live", {}, args.clients, args.requests)
        for name, path in paths.items():
            results[name] = _load(port, path, auth, args.clients, args.requests)
        etag = _etag(port, paths["detail (finished)"], auth)
        if etag:  # a tree with conditional polls: what a poll that changed nothing costs
            results["detail (finished), 304"] = _load(
                port, paths["detail (finished)"], {**auth, "If-None-Match": etag}, args.clients,
                args.requests, expect=304,
            )  # fmt: skip
        made += sum(figures["requests"] for figures in results.values() if isinstance(figures, dict))
        while made < args.rss_after:  # RSS is read after this many requests (the goal says 10,000)
            made += _load(port, paths["detail (queued)"], auth, args.clients, 2000)["requests"]
        results["rss_mb"] = _rss_mb(server)
        results["pss_uss_mb"] = _pss_uss_mb(server)
        results["server_pss_mb"] = _server_pss_mb(server)
        results["requests_made"] = made
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return results


def _rss_mb(server: subprocess.Popen) -> list[float]:
    return [round(worker.memory_info().rss / 2**20, 1) for worker in psutil.Process(server.pid).children()]


def _pss_uss_mb(server: subprocess.Popen) -> list[tuple[float, float]]:
    """Each worker's PSS and USS: what it shares with the others (and the master) split, and
    what only it holds (the figures preloading the app in the master would change)."""
    figures = [worker.memory_full_info() for worker in psutil.Process(server.pid).children()]
    return [(round(info.pss / 2**20, 1), round(info.uss / 2**20, 1)) for info in figures]


def _server_pss_mb(server: subprocess.Popen) -> float:
    """The PSS of the master and its workers together: the memory the whole server holds."""
    master = psutil.Process(server.pid)
    return round(sum(process.memory_full_info().pss for process in [master, *master.children()]) / 2**20, 1)


def report(label: str, results: dict) -> None:
    print(f"\n== {label} ==")
    print(
        f"{'endpoint':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} {'db CPU':>7} {'load':>5}"
        "  failures   goal"
    )
    for name, figures in results.items():
        if not isinstance(figures, dict):
            continue
        goal = "" if "ceiling" in name else f"≥ {GOAL_RPS} req/s, p95 ≤ {GOAL_P95_MS:g} ms"
        if "detail" in name:
            met = figures["rps"] >= GOAL_RPS and figures["p95"] <= GOAL_P95_MS
            goal += "  " + ("MET" if met else "not met")
        print(
            f"{name:28} {figures['rps']:8.0f} {figures['p50']:8.1f} {figures['p95']:8.1f} "
            f"{figures['cpu_ms']:7.2f} {figures['db_cpu_ms']:7.2f} {figures['load']:5.1f}  "
            f"{figures['failures']:8}   {goal}"
        )
    rss = results["rss_mb"]
    print(
        f"web worker RSS after warm-up: {results['rss_warm_mb']} MB; "
        f"after {results['requests_made']} requests: {rss} MB "
        f"(goal ≤ {GOAL_RSS_MB:g} MB after 10,000: {'MET' if max(rss) <= GOAL_RSS_MB else 'not met'}); "
        f"PSS, USS: {results['pss_uss_mb']} MB; master and workers' PSS: {results['server_pss_mb']} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", help="a commit to measure first, in a temporary git worktree")
    parser.add_argument("--after", default="HEAD", help="the commit to measure (default: HEAD)")
    parser.add_argument("--requests", type=int, default=2500, help="per endpoint")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rss-after", type=int, default=10_000, help="requests before reading RSS")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--database", default="api_bench", help="scratch databases: NAME_before, NAME_after")
    parser.add_argument(
        "--venv",
        help="serve with this virtualenv's gunicorn (default: .venv, which holds the dev tools too; a "
        "venv with only pyproject.toml's dependencies, as deploy/Dockerfile installs, shows a "
        "production worker's memory)",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    args = parser.parse_args()
    print(
        f"gunicorn: each tree's deploy/gunicorn.conf.py and run.sh's app, "
        f"{os.environ.get('WEB_CONCURRENCY', '2')} workers, max_requests off; "
        f"MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', 'unset')}; {args.clients} clients, "
        f"{args.requests} requests per endpoint; gunicorn from {args.venv or '.venv'}; "
        f"PostgreSQL {args.server}; cache {args.cache}; "
        f"{os.cpu_count()} CPUs"
    )
    for label, commit in (("before", args.before), ("after", args.after)):
        if commit:
            with _worktree(commit) as tree:
                report(f"{label} ({commit})", run(tree, label, args))


if __name__ == "__main__":
    sys.exit(main())
