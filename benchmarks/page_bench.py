"""Product pages through the engine: is a page as slow as its slowest call, not their sum, and do
pages in flight delay other jobs?

The real pipeline (the engine writing the page: templates_app/pages.py with the `openai` LLM)
against a loopback OpenAI-compatible fake whose every answer takes a latency drawn from a
log-normal distribution (`--median`, `--spread`, clipped to `--max`; seeded), so the slowest
call of a page is really tested.
1. Per starter category: the page's wall time beside its plan call plus its slowest block call
   (the floor for a concurrent page), the sum of its block calls (a serial page), and the most
   block calls in flight at once; with and without block images (`local` image provider).
2. `--pages` pages (default 20) written at once by one engine while `--jobs` goods jobs
   (`local` provider, 2 s) wait at the provider: their ready → noticed delay and the engine
   loop's lag, against the same jobs without pages.

Usage: .venv/bin/python benchmarks/page_bench.py [--median 1.0] [--spread 0.6] [--max 6]
       [--concurrency N (default PAGE_MAX_BLOCKS)] [--pages 20] [--jobs 50]
Uses a fresh SQLite database in a temporary folder (the starter catalogue comes with migrate).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_common import pct  # noqa: E402

from tests.fakes.openai_server import FakeOpenAIServer, Reply, page_answer, page_task  # noqa: E402

PRODUCT = """상품명: 린넨 와이드 팬츠
소재: 린넨 100% (유럽산), 통기성이 뛰어나 여름에도 시원합니다.
사이즈: S, M, L / 색상: 아이보리, 베이지, 네이비
세탁: 찬물에 단독 손세탁하세요. 가격: 59,000원
후기: "생각보다 훨씬 시원하고 핏이 예뻐요" (김** 고객님, 4.8점)"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--median", type=float, default=1.0, help="median seconds per LLM answer")
    parser.add_argument("--spread", type=float, default=0.6, help="sigma of the log-normal latency")
    parser.add_argument("--max", type=float, default=6.0, help="longest answer, seconds")
    parser.add_argument("--concurrency", type=int, help="PAGE_BLOCK_CONCURRENCY (default PAGE_MAX_BLOCKS)")
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="studio-page-bench-"))
    fake = FakeOpenAIServer().start()
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "OUTPUT_DIR": str(tmp / "outputs"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LLM_PROVIDER": "openai",
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_API_KEY": fake.api_key,
            "PAGE_IMAGE_PROVIDER": "local",
            "PAGE_MAX_CONCURRENT": str(max(args.pages, 1)),
            "LOCAL_PROVIDER_DELAY_SECONDS": "2",
        }
    )
    if args.concurrency:
        os.environ["PAGE_BLOCK_CONCURRENCY"] = str(args.concurrency)
    import django

    django.setup()
    from django.conf import settings

    if not args.concurrency:
        settings.PAGE_BLOCK_CONCURRENCY = settings.PAGE_MAX_BLOCKS
    from django.core.management import call_command

    from accounts.services import user_create
    from generation import metrics
    from generation.engine import Engine, engine_run_once
    from generation.models import Job, JobKind
    from generation.services import engine
    from generation.services.jobs import job_create
    from templates_app.models import Category, Page
    from templates_app.selectors import page_template_ids_resolve

    call_command("migrate", verbosity=0)
    owner = user_create(username="bench", password=None)
    owner.max_queued_jobs = owner.max_concurrent_jobs = 10_000
    owner.save()
    rng = random.Random(args.seed)
    calls: list[tuple[str, float, float]] = []  # (task, started, ended)
    lock = threading.Lock()
    wants_image = False

    def responder(body):
        latency = min(args.max, rng.lognormvariate(0, args.spread) * args.median)
        started = time.monotonic()
        time.sleep(latency)
        with lock:
            calls.append((page_task(body)[0], started, time.monotonic()))
        return Reply.json(
            page_answer(body, wants_image=wants_image), usage={"prompt_tokens": 600, "completion_tokens": 250}
        )

    def page_create(category, with_images: bool) -> Job:
        ids = page_template_ids_resolve(category_id=category.id)
        job, _ = job_create(
            user=owner,
            kind=JobKind.PAGE,
            inputs=[],
            params={"product_info": PRODUCT, "template_ids": ids, "with_images": with_images},
        )
        return job

    def page_written(job: Job) -> tuple[float, Job, Page | None]:
        """The engine writes the claimed page (its submit step); timed."""
        engine.jobs_dispatch()
        started = time.monotonic()
        engine_run_once()  # runs the page to its end
        wall = time.monotonic() - started
        engine_run_once()  # the page is ready at once: poll it
        engine.job_finalize(job_id=job.id)
        job.refresh_from_db()
        page = Page.objects.filter(pk=(job.provider_state or {}).get("page_id")).first()
        return wall, job, page

    fake.responder = responder
    print(
        f"LLM answer latency: log-normal, median {args.median:g} s, sigma {args.spread:g}, at most "
        f"{args.max:g} s (seed {args.seed}); PAGE_BLOCK_CONCURRENCY={settings.PAGE_BLOCK_CONCURRENCY} "
        f"(PAGE_MAX_BLOCKS={settings.PAGE_MAX_BLOCKS}), "
        f"PAGE_TIMEOUT_SECONDS={settings.PAGE_TIMEOUT_SECONDS:g}"
    )
    for with_images in (False, True):
        wants_image = with_images
        print(
            f"-- one page at a time, {'with' if with_images else 'without'} block images (goal: page ≈ "
            "plan + slowest block call, far below the sum)"
        )
        for category in Category.objects.order_by("name"):
            calls.clear()
            wall, job, page = page_written(page_create(category, with_images))
            if page is None or job.status != "succeeded":
                print(f"  {category.name:<12} job {job.status}: {job.error_code} {job.error_message}")
                continue
            blocks = [(s, e) for task, s, e in calls if task == "page_block"]
            plan = sum(e - s for task, s, e in calls if task == "page_plan")
            slowest = max((e - s for s, e in blocks), default=0.0)
            serial = sum(e - s for s, e in blocks)
            at_once = max((sum(1 for s, e in blocks if s <= moment < e) for moment, _ in blocks), default=0)
            images = sum(1 for block in page.blocks if block.get("image_id"))
            floor = plan + slowest
            print(
                f"  {category.name:<12} {len(page.blocks)} blocks: page {wall:5.2f} s; plan {plan:4.2f} s "
                f"+ slowest block {slowest:4.2f} s = {floor:5.2f} s (page/that "
                f"{wall / max(floor, 1e-9):.2f}); "
                f"blocks in sum {serial:5.2f} s; {at_once} at once; {images} images"
            )

    wants_image = False
    categories = list(Category.objects.order_by("name"))
    for with_pages in (False, True):
        params = {"goods_type": "mug", "output_format": "png"}
        goods = [
            job_create(user=owner, kind=JobKind.GOODS, inputs=[], params=params)[0] for _ in range(args.jobs)
        ]
        pages = [
            page_create(categories[n % len(categories)], False)
            for n in range(args.pages if with_pages else 0)
        ]
        # The goods jobs are claimed and at the provider (their submit is a task step, run here).
        while engine.jobs_dispatch():  # each round claims up to 20 jobs per user
            pass
        for job in goods:
            engine.job_submit(job_id=job.id)
        running: dict = {}
        lags: list[float] = []
        noticed: dict = {}

        thread = threading.Thread(target=asyncio.run, args=(_engine_run(running, Engine),))
        thread.start()
        started = time.monotonic()
        ids = [job.id for job in goods]
        page_ids = [p.id for p in pages]
        while time.monotonic() - started < 120:
            now = time.time()
            for job_id in Job.objects.filter(pk__in=ids, stage="finalizing").values_list("id", flat=True):
                noticed.setdefault(job_id, now)
            lags.append(metrics.engine_loop_lag_seconds._value.get())
            writing = Job.objects.filter(pk__in=page_ids, stage__in=["pending", "submitting"]).exists()
            if len(noticed) == len(ids) and not writing:
                break
            time.sleep(0.05)
        running["loop"].call_soon_threadsafe(running["engine"].stop)
        thread.join()
        rows = dict(Job.objects.filter(pk__in=ids).values_list("id", "provider_state"))
        delays = [max(0.0, noticed[i] - rows[i]["ready_at"]) for i in ids if i in noticed]
        written = Job.objects.filter(pk__in=page_ids).exclude(provider_ref="").count()
        beside = f"with {len(pages)} pages written at once" if with_pages else "alone"
        print(
            f"-- {args.jobs} goods jobs (2 s at the provider) {beside}: ready → noticed p50 "
            f"{pct(delays, 0.5):.2f} s, p95 {pct(delays, 0.95):.2f} s, {len(delays)} of {len(ids)} noticed; "
            f"engine loop lag max {max(lags):.3f} s; pages written {written} of {len(pages)}"
        )
        Job.objects.filter(pk__in=ids + page_ids).delete()
    fake.stop()


async def _engine_run(running: dict, engine_class) -> None:
    running["loop"], running["engine"] = asyncio.get_running_loop(), engine_class()
    await running["engine"].run()


if __name__ == "__main__":
    main()
