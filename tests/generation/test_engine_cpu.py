"""What keeps the engine cheap with many jobs in flight: the "ask again later" answers of a poll
round written in one UPDATE whatever their number, the due polls read only when one falls due,
and a dispatch request with nothing queued answered without running the dispatcher."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import factory
import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event
from generation.engine import Engine
from generation.engine import loop as engine_loop
from generation.models import Job, JobStatus
from generation.providers import PollResult, ProviderError
from generation.services.polling import Due, jobs_due_for_poll, poll_results_apply
from generation.services.wakeups import dispatch_request, dispatch_requested
from tests.factories import JobFactory
from tests.fakes import bfl as fake_bfl
from tests.generation.test_engine_submit import RunningEngine, _create, wait_for
from tests.generation.test_engine_submit import bfl as bfl  # the fake BFL fixture


def _waiting_jobs(user, count: int, **fields) -> list[Due]:
    """`count` jobs waiting at BFL (a webhook on the way), due for a poll now."""
    JobFactory.create_batch(
        count,
        user=user,
        running=True,
        provider="bfl",
        provider_ref=factory.Sequence(lambda n: f"task-{n}"),
        provider_state={"webhook": True},
        **fields,
    )
    due = jobs_due_for_poll(limit=1000)
    assert len(due) == count
    return due


def _apply_pending(due: list[Due], *, progress: int | None = None) -> int:
    """Apply a pending answer for every job; the number of queries it took, but for what a
    rising progress brings per job: its live event (and wake-up) and its log line's read of the
    job's request id (once per job and process)."""
    answers = [(item, PollResult(status="pending", progress=progress, poll_after_seconds=20)) for item in due]
    with CaptureQueriesContext(connection) as queries:
        poll_results_apply(answers)
    per_job = ("accounts_event", "pg_notify", '"request_id"')
    return sum(1 for q in queries if not any(part in q["sql"] for part in per_job))


@pytest.mark.django_db
def test_pending_answers_are_applied_in_the_same_number_of_queries_for_3_jobs_as_for_30(user):
    few = _apply_pending(_waiting_jobs(user, 3))
    Job.objects.all().delete()
    due = _waiting_jobs(user, 30)
    before = timezone.now()

    many = _apply_pending(due)

    assert many == few
    jobs = list(Job.objects.filter(pk__in=[item.id for item in due]))
    assert all(job.poll_count == 1 and job.stage == "waiting" for job in jobs)
    # Each job got its own next check (a webhook-backed job's hint, with jitter: 18-22 s ahead).
    ahead = [(job.next_check_at - before).total_seconds() for job in jobs]
    assert all(17 <= seconds <= 23 for seconds in ahead), ahead
    assert len({job.next_check_at for job in jobs}) > 1


@pytest.mark.django_db
def test_rising_progress_of_many_jobs_is_stored_in_a_constant_number_of_queries_beside_its_events(user):
    few = _apply_pending(_waiting_jobs(user, 3), progress=50)
    Job.objects.all().delete()
    due = _waiting_jobs(user, 30)
    events_before = Event.objects.filter(type="job.progress").count()

    many = _apply_pending(due, progress=50)

    assert many == few
    assert Event.objects.filter(type="job.progress").count() - events_before == 30
    assert set(Job.objects.filter(pk__in=[item.id for item in due]).values_list("progress", flat=True)) == {
        50
    }


@pytest.mark.django_db
def test_a_job_that_ended_before_its_answer_was_applied_is_left_alone(user):
    due = _waiting_jobs(user, 3)
    ended = due[1].id
    Job.objects.filter(pk=ended).update(status=JobStatus.CANCELED, stage="", finished_at=timezone.now())

    _apply_pending(due, progress=50)

    job = Job.objects.get(pk=ended)
    assert (job.status, job.poll_count, job.progress) == ("canceled", 0, 0)
    assert not Event.objects.filter(type="job.progress", object_id=str(ended)).exists()
    assert Job.objects.filter(pk__in=[due[0].id, due[2].id], poll_count=1, progress=50).count() == 2


@pytest.mark.django_db
def test_failed_polls_and_pending_answers_in_one_batch_each_get_a_later_check(user):
    due = _waiting_jobs(user, 2)
    before = timezone.now()
    answers = [
        (due[0], ProviderError("BFL could not be reached", code="provider_timeout", permanent=False)),
        (due[1], PollResult(status="pending", poll_after_seconds=20)),
    ]

    next_at = poll_results_apply(answers)

    failed, pending = (Job.objects.get(pk=item.id) for item in due)
    assert failed.poll_count == pending.poll_count == 1
    assert failed.next_check_at < pending.next_check_at  # 1 s of backoff against the 20 s hint
    assert next_at == failed.next_check_at and next_at > before


@pytest.fixture
def no_periodic_reads(monkeypatch):
    """Only the engine's own schedule brings a read of the due polls (no rescan, no reconciler
    run after the first turn's)."""
    monkeypatch.setattr(engine_loop, "POLL_RESCAN_SECONDS", 3600.0)
    monkeypatch.setattr(engine_loop, "RECONCILE_SECONDS", 3600.0)


