"""The job engine's guarantees: guarded transitions, one claim and one submit per job,
fair dispatch, timeouts, and a reconciler that ends every job whatever was lost."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_q.models import OrmQ

from accounts.services import user_create
from gallery.models import Image
from generation.engine import engine_run_once
from generation.models import EngineLease, Job
from generation.selectors import typical_duration_seconds
from generation.services import engine
from generation.services.transitions import IllegalTransition, job_transition
from tests.conftest import api_client_for, goods_form
from tests.generation.test_provider_remote import finish

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(api, **overrides) -> str:
    response = api.post("/api/v1/jobs/goods", goods_form(**overrides), format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_an_illegal_transition_is_refused(api):
    job_id = _submit(api)
    with pytest.raises(IllegalTransition):
        job_transition(job_id=job_id, sources=["succeeded"], target="running")
    with pytest.raises(IllegalTransition):
        job_transition(job_id=job_id, sources=["queued"], target="succeeded")


def test_a_transition_from_the_wrong_state_changes_nothing(api):
    job_id = _submit(api)
    assert job_transition(job_id=job_id, sources=["running"], target="failed") is False
    assert Job.objects.get(pk=job_id).status == "queued"


def test_a_job_is_claimed_once_however_often_dispatch_runs(api, caplog):
    job_id = _submit(api)
    with caplog.at_level(logging.INFO, logger="generation.events"):
        first = engine.jobs_dispatch()
        second = engine.jobs_dispatch()
    assert [str(i) for i in first] == [job_id] and second == []
    assert [r.event for r in caplog.records if getattr(r, "event", "") == "job_start"] == ["job_start"]


def test_a_second_delivery_of_the_submit_task_does_not_submit_again(api, settings):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    job = Job.objects.get(pk=job_id)
    assert job.stage == "waiting" and job.provider_ref
    engine.job_submit(job_id=job_id)
    again = Job.objects.get(pk=job_id)
    assert (again.provider_ref, again.provider_state) == (job.provider_ref, job.provider_state)


def test_finalizing_twice_stores_one_result(api, tasks):
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    engine.jobs_poll_due()
    assert Job.objects.get(pk=job_id).stage == "finalizing"
    engine.job_finalize(job_id=job_id)
    engine.job_finalize(job_id=job_id)
    assert Job.objects.get(pk=job_id).status == "succeeded"
    assert Image.objects.filter(job_id=job_id).count() == 1


def test_dispatch_is_fair_across_users(db, settings):
    settings.LOCAL_MAX_CONCURRENT = 1  # one provider slot: the order of starts is the policy
    settings.MAX_PER_USER_QUEUE = 5
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    alice = api_client_for(user_create(username="a", password="pw-123456789"))
    bob = api_client_for(user_create(username="b", password="pw-123456789"))
    a1, a2, a3 = _submit(alice), _submit(alice), _submit(alice)
    b1 = _submit(bob)
    started = []
    for _ in range(4):
        claimed = engine.jobs_dispatch()
        started += [str(i) for i in claimed]
        for job_id in claimed:
            Job.objects.filter(pk=job_id).update(status="succeeded", finished_at=timezone.now())
    # Round robin: once alice has had a turn, bob goes before her second and third jobs,
    # although both were queued before his.
    assert started == [a1, b1, a2, a3]


def test_a_job_over_the_provider_cap_waits_with_reason_provider_capacity(db, settings):
    settings.LOCAL_MAX_CONCURRENT = 1
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    alice = api_client_for(user_create(username="a", password="pw-123456789"))
    bob = api_client_for(user_create(username="b", password="pw-123456789"))
    _submit(alice)
    engine.jobs_dispatch()
    waiting = _submit(bob)
    engine.jobs_dispatch()
    body = bob.get(f"/api/v1/jobs/{waiting}").json()
    assert body["status"] == "queued" and body["waiting_reason"] == "provider_capacity"


def test_a_job_past_the_timeout_ends_timed_out_with_a_readable_message(api, settings):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 600
    settings.JOB_TIMEOUT_SECONDS = 30
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    Job.objects.filter(pk=job_id).update(started_at=timezone.now() - timedelta(seconds=31))
    assert engine.jobs_time_out() == 1
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "timed_out"
    assert body["error"]["code"] == "timeout"
    assert "30 seconds" in body["error"]["message"]


def test_jobs_whose_tasks_were_all_lost_are_finished_by_the_reconciler(api, tasks, user):
    user.max_concurrent_jobs = 3
    user.save(update_fields=["max_concurrent_jobs"])
    ids = [_submit(api) for _ in range(3)]
    OrmQ.objects.all().delete()  # what a Redis broker does to a killed worker's tasks
    engine.jobs_dispatch()
    OrmQ.objects.all().delete()  # and the submit tasks are lost too
    Job.objects.filter(pk__in=ids).update(stage_changed_at=timezone.now() - timedelta(minutes=5))
    report = engine.jobs_reconcile()
    assert report.resubmitted == 3
    tasks()
    assert set(Job.objects.values_list("status", flat=True)) == {"succeeded"}
    assert Image.objects.count() == 3


def test_a_job_stuck_finalizing_after_a_worker_died_is_finished_once(api, tasks):
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    engine.jobs_poll_due()
    OrmQ.objects.all().delete()  # the finalize task died with its worker
    Job.objects.filter(pk=job_id).update(stage_changed_at=timezone.now() - timedelta(minutes=5))
    assert engine.jobs_reconcile().refinalized == 1
    tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"
    assert Image.objects.filter(job_id=job_id).count() == 1


def test_a_job_interrupted_mid_submit_on_a_free_provider_is_sent_again_and_finishes(api, tasks):
    job_id = _submit(api)
    engine.jobs_dispatch()
    OrmQ.objects.all().delete()
    Job.objects.filter(pk=job_id).update(
        stage="submitting", stage_changed_at=timezone.now() - timedelta(minutes=5)
    )
    assert engine.jobs_reconcile().resubmitted == 1
    tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"


def test_a_job_whose_reference_was_stored_before_its_worker_died_is_polled_not_sent_again(api, tasks):
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    sent = Job.objects.get(pk=job_id)
    assert sent.stage == "waiting" and sent.provider_ref
    # As a process killed between the provider's answer and the move to `waiting` would leave it.
    Job.objects.filter(pk=job_id).update(
        stage="submitting", stage_changed_at=timezone.now() - timedelta(minutes=5)
    )
    report = engine.jobs_reconcile()
    assert (report.resumed, report.resubmitted, report.abandoned) == (1, 0, 0)
    tasks()
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded"
    assert (job.provider_ref, job.provider_state["submitted_at"]) == (
        sent.provider_ref,
        sent.provider_state["submitted_at"],
    )


def test_only_one_engine_holds_the_lease_until_it_runs_out(db):
    assert engine.engine_lease_acquire(holder="one", ttl_seconds=30)
    assert not engine.engine_lease_acquire(holder="two", ttl_seconds=30)
    EngineLease.objects.filter(name="engine").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert engine.engine_lease_acquire(holder="two", ttl_seconds=30)


def test_a_standby_engine_polls_nothing_while_another_holds_the_lease(api, settings):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    job_id = _submit(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    Job.objects.filter(pk=job_id).update(next_check_at=timezone.now())
    assert engine.engine_lease_acquire(holder="elsewhere", ttl_seconds=30)
    assert engine_run_once() == 0
    assert Job.objects.get(pk=job_id).poll_count == 0
    engine.engine_lease_release(holder="elsewhere")
    assert engine_run_once() == 1
    assert Job.objects.get(pk=job_id).poll_count == 1


def test_the_engine_keeps_jobs_moving_and_logs_the_event_sequence(api, settings, caplog):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 1.0
    settings.PROGRESS_LOG_MIN_MS = 0
    settings.PROGRESS_LOG_STEP = 20
    with caplog.at_level(logging.INFO, logger="generation.events"):
        job_id = _submit(api)
        job = finish(job_id)
    assert job.status == "succeeded"
    events = [r.event for r in caplog.records if getattr(r, "job_id", None) == job_id]
    assert events[:2] == ["enqueue", "job_start"]
    assert events[-1] == "job_complete"
    assert "job_progress" in events[2:-1]
    assert set(events[2:-1]) == {"job_progress"}


def test_job_events_are_json_lines_with_the_job_id(api, capfd, settings):
    from config.logging import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("generation.events")
    logger.addHandler(handler)
    try:
        job_id = _submit(api)
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    enqueue = next(line for line in lines if line.get("event") == "enqueue")
    assert enqueue["job_id"] == job_id and enqueue["kind"] == "goods" and enqueue["level"] == "INFO"


def test_the_eta_comes_from_recent_real_durations(api):
    job_id = _submit(api)
    now = timezone.now()
    for seconds in (10, 20, 90):
        Job.objects.create(
            user_id=Job.objects.get(pk=job_id).user_id,
            kind="goods",
            provider="local",
            status="succeeded",
            started_at=now - timedelta(seconds=seconds),
            finished_at=now,
        )
    cache.clear()  # the figure is cached for 30 s; the 202 above already cached the default
    assert typical_duration_seconds(kind="goods", provider="local") == pytest.approx(20, abs=0.1)
    assert api.get(f"/api/v1/jobs/{job_id}").json()["eta_seconds"] == pytest.approx(20, abs=1)


def test_two_simultaneous_submissions_cannot_both_take_the_last_place(api, user):
    _submit(api)
    _submit(api)
    barrier = threading.Barrier(4)
    codes = []

    def submit():
        from django.db import connection as thread_connection

        client = api_client_for(user)
        barrier.wait()
        codes.append(client.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code)
        thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202, 429, 429, 429]
    assert Job.objects.filter(status="queued").count() == 3


def test_two_simultaneous_dispatchers_respect_the_concurrency_limit(api, user):
    for _ in range(3):
        _submit(api)
    barrier = threading.Barrier(3)

    def dispatch():
        from django.db import connection as thread_connection

        barrier.wait()
        engine.jobs_dispatch()
        thread_connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Job.objects.filter(status="running").count() == 1
