"""A provider that is down for a while: a create it surely did not process sends the job back
to the queue (waiting_reason=provider_unavailable), tried again with backoff until the job's
deadline; still one paid create per job. Against the fake providers on loopback."""

from __future__ import annotations

import time
from uuid import UUID

import pytest

from config.health import health_report
from generation.models import Job
from generation.services import engine
from tests.conftest import goods_form, ppl_form, run_tasks

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # outage windows last seconds

CREATE = "/v1/models/"
# How long a job may take to end here: a deadline on a condition, not a duration (alone on an
# idle machine each ends within a few seconds).
DEADLINE_SECONDS = 90


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.PROVIDER_MAX_ATTEMPTS = 2  # in-request retries: a blip of a second at most
    settings.PROVIDER_OUTAGE_BACKOFF_SECONDS = 0.3
    settings.PROVIDER_OUTAGE_BACKOFF_MAX_SECONDS = 1.0


def _ppl(api) -> str:
    response = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _run_until(job_id: str, seconds: float, done=lambda job: job.is_finished) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_tasks(max_tasks=50)
        job = Job.objects.get(pk=job_id)
        if done(job):
            return job
        time.sleep(0.05)
    return Job.objects.get(pk=job_id)


def _provider_health(name: str):
    return health_report(fresh=True).get(f"provider:{name}")


def _dispatch_and_submit(job_id: str) -> Job:
    engine.jobs_dispatch()
    engine.job_submit(job_id=UUID(job_id))
    return Job.objects.get(pk=job_id)


def test_a_503_window_makes_the_job_wait_then_succeed_with_one_paid_create(api, replicate):
    replicate.down_for_answers(4)  # two submits of PROVIDER_MAX_ATTEMPTS=2 each
    job_id = _ppl(api)
    job = _dispatch_and_submit(job_id)
    assert (job.status, job.stage, job.error_code) == ("queued", "", "")  # waiting again, not failed
    assert job.next_check_at is not None and job.provider_ref == ""
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert (body["status"], body["waiting_reason"], body["error"]) == ("queued", "provider_unavailable", None)
    check = _provider_health("replicate")
    assert check.status == "fail" and "503" in check.message

    job = _run_until(job_id, DEADLINE_SECONDS)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert replicate.unavailable_answers == 4
    assert len(replicate.predictions) == 1  # exactly one create the provider processed
    assert _provider_health("replicate").status == "ok"


def test_a_bfl_outage_is_waited_out_too(api, bfl):
    bfl.down_for_answers(2)
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    job = _run_until(response.json()["id"], DEADLINE_SECONDS)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert bfl.unavailable_answers == 2 and len(bfl.tasks) == 1


def test_a_connect_error_is_waited_out(api, settings, replicate):
    real_base = settings.REPLICATE_API_BASE
    settings.REPLICATE_API_BASE = "http://127.0.0.1:9/v1"  # nothing listens: refused
    job_id = _ppl(api)
    assert _dispatch_and_submit(job_id).status == "queued"
    settings.REPLICATE_API_BASE = real_base
    job = _run_until(job_id, DEADLINE_SECONDS)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert len(replicate.predictions) == 1


def test_a_permanent_error_still_fails_at_once(api, settings, replicate):
    settings.REPLICATE_API_TOKEN = "r8_wrong"
    job = _run_until(_ppl(api), 10)
    assert (job.status, job.error_code) == ("failed", "provider_auth")
    assert len(replicate.received("POST", CREATE)) == 1


def test_a_read_timeout_after_the_create_was_sent_is_never_sent_again(api, settings, replicate):
    settings.PROVIDER_READ_TIMEOUT_SECONDS = 0.5
    replicate.hang_seconds = 1.5  # it may have been processed: paying twice is worse than failing
    job = _run_until(_ppl(api), 10)
    assert (job.status, job.error_code) == ("failed", "provider_timeout")
    assert len(replicate.received("POST", CREATE)) == 1


def test_a_deadline_reached_while_the_provider_is_down_times_the_job_out(api, settings, replicate):
    settings.JOB_TIMEOUT_SECONDS = 3
    replicate.down_for(60)
    job = _run_until(_ppl(api), DEADLINE_SECONDS)
    assert (job.status, job.error_code) == ("timed_out", "timeout")
    assert "unavailable" in job.error_message
    assert replicate.predictions == {} and replicate.unavailable_answers >= 2


def test_a_job_canceled_while_it_waits_for_the_provider_stays_canceled(api, replicate):
    replicate.down_for(60)
    job_id = _ppl(api)
    assert _dispatch_and_submit(job_id).status == "queued"
    assert api.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200
    replicate.down_until = 0
    job = _run_until(job_id, 2, done=lambda job: False)
    assert job.status == "canceled" and replicate.predictions == {}
