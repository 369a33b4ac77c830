"""The engine: one asyncio loop for every in-flight provider job and every product page.

Each turn of the loop (several a second, at once when answers arrive):
- polls the jobs whose next check is due (the per-job backoff is on the row, providers' hints
  win; a webhook applies its answer in the web process and the job moves on without a poll),
  over one provider object, hence one HTTP client, per provider for the process's life;
- applies the answers in batches, one transaction each;
- writes pending product pages as tasks of this loop, their budget enforced by cancellation;
- once a second times jobs out and wakes the dispatcher for retries due; every 10 s reconciles.

Database work runs in asgiref's one sync thread, network work in the loop. One engine at a time
holds the lease; a standby takes over when a dead engine's lease runs out (LEASE_SECONDS). On
SIGTERM the engine cancels its polls, hands back the pages it was writing, applies what it has
and releases the lease, well within Kubernetes' grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast
from uuid import UUID

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from config.metrics import process_sampling_start
from generation import metrics
from generation.models import Job, JobKind, JobStage, JobStatus
from generation.providers import PollResult, Submission
from generation.selectors import jobs_in_flight
from generation.services.outage import retries_wake_due
from generation.services.polling import Due, ProviderPool, job_poll, jobs_due_for_poll, poll_results_apply
from generation.services.reconcile import jobs_reconcile, jobs_time_out
from generation.services.submit import (
    job_submit_begin,
    job_submit_end,
    job_submit_interrupted,
    provider_request,
)
from generation.services.wakeups import engine_holder_id, engine_lease_acquire, engine_lease_release

if TYPE_CHECKING:
    from generation.providers.page import PageProvider

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

IDLE_SECONDS = 0.25  # how soon a job newly due (or a page newly claimed) is noticed
BATCH_SECONDS = 0.05  # answers arriving this close together are applied in one transaction
LEASE_SECONDS = 10.0
RENEW_SECONDS = 2.0
HOUSEKEEPING_SECONDS = 1.0
RECONCILE_SECONDS = 10.0
HEARTBEAT_SECONDS = 5.0


def _db(fn: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    return sync_to_async(fn, thread_sensitive=True)


class Engine:
    def __init__(self) -> None:
        self.holder = engine_holder_id()
        self.pool = ProviderPool()
        self.polling: set[UUID] = set()  # polled, or answered and not applied yet
        self.answers: list[tuple[Due, PollResult | BaseException]] = []
        self.pages: dict[UUID, asyncio.Task[None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.has_lease = False
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._renewed_at = self._housekept_at = self._reconciled_at = float("-inf")
        self._retries_since: datetime | None = None

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        logger.info("engine started", extra={"event": "engine_start", "holder": self.holder})
        lag = asyncio.create_task(self._measure_lag())
        try:
            while not self._stopping.is_set():
                try:
                    await self.step()
                except Exception:
                    logger.exception("engine step failed")  # a database hiccup: try again
                    await _db(connections.close_all)()
                await self._idle()
        finally:
            lag.cancel()
            await self._shutdown()
            await _db(connections.close_all)()
        logger.info("engine stopped", extra={"event": "engine_stop", "holder": self.holder})

    async def step(self) -> int:
        """One turn: renew the lease, apply answers, housekeeping, start due polls and pages.
        Returns how many polls and pages it started."""
        now = time.monotonic()
        if not self.has_lease or now - self._renewed_at >= RENEW_SECONDS:
            self.has_lease = await _db(engine_lease_acquire)(holder=self.holder, ttl_seconds=LEASE_SECONDS)
            self._renewed_at = now
            if not self.has_lease:
                await self._abandon()  # another engine holds the lease (we stalled past it)
                return 0
        await self._apply_answers()
        if now - self._housekept_at >= HOUSEKEEPING_SECONDS:
            reconcile = now - self._reconciled_at >= RECONCILE_SECONDS
            await _db(self._housekeeping)(reconcile=reconcile)
            self._housekept_at = now
            if reconcile:
                self._reconciled_at = now
        started = 0
        free = settings.ENGINE_POLL_CONCURRENCY - len(self.polling)
        if free > 0:
            for item in await _db(jobs_due_for_poll)(limit=free, exclude=set(self.polling)):
                self.polling.add(item.id)
                self._spawn(self._poll(item))
                started += 1
        free = settings.PAGE_MAX_CONCURRENT - len(self.pages)
        if free > 0:
            for job_id in await _db(_pages_pending)(limit=free, exclude=set(self.pages)):
                self.pages[job_id] = self._spawn(self._write_page(job_id))
                started += 1
        return started

    def _housekeeping(self, *, reconcile: bool) -> None:
        close_old_connections()
        jobs_time_out()
        checked_at = timezone.now()
        retries_wake_due(since=self._retries_since)  # jobs sent back by a provider outage
        self._retries_since = checked_at
        if reconcile:
            jobs_reconcile(force_dispatch=False)
        metrics.engine_jobs_in_flight.set(jobs_in_flight().count() + len(self.pages))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _poll(self, item: Due) -> None:
        try:
            result = await job_poll(self.pool, item)
        except asyncio.CancelledError:
            self.polling.discard(item.id)  # stays due: the next engine polls it
            raise
        self.answers.append((item, result))
        self._wake.set()

    async def _apply_answers(self) -> None:
        if not self.answers:
            return
        batch, self.answers = self.answers, []
        try:
            await _db(poll_results_apply)(batch)
        finally:
            self.polling.difference_update(item.id for item, _ in batch)

    async def _write_page(self, job_id: UUID) -> None:
        """A product page: the guarded submit step, with the LLM conversation in this loop."""
        try:
            begun = await _db(job_submit_begin)(job_id=job_id)
            if begun is None:
                return
            job, provider = begun
            page_provider = cast("PageProvider", provider)  # a page job's provider is always "page"
            outcome: Submission | BaseException
            try:
                outcome = await page_provider.asubmit(await _db(provider_request)(job))
            except asyncio.CancelledError:
                # Stopping mid-write: hand the page back (written again where that is free).
                await _db(job_submit_interrupted)(job_id=job.id, kind=job.kind, provider=job.provider)
                raise
            except Exception as exc:
                outcome = exc
            await _db(job_submit_end)(job=job, outcome=outcome)
        finally:
            self.pages.pop(job_id, None)

    async def _idle(self) -> None:
        if not self.answers:
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)
            except TimeoutError:
                pass
            else:
                await asyncio.sleep(BATCH_SECONDS)  # let answers arriving together share a commit
        self._wake.clear()

    async def _measure_lag(self) -> None:
        """How late the loop runs what is due (a busy loop delays every poll and page), and a
        heartbeat file for the liveness probe (`runengine --alive`)."""
        beat_at = float("-inf")
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.5)
            metrics.engine_loop_lag_seconds.set(max(0.0, time.monotonic() - started - 0.5))
            if started - beat_at >= HEARTBEAT_SECONDS:
                engine_heartbeat_file().touch()
                beat_at = started

    async def _abandon(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.answers.clear()
        self.polling.clear()

    async def _shutdown(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            if self.has_lease:
                await self._apply_answers()
            await _db(engine_lease_release)(holder=self.holder)
        finally:
            await self.pool.aclose()


def engine_heartbeat_file() -> Path:
    return Path(settings.WORKER_STATE_DIR or tempfile.gettempdir()) / "studio-engine.heartbeat"


def _pages_pending(*, limit: int, exclude: set[UUID]) -> list[UUID]:
    """Claimed product pages not being written yet (the dispatcher claims, the engine writes)."""
    ids = (
        Job.objects.filter(kind=JobKind.PAGE, status=JobStatus.RUNNING, stage=JobStage.PENDING)
        .order_by("started_at")
        .values_list("id", flat=True)[: limit + len(exclude)]
    )
    return [job_id for job_id in ids if job_id not in exclude][:limit]


def engine_run_once() -> int:
    """One turn of an engine, waiting for the polls and pages it started, in this thread (tests
    and benchmarks drive the engine this way). Returns how many polls and pages it ran."""

    async def once() -> int:
        engine = Engine()
        started = await engine.step()
        while engine.tasks:
            await asyncio.gather(*list(engine.tasks), return_exceptions=True)
        await engine._shutdown()
        return started

    return async_to_sync(once)()


def engine_run() -> None:
    """Run an engine until SIGTERM or SIGINT (the `runengine` command)."""

    async def main() -> None:
        engine = Engine()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, engine.stop)
        await engine.run()

    with contextlib.suppress(OSError, AttributeError):  # `studio-engine` in ps and top (Linux)
        ctypes.CDLL(None).prctl(_PR_SET_NAME, b"studio-engine", 0, 0, 0)
    process_sampling_start("engine")  # its CPU and memory in /metrics (role="engine")
    connections.close_all()
    asyncio.run(main())


_PR_SET_NAME = 15
