"""The engine: one asyncio loop that dispatches, submits and polls every provider job and writes
every product page.

Each turn of the loop (several a second, at once when a final answer or a dispatch request
arrives):
- dispatches when a dispatch was requested (a job created, a running slot freed, a retry due)
  and a job is queued (most requests come from freed slots with nothing waiting: one query):
  the engine is the dispatcher of record while it holds its lease, woken at once by a
  notification on wakeups.DISPATCH_CHANNEL (PostgreSQL NOTIFY or Redis pub/sub; SQLite: the
  request flag read at every turn, at least every IDLE_SECONDS);
- sends the claimed jobs to their providers as tasks of this loop (job_submit_begin in the
  database thread, the provider's `asubmit`, job_submit_end), at most ENGINE_SUBMIT_CONCURRENCY
  at once, and writes pending product pages the same way, their budget enforced by cancellation;
- polls the jobs whose next check is due (the per-job backoff is on the row, providers' hints
  win; a webhook applies its answer in the web process and the job moves on without a poll),
  over one provider object, hence one HTTP client, per provider for the process's life; the
  due checks are read when the earliest falls due (the engine knows the ones it schedules; at
  least every POLL_RESCAN_SECONDS for others), POLL_AHEAD_SECONDS ahead, each poll sent at its
  time, so 1,000 jobs in flight cost about one read a second;
- applies the answers in batches, one transaction each: a final answer at once, "ask again
  later" ones within PENDING_APPLY_SECONDS, all of those in one UPDATE;
- once a second times jobs out and wakes the dispatcher for retries due; every 10 s reconciles.
Finalize (download, thumbnails: CPU-bound) stays in django-q2 task processes.

Database work runs in asgiref's one sync thread, network work in the loop, blocking work (an
edit's translation, input file reads of providers without an async client) in threads. One
engine at a time holds the lease; a standby takes over when a dead engine's lease runs out
(LEASE_SECONDS). On SIGTERM the engine cancels its polls, hands back the pages it was writing,
gives provider calls under way SUBMIT_GRACE_SECONDS to answer (a call cut short is handed to
job_submit_interrupted: sent again only where that is free), applies what it has and releases
the lease, well within Kubernetes' grace period.
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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.channels import channel_listen
from config.metrics import process_sampling_start
from generation import metrics
from generation.models import Job, JobKind, JobStage, JobStatus
from generation.providers import PollResult, ProviderError, Submission, SubmitRequest
from generation.selectors import jobs_in_flight
from generation.services.dispatch import jobs_dispatch
from generation.services.outage import retries_wake_due
from generation.services.polling import (
    Due,
    ProviderPool,
    job_poll,
    jobs_due_for_poll,
    poll_next_due_at,
    poll_results_apply,
)
from generation.services.reconcile import jobs_reconcile, jobs_time_out
from generation.services.submit import (
    edit_translate,
    job_prepare_failed,
    job_submit_begin,
    job_submit_end,
    job_submit_hand_back,
    job_submit_interrupted,
    job_translation_pending,
    job_translation_store,
    provider_request,
)
from generation.services.wakeups import (
    DISPATCH_CHANNEL,
    dispatch_request,
    dispatch_request_clear,
    dispatch_requested,
    engine_holder_id,
    engine_lease_acquire,
    engine_lease_release,
)

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
LISTENING_SECONDS = 1.0  # how often the request flag is read while notifications arrive
PENDING_SCAN_SECONDS = 1.0  # pending jobs the engine did not claim itself (handed back, resubmitted)
# The due polls are read when the earliest next check falls due (the engine knows every check it
# schedules itself), and at least this often for schedules set elsewhere (another process's submit).
POLL_RESCAN_SECONDS = 5.0
# A read takes the checks due this far ahead too (each poll waits for its time), so with many jobs
# in flight the due polls are read about once a second, not at every turn.
POLL_AHEAD_SECONDS = 1.0
# "Ask again later" answers (pending, a failed poll) wait up to this long to share one UPDATE and
# commit; a final answer (ready, failed) is applied at once, with those waiting.
PENDING_APPLY_SECONDS = 1.0
IN_FLIGHT_GAUGE_SECONDS = 10.0  # the jobs-in-flight gauge: a COUNT over every waiting job
SUBMIT_GRACE_SECONDS = 5.0  # on SIGTERM, provider calls under way get this long to answer


def _db(fn: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    return sync_to_async(fn, thread_sensitive=True)


class _DatabaseThread:
    """A thread with a database connection of its own, for the dispatch and submit steps: a
    new job's claim and provider call never wait behind a batch of poll answers."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def __call__(self, fn: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            def run() -> R:
                try:
                    return fn(*args, **kwargs)
                except Exception:
                    connections.close_all()  # a broken connection is opened again by the next call
                    raise

            return await asyncio.get_running_loop().run_in_executor(self._executor, run)

        return call

    async def close(self) -> None:
        await self(connections.close_all)()
        self._executor.shutdown(wait=False)


