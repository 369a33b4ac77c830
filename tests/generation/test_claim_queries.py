"""The dispatcher's claim: a constant number of queries however many jobs and users wait (it is on
every job's way to its provider), with the limits, the events and the queue positions it owes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Event
from generation.models import Job
from generation.services.dispatch import jobs_dispatch
from generation.services.transitions import jobs_start
from tests.conftest import api_client_for
from tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the claim's after-commit work runs

# The engine's claim (no submit tasks): the request flag; BEGIN; the lock (PostgreSQL); the
# candidates, their users' figures and the providers' running counts; the claiming UPDATE and the
# job.started INSERT; the waiting jobs ranked, their providers' and users' running figures, the
# typical duration of their kind (cached for 30 s) and the queue.moved INSERT; a wake-up of the
# event streams per INSERT (PostgreSQL NOTIFY); COMMIT.
CLAIM_QUERIES = {"postgresql": 16, "sqlite": 13}


def _queue(*, users: int, jobs_each: int) -> list:
    owners = [UserFactory() for _ in range(users)]
    for _ in range(jobs_each):
        for owner in owners:
            JobFactory(user=owner)
    return owners


def _claim_queries() -> tuple[list, int]:
    cache.clear()  # the typical durations behind the ETAs are read once per kind and provider
    with CaptureQueriesContext(connection) as queries:
        claimed = jobs_dispatch(submit_tasks=False)
    return claimed, len(queries.captured_queries)


def test_the_claim_costs_as_many_queries_for_many_users_and_jobs_as_for_two(settings):
    settings.MAX_PER_USER_CONCURRENT = 1  # each user's first job starts, the others wait
    settings.LOCAL_MAX_CONCURRENT = 100
    _queue(users=2, jobs_each=2)
    small, small_queries = _claim_queries()
    Job.objects.all().delete()
    _queue(users=8, jobs_each=6)
    large, large_queries = _claim_queries()

    assert (len(small), len(large)) == (2, 8)
    assert small_queries == large_queries == CLAIM_QUERIES[connection.vendor]


def test_the_claim_keeps_each_user_within_their_limit_and_the_provider_within_its_cap(settings):
    settings.MAX_PER_USER_CONCURRENT = 2
    settings.LOCAL_MAX_CONCURRENT = 5
    owners = _queue(users=4, jobs_each=3)
    JobFactory(user=owners[0], running=True)  # holds one of the first user's two places

    claimed = jobs_dispatch(submit_tasks=False)

    running = Job.objects.filter(status="running")
    assert len(claimed) == 4 and running.count() == 5  # the provider's cap, one already running
    per_user = {owner.pk: running.filter(user=owner).count() for owner in owners}
    assert per_user[owners[0].pk] == 2 and all(n <= 2 for n in per_user.values())
    assert set(Job.objects.filter(pk__in=claimed).values_list("stage", flat=True)) == {"pending"}


def test_each_claimed_job_gets_its_started_event_and_each_waiting_user_their_positions(settings):
    settings.MAX_PER_USER_CONCURRENT = 1
    settings.LOCAL_MAX_CONCURRENT = 100
    owners = _queue(users=3, jobs_each=3)

    claimed = jobs_dispatch(submit_tasks=False)

    started = Event.objects.filter(type="job.started").order_by("id")
    assert sorted(e.object_id for e in started) == sorted(str(i) for i in claimed)
    for event in started:
        job = Job.objects.get(pk=event.object_id)
        assert event.user_id == job.user_id
        assert event.payload == {
            "id": str(job.id),
            "kind": job.kind,
            "status": "running",
            "stage": "pending",
            "progress": 0,
            "started_at": DjangoJSONEncoder().default(job.started_at),
        }
    for owner in owners:
        [moved] = Event.objects.filter(user=owner, type="queue.moved")
        api = api_client_for(owner)
        waiting = Job.objects.filter(user=owner, status="queued").order_by("-created_at", "-id")
        shown = [api.get(f"/api/v1/jobs/{job.id}").json() for job in waiting]
        assert moved.payload["jobs"] == [
            {"id": body["id"], "queue_position": body["queue_position"], "eta_seconds": body["eta_seconds"]}
            for body in shown
        ]


def test_a_job_that_left_the_queue_before_the_claiming_update_is_not_claimed(db):
    owner = UserFactory()
    kept, canceled = JobFactory(user=owner), JobFactory(user=owner)
    Job.objects.filter(pk=canceled.pk).update(status="canceled", finished_at=timezone.now())

    started = jobs_start(jobs=[kept, canceled], now=timezone.now())

    assert [job.id for job in started] == [kept.id]
    assert Job.objects.get(pk=canceled.pk).status == "canceled"
    assert list(Event.objects.filter(type="job.started").values_list("object_id", flat=True)) == [
        str(kept.id)
    ]
