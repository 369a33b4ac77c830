"""Provider jobs in flight per worker process, and what holding them costs.

Goods jobs on the BFL adapter against the loopback fake (tests/fakes/bfl.py), whose tasks stay
`Pending` for `--polls` polls (with the engine's backoff, about two minutes), are submitted as
fast as the API takes them. While they wait, every second the script samples how many jobs are
waiting at the provider and the CPU and memory of every process of `runworkers` (the engine,
2 task processes, django-q2's sentinel, monitor and pusher, and the main process). All the
waiting is done by the engine's one asyncio loop, so the figure to read is jobs in flight
against CPU (benchmarks/engine_bench.py measures the engine process alone).

Usage: .venv/bin/python benchmarks/inflight_bench.py [--jobs 1000] [--polls 12]
Needs PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
from bench_common import character_png
from chaos_bench import django_setup, platform_down, platform_up

DB = "studio_inflight_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--polls", type=int, default=12, help="fake BFL polls before a task is Ready")
    args = parser.parse_args()

    fake, env, web, cluster, client = platform_up(
        db=DB, polls=args.polls, redis_db=10, extra_env={"BFL_MAX_CONCURRENT": str(args.jobs)}
    )
    django_setup(env)
    from generation.models import Job

    image = character_png()
    submitted = threading.Event()
    submitted_after: list[float] = []

    def submit(n: int) -> None:
        answer = client.post(
            "/api/v1/jobs/goods",
            data={"goods_type": "mug", "prompt": f"chaos-{n}"},
            files={"character_image": ("c.png", image, "image/png")},
        )
        assert answer.status_code == 202, answer.text

    def submit_all() -> None:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(submit, range(args.jobs)))
        submitted_after.append(time.monotonic() - started)
        submitted.set()

    started = time.monotonic()
    threading.Thread(target=submit_all, daemon=True).start()
    processes: dict[int, psutil.Process] = {}
    samples = []  # (seconds, in flight, cluster CPU % of one core, busiest process CPU %, max RSS MiB)
    while True:
        time.sleep(1)
        for proc in [psutil.Process(cluster.process.pid), *cluster.children()]:
            if proc.pid not in processes:
                processes[proc.pid] = proc
                proc.cpu_percent(None)  # the first call only starts the measurement
        cpu, rss = {}, {}
        for pid, proc in list(processes.items()):
            with contextlib.suppress(psutil.NoSuchProcess):
                cpu[pid] = proc.cpu_percent(None)
                rss[pid] = proc.memory_info().rss / 2**20
        in_flight = Job.objects.filter(status="running", stage="waiting").count()
        samples.append(
            (
                time.monotonic() - started,
                in_flight,
                sum(cpu.values()),
                max(cpu.values(), default=0),
                max(rss.values(), default=0),
            )
        )
        if submitted.is_set() and not Job.objects.filter(status__in=["queued", "running"]).exists():
            break
    elapsed = time.monotonic() - started
    done = Job.objects.filter(status="succeeded").count()
    paid = sum(fake.paid.values())
    holding = [s for s in samples if s[1] >= 200]
    print(
        f"{args.jobs} jobs, fake BFL ready after {args.polls} polls; all ended in {elapsed:.0f} s "
        f"({done} succeeded); paid submits {paid}, max per job {max(fake.paid.values(), default=0)}"
    )
    print(f"peak jobs in flight at the provider: {max(s[1] for s in samples)}")
    if holding:
        print(
            f"while >= 200 were in flight ({len(holding)} s): whole cluster CPU mean "
            f"{statistics.mean(s[2] for s in holding):.1f} % of one core (p95 "
            f"{sorted(s[2] for s in holding)[int(0.95 * (len(holding) - 1))]:.1f} %), busiest process mean "
            f"{statistics.mean(s[3] for s in holding):.1f} %"
        )
        calm = [s for s in holding if s[0] > submitted_after[0] + 2]
        if calm:
            print(
                f"  of those, after the last submit ({submitted_after[0]:.0f} s): {len(calm)} s, cluster "
                f"CPU mean {statistics.mean(s[2] for s in calm):.1f} %, busiest process mean "
                f"{statistics.mean(s[3] for s in calm):.1f} %"
            )
    print(f"largest process RSS seen: {max(s[4] for s in samples):.0f} MiB")
    platform_down(fake, web, cluster)


if __name__ == "__main__":
    main()