class Engine:
    def __init__(self, *, poll_ahead_seconds: float = POLL_AHEAD_SECONDS) -> None:
        self.poll_ahead_seconds = poll_ahead_seconds
        self.holder = engine_holder_id()
        self.pool = ProviderPool()
        self.polling: set[UUID] = set()  # polled, or answered and not applied yet
        self.answers: list[tuple[Due, PollResult | BaseException]] = []
        self._answered_at = float("inf")  # (monotonic) when the oldest answer not applied came
        self._final_answer = False  # one of those is final: apply them now
        self.pages: dict[UUID, asyncio.Task[None]] = {}
        self.submits: dict[UUID, asyncio.Task[None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.has_lease = False
        self._wake = asyncio.Event()
        self._dispatch_wake = asyncio.Event()  # a dispatch request arrived, or a submit slot freed
        self._dispatcher: asyncio.Task[None] | None = None  # run(): dispatch in a task of its own
        self._listening = False  # dispatch requests arrive as notifications: read the flag less often
        self._sdb = _DatabaseThread("engine-submit")
        self._stopping = asyncio.Event()
        self._renewed_at = self._housekept_at = self._reconciled_at = float("-inf")
        self._scanned_at = self._counted_at = float("-inf")
        self._poll_due_at = float("-inf")  # (monotonic) the due-poll query is skipped until then
        self._notified = False  # a dispatch notification arrived since the last dispatch turn
        self._backlog = False  # the last scan found more pending jobs than free slots
        self._retries_since: datetime | None = None

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._dispatch_wake.set()

    def dispatch_woken(self) -> None:
        """A dispatch was requested (a notification arrived): dispatch now."""
        self._notified = True
        self._dispatch_wake.set()

    async def run(self) -> None:
        logger.info("engine started", extra={"event": "engine_start", "holder": self.holder})
        self._dispatcher = asyncio.create_task(self._dispatch_loop())
        helpers = [
            self._dispatcher,
            asyncio.create_task(self._measure_lag()),
            asyncio.create_task(self._listen()),
        ]
        try:
            while not self._stopping.is_set():
                try:
                    await self.step()
                except Exception:
                    logger.exception("engine step failed")  # a database hiccup: try again
                    await _db(connections.close_all)()
                await self._idle()
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._shutdown()
            await _db(connections.close_all)()
        logger.info("engine stopped", extra={"event": "engine_stop", "holder": self.holder})

    async def step(self) -> int:
        """One turn: renew the lease, apply answers, housekeeping, start due polls (and, driven
        from outside, a dispatch turn: run() dispatches in a task of its own). Returns how many
        submits, pages and polls it started."""
        now = time.monotonic()
        if not self.has_lease or now - self._renewed_at >= RENEW_SECONDS:
            self.has_lease = await _db(engine_lease_acquire)(holder=self.holder, ttl_seconds=LEASE_SECONDS)
            self._renewed_at = now
            if not self.has_lease:
                await self._abandon()  # another engine holds the lease (we stalled past it)
                return 0
        started = 0
        if self._dispatcher is None:  # one turn driven from outside (engine_run_once)
            started += await self.dispatch_turn()
        await self._apply_answers()
        if now - self._housekept_at >= HOUSEKEEPING_SECONDS:
            reconcile = now - self._reconciled_at >= RECONCILE_SECONDS
            count = now - self._counted_at >= IN_FLIGHT_GAUGE_SECONDS
            await _db(self._housekeeping)(reconcile=reconcile, count=count)
            self._housekept_at = now
            if count:
                self._counted_at = now
            if reconcile:
                self._reconciled_at = now
                self._poll_due_at = float("-inf")  # the reconciler may have resumed jobs
        free = settings.ENGINE_POLL_CONCURRENCY - len(self.polling)
        if free > 0 and time.monotonic() >= self._poll_due_at:
            self._poll_due_at = float("inf")  # a check scheduled during the read still counts
            try:
                due, next_at = await _db(_due_polls)(
                    limit=free, exclude=set(self.polling), ahead_seconds=self.poll_ahead_seconds
                )
            except BaseException:
                self._poll_due_at = float("-inf")
                raise
            wait = (
                POLL_RESCAN_SECONDS if next_at is None else min(POLL_RESCAN_SECONDS, _seconds_until(next_at))
            )
            self._poll_due_at = min(self._poll_due_at, time.monotonic() + wait)
            for item in due:
                self.polling.add(item.id)
                self._spawn(self._poll(item))
                started += 1
        return started

    def poll_due_soon(self, at: datetime) -> None:
        """A job's next check was set to `at`: read the due polls by then."""
        self._poll_due_at = min(self._poll_due_at, time.monotonic() + _seconds_until(at))

    async def dispatch_turn(self) -> int:
        """Dispatch if it was requested, then start submits and pages for the claimed jobs
        (in the engine's submit thread). Returns how many it started."""
        now = time.monotonic()
        scan = self._backlog or now - self._scanned_at >= PENDING_SCAN_SECONDS
        notified, self._notified = self._notified, False
        work = await self._sdb(_dispatch_and_pending)(
            notified=notified,
            scan=scan,
            pages=max(0, settings.PAGE_MAX_CONCURRENT - len(self.pages)),
            submits=max(0, settings.ENGINE_SUBMIT_CONCURRENCY - len(self.submits)),
            exclude={*self.pages, *self.submits},
        )
        if work is None or self._stopping.is_set():
            return 0
        self._scanned_at = now
        pages, submits, self._backlog = work
        for job_id in pages:
            self.pages[job_id] = self._spawn(self._send(job_id, self.pages))
        for job_id in submits:
            self.submits[job_id] = self._spawn(self._send(job_id, self.submits))
        return len(pages) + len(submits)

    async def _dispatch_loop(self) -> None:
        """Dispatch as soon as it is requested (and read the request flag every IDLE_SECONDS),
        beside the polling turns, so a new job is claimed and sent without waiting for them."""
        while not self._stopping.is_set():
            wait = LISTENING_SECONDS if self._listening else IDLE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dispatch_wake.wait(), wait)
            self._dispatch_wake.clear()
            if not self.has_lease or self._stopping.is_set():
                continue
            try:
                await self.dispatch_turn()
            except Exception:
                logger.exception("engine dispatch failed")  # a database hiccup: try again

    def _housekeeping(self, *, reconcile: bool, count: bool) -> None:
        close_old_connections()
        jobs_time_out()
        checked_at = timezone.now()
        retries_wake_due(since=self._retries_since)  # jobs sent back by a provider outage
        self._retries_since = checked_at
        if reconcile:
            jobs_reconcile(force_dispatch=False)
        if count:
            metrics.engine_jobs_in_flight.set(jobs_in_flight().count() + len(self.pages))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _poll(self, item: Due) -> None:
        try:
            if item.next_check_at is not None:  # read ahead of its time: wait for it
                await asyncio.sleep(_seconds_until(item.next_check_at))
            result = await job_poll(self.pool, item)
        except asyncio.CancelledError:
            self.polling.discard(item.id)  # stays due: the next engine polls it
            raise
        if not self.answers:
            self._answered_at = time.monotonic()
        self.answers.append((item, result))
        if _is_final(result):
            self._final_answer = True
            self._wake.set()

    def _answers_due(self) -> bool:
        return bool(self.answers) and (
            self._final_answer or time.monotonic() - self._answered_at >= PENDING_APPLY_SECONDS
        )

    async def _apply_answers(self, *, all_now: bool = False) -> None:
        if not (self._answers_due() or (all_now and self.answers)):
            return
        batch, self.answers = self.answers, []
        self._final_answer, self._answered_at = False, float("inf")
        try:
            next_at = await _db(poll_results_apply)(batch)
            if next_at is not None:
                self.poll_due_soon(next_at)
        finally:
            self.polling.difference_update(item.id for item, _ in batch)

    async def _send(self, job_id: UUID, running: dict[UUID, asyncio.Task[None]]) -> None:
        """A claimed job to its provider, once: the guarded submit step, with the provider call
        (a product page's whole LLM conversation) in this loop and the database work in its
        thread. The edit's translation (an LLM call) runs in a thread of its own before it."""
        try:
            (prompt, begun), cancelled = await _to_the_end(self._sdb(_submit_begin)(job_id=job_id))
            if prompt is not None and not cancelled:
                try:
                    translation = await asyncio.to_thread(edit_translate, prompt)
                except Exception as exc:
                    await self._sdb(job_prepare_failed)(job_id=job_id, error=exc)
                    return
                await self._sdb(job_translation_store)(job_id=job_id, translation=translation)
                (_, begun), cancelled = await _to_the_end(self._sdb(_submit_begin)(job_id=job_id))
            if begun is None:
                if cancelled:
                    raise asyncio.CancelledError
                return
            job, request = begun
            if cancelled:  # stopped before the call: nothing was sent
                await self._sdb(job_submit_hand_back)(job_id=job.id)
                raise asyncio.CancelledError
            outcome: Submission | BaseException
            try:
                if isinstance(request, Exception):
                    raise request
                outcome = await self.pool.get(job.provider).asubmit(request)
            except asyncio.CancelledError:
                # Stopping mid-call: resumed, sent again where that is free, or abandoned; never
                # a second paid call. A page is handed back the same way.
                await self._sdb(job_submit_interrupted)(job_id=job.id, kind=job.kind, provider=job.provider)
                raise
            except Exception as exc:
                outcome = exc
            await _to_the_end(self._sdb(job_submit_end)(job=job, outcome=outcome))
            if isinstance(outcome, Submission):  # the job waits now, first checked then
                self.poll_due_soon(timezone.now() + timedelta(seconds=outcome.poll_after_seconds))
        except Exception:
            # A database hiccup: the job stays pending (or submitting) for a later turn or the
            # reconciler.
            logger.exception("engine submit step failed", extra={"job_id": str(job_id)})
        finally:
            running.pop(job_id, None)
            if self._backlog:
                self._dispatch_wake.set()  # a slot is free for a job still pending

    async def _idle(self) -> None:
        if not self._answers_due():
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)
            except TimeoutError:
                pass
            else:
                await asyncio.sleep(BATCH_SECONDS)  # let answers arriving together share a commit
        self._wake.clear()

    async def _listen(self) -> None:
        """Dispatch requests as they are made: LISTEN on PostgreSQL, SUBSCRIBE on Redis (per
        EVENT_NOTIFY). Without either the turn's read of the request flag is the wake-up."""
        await channel_listen(DISPATCH_CHANNEL, self.dispatch_woken, on_listening=self._set_listening)

    def _set_listening(self, listening: bool) -> None:
        self._listening = listening

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
        """Another engine holds the lease: stop polling and writing pages. Provider calls under
        way end by themselves (their jobs are `submitting`, which no other engine sends)."""
        tasks = [task for task in self.tasks if task not in self.submits.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.answers.clear()
        self._final_answer, self._answered_at = False, float("inf")
        self.polling.clear()
        self._poll_due_at = float("-inf")

    async def _shutdown(self) -> None:
        submits = set(self.submits.values())
        others = [task for task in self.tasks if task not in submits]
        for task in others:
            task.cancel()
        if submits:  # a provider call cut short may be paid for without a result: let it answer
            await asyncio.wait(submits, timeout=SUBMIT_GRACE_SECONDS)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*others, *submits, return_exceptions=True)
        try:
            if self.has_lease:
                await self._apply_answers(all_now=True)
            await _db(engine_lease_release)(holder=self.holder)
            await _db(_dispatch_hand_back)()
        finally:
            await self.pool.aclose()
            await self._sdb.close()