@pytest.mark.django_db(transaction=True)
def test_no_due_poll_is_read_before_the_earliest_next_check(user, no_periodic_reads, monkeypatch):
    _waiting_jobs(user, 3)
    Job.objects.update(next_check_at=timezone.now() + timedelta(seconds=600))
    engine = Engine()

    async def turn() -> int:
        return await engine.step()

    try:
        assert async_to_sync(turn)() == 0  # reads the due polls: none, the first in 10 minutes
        # Made due behind the engine's back: the next turns read nothing, so they poll nothing.
        Job.objects.update(next_check_at=timezone.now() - timedelta(seconds=1))
        assert async_to_sync(turn)() == 0
        assert async_to_sync(turn)() == 0
        monkeypatch.setattr(engine_loop, "POLL_RESCAN_SECONDS", 0.0)
        engine.poll_due_soon(timezone.now())  # a check the engine scheduled itself falls due
        assert async_to_sync(turn)() == 3
    finally:
        async_to_sync(engine._shutdown)()


@pytest.mark.django_db(transaction=True)
def test_a_job_the_engine_sent_is_polled_whenever_due_by_its_own_schedule(api, bfl, no_periodic_reads):
    # The submit's answer schedules the first poll, each pending answer the next: three polls,
    # the third answering Ready, with no periodic read of the due polls to fall back on.
    bfl.polls_until_done = 3
    with RunningEngine():
        job_id = _create(api)
        assert wait_for(
            lambda: Job.objects.filter(pk=job_id, poll_count=2).exclude(stage="waiting").exists(), 60
        ), Job.objects.values("status", "stage", "poll_count").get(pk=job_id)
    assert len(bfl.received("GET", "/eu1/v1/get_result")) == 3


@pytest.mark.django_db(transaction=True)
def test_one_read_takes_the_polls_due_within_the_next_second_each_sent_at_its_time(user, no_periodic_reads):
    asked_at: dict[str, float] = {}

    class TimedBfl(fake_bfl.FakeBfl):
        def result(self, request):
            asked_at[request.query["id"][0]] = time.time()
            return super().result(request)

    with TimedBfl(polls_until_done=10) as fake:
        JobFactory.create_batch(
            2,
            user=user,
            running=True,
            provider="bfl",
            provider_ref=factory.Sequence(lambda n: f"task-{n}"),
            provider_state={"webhook": False},
        )
        now = timezone.now()
        due_now, due_soon = Job.objects.order_by("created_at")
        checks = {due_now.provider_ref: now, due_soon.provider_ref: now + timedelta(seconds=0.6)}
        for job in (due_now, due_soon):
            fake.tasks[job.provider_ref] = {"body": {}, "polls": 0, "done": False}
            Job.objects.filter(pk=job.pk).update(
                next_check_at=checks[job.provider_ref],
                provider_state={
                    "webhook": False,
                    "polling_url": f"{fake.url}/eu1/v1/get_result?id={job.provider_ref}",
                },
            )
        engine = Engine()

        async def turn_and_polls() -> int:
            started = await engine.step()
            await asyncio.gather(*list(engine.tasks))
            await engine._shutdown()
            return started

        with override_settings(
            BFL_API_BASE=fake.url, BFL_API_KEY=fake_bfl.KEY, BFL_RESULT_HOSTS=["127.0.0.1"]
        ):
            assert async_to_sync(turn_and_polls)() == 2

    assert set(asked_at) == set(checks)
    assert all(asked_at[ref] >= at.timestamp() for ref, at in checks.items()), (asked_at, checks)
    assert set(Job.objects.values_list("poll_count", flat=True)) == {1}


@pytest.mark.django_db
def test_a_dispatch_notification_with_nothing_queued_costs_one_query_and_no_dispatch(user):
    JobFactory(user=user, running=True)  # in flight, nothing queued
    _request_dispatch()

    with CaptureQueriesContext(connection) as queries:
        work = engine_loop._dispatch_and_pending(notified=True, scan=False, pages=4, submits=4, exclude=set())

    assert work is None
    assert len(queries) == 1, [q["sql"] for q in queries]  # is anything queued? no lock, no claim


@pytest.mark.django_db
def test_a_dispatch_request_with_nothing_queued_is_answered_without_running_the_dispatcher(user):
    JobFactory(user=user, running=True)  # in flight, nothing queued
    _request_dispatch()

    with CaptureQueriesContext(connection) as queries:
        work = engine_loop._dispatch_and_pending(scan=False, pages=4, submits=4, exclude=set())

    assert work is None
    assert not dispatch_requested()  # answered: the next turns read a cleared flag
    # The flag read, the queue read, the clear and the queue read again; no dispatcher lock,
    # no claim.
    assert len(queries) == 4, [q["sql"] for q in queries]


@pytest.mark.django_db
@pytest.mark.parametrize("notified", [True, False])
def test_a_dispatch_request_with_a_job_queued_runs_the_dispatcher(user, notified):
    job = JobFactory(user=user)
    _request_dispatch()

    work = engine_loop._dispatch_and_pending(notified=notified, scan=False, pages=4, submits=4, exclude=set())

    assert work is not None
    _, submits, _ = work
    assert submits == [job.id]
    assert Job.objects.get(pk=job.id).status == "running"


def _request_dispatch() -> None:
    dispatch_request()  # no engine holds the lease: the flag, and a django-q2 task (not run here)
    assert dispatch_requested()
