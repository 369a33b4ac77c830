"""How often a job waiting at a provider is polled: a job the provider will call back about
(signed webhook) is polled only as a safety net, less often as it waits."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generation.models import Job
from generation.services import engine
from generation.services.polling import MAX_WEBHOOK_BACKOFF_SECONDS, jobs_poll_due
from tests.conftest import goods_form
from tests.fakes import bfl as fake_bfl

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bfl(bfl):
    bfl.polls_until_done = 10_000  # the job stays at the provider
    return bfl


def _waiting_job(api) -> str:
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    assert Job.objects.get(pk=job_id).stage == "waiting"
    return job_id


def _poll_now(job_id: str) -> float:
    """Make the job due, poll it once; the seconds until its next check."""
    Job.objects.filter(pk=job_id).update(next_check_at=timezone.now())
    before = timezone.now()
    assert jobs_poll_due() == 1
    job = Job.objects.get(pk=job_id)
    assert job.stage == "waiting"
    return (job.next_check_at - before).total_seconds()


def test_a_webhook_backed_job_is_polled_less_often_as_it_waits_up_to_the_cap(api, bfl, settings):
    settings.BFL_WEBHOOK_SECRET = fake_bfl.WEBHOOK_SECRET
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # the callback never arrives: polls are the net
    settings.WEBHOOK_FALLBACK_POLL_SECONDS = 20
    job_id = _waiting_job(api)
    state = Job.objects.get(pk=job_id).provider_state
    assert state["webhook"] is True

    intervals = [_poll_now(job_id) for _ in range(6)]

    for interval, base in zip(intervals, [20, 30, 45, MAX_WEBHOOK_BACKOFF_SECONDS, 60, 60], strict=True):
        assert 0.9 * base - 0.5 <= interval <= 1.1 * base + 0.5, intervals
    job = Job.objects.get(pk=job_id)
    assert job.poll_count == 6
    assert job.provider_state == state  # a pending answer changes nothing else


def test_a_job_without_a_webhook_keeps_the_short_poll_schedule(api, bfl, settings):
    settings.BFL_WEBHOOK_SECRET = ""
    job_id = _waiting_job(api)
    assert Job.objects.get(pk=job_id).provider_state["webhook"] is False

    intervals = [_poll_now(job_id) for _ in range(3)]

    for interval, base in zip(intervals, [1, 1.5, 2.25], strict=True):
        assert 0.9 * base - 0.5 <= interval <= 1.1 * base + 0.5, intervals