async def _to_the_end(awaitable: Coroutine[Any, Any, R]) -> tuple[R, bool]:
    """Await a database step to its end even when cancelled meanwhile (its thread finishes it
    anyway, and the caller must know what it did): (result, whether cancelled)."""
    future = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(future), False
    except asyncio.CancelledError:
        return await future, True


def engine_heartbeat_file() -> Path:
    return Path(settings.WORKER_STATE_DIR or tempfile.gettempdir()) / "studio-engine.heartbeat"


def _dispatch_and_pending(
    *, notified: bool = False, scan: bool, pages: int, submits: int, exclude: set[UUID]
) -> tuple[list[UUID], list[UUID], bool] | None:
    """Dispatch if it was requested (`notified`: a notification said so; else the request flag
    is read), then the claimed jobs to send (pages, others, and whether more are pending than
    fit): after a dispatch that claimed any, or when `scan`; else None."""
    if notified:
        claimed = jobs_dispatch(submit_tasks=False) if _queued().exists() else []
    else:
        claimed = jobs_dispatch(submit_tasks=False) if dispatch_requested() and _queued_to_claim() else []
    if not (claimed or scan):
        return None
    rows = (
        Job.objects.filter(status=JobStatus.RUNNING, stage=JobStage.PENDING)
        .order_by("started_at")
        .values_list("id", "kind")[: pages + submits + len(exclude) + 1]
    )
    page_ids: list[UUID] = []
    other_ids: list[UUID] = []
    backlog = False
    for job_id, kind in rows:
        if job_id in exclude:
            continue
        wanted, room = (page_ids, pages) if kind == JobKind.PAGE else (other_ids, submits)
        if len(wanted) < room:
            wanted.append(job_id)
        else:
            backlog = True
    return page_ids, other_ids, backlog


def _queued() -> QuerySet[Job]:
    """What a dispatch could claim: jobs queued and due (not waiting out a provider outage)."""
    return Job.objects.filter(status=JobStatus.QUEUED).filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=timezone.now())
    )


def _queued_to_claim() -> bool:
    """Whether a requested dispatch could claim a job. Most requests come from slots freed while
    nothing waits; those are answered here, at a fraction of a dispatch's cost."""
    if _queued().exists():
        return True
    # As the dispatcher does: the request is cleared before the queue is read again, so a job
    # queued meanwhile is seen here, or its request (made after its commit) sets the flag anew.
    dispatch_request_clear()
    return _queued().exists()


def _due_polls(*, limit: int, exclude: set[UUID], ahead_seconds: float) -> tuple[list[Due], datetime | None]:
    """The jobs due for a poll within `ahead_seconds` and, when they all fit in `limit`, when
    the first after those is due (None: no other job waits). Else now: more are due than fit."""
    now = timezone.now()
    by = now + timedelta(seconds=ahead_seconds)
    due = jobs_due_for_poll(limit=limit, exclude=exclude, by=by)
    return due, (now if len(due) >= limit else poll_next_due_at(after=by))


def _is_final(result: PollResult | BaseException) -> bool:
    """Whether an answer ends the job's wait (ready or failed) rather than asking again later."""
    if isinstance(result, BaseException):
        return isinstance(result, ProviderError) and result.permanent
    return result.status != "pending"


def _seconds_until(at: datetime) -> float:
    return max(0.0, (at - timezone.now()).total_seconds())


def _submit_begin(*, job_id: UUID) -> tuple[str | None, tuple[Job, SubmitRequest | Exception] | None]:
    """(an edit's prompt still to translate, None) or (None, the job moved to `submitting` and
    its provider request, or None when there is nothing to send): one trip to the database
    thread before the call."""
    prompt = job_translation_pending(job_id=job_id)
    if prompt is not None:
        return prompt, None
    begun = job_submit_begin(job_id=job_id)
    if begun is None:
        return None, None
    job, _ = begun
    try:
        return None, (job, provider_request(job))
    except Exception as exc:  # recorded by job_submit_end like a failed call (nothing was sent)
        return None, (job, exc)


def _dispatch_hand_back() -> None:
    """A stopping engine leaves a requested dispatch to whoever is alive (task processes)."""
    if dispatch_requested():
        dispatch_request(force=True)


def engine_run_once() -> int:
    """One turn of an engine, waiting for the submits, pages and polls it started, in this thread
    (tests and benchmarks drive the engine this way). Returns how many it ran. It polls only what
    is due now: a check read ahead would make the turn sleep until its time."""

    async def once() -> int:
        engine = Engine(poll_ahead_seconds=0.0)
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
