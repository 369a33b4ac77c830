"""The per-user queue limit counts jobs waiting *beyond* the running ones (MAX_PER_USER_QUEUE is
0 to 5 as in the seed): with 0, a job that can start at once is accepted, a job that would wait is not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generation.models import Job
from tests.conftest import goods_form

pytestmark = pytest.mark.django_db


def running_job(user) -> Job:
    return Job.objects.create(
        user=user, kind="goods", provider="local", status="running", started_at=timezone.now()
    )


def submit(api):
    return api.post("/api/v1/jobs/goods", goods_form(), format="multipart")


def test_with_queue_limit_0_a_user_with_a_free_slot_can_submit(api, settings):
    settings.MAX_PER_USER_QUEUE = 0
    response = submit(api)
    assert response.status_code == 202
    assert Job.objects.count() == 1


def test_with_queue_limit_0_a_job_that_would_wait_is_refused_with_the_figures(api, user, settings):
    settings.MAX_PER_USER_QUEUE = 0
    running_job(user)
    response = submit(api)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "queue_full"
    assert (body["limit"], body["waiting"], body["running"], body["max_concurrent"]) == (0, 0, 1, 1)
    assert "0 job(s) waiting" not in body["message"]
    assert "running place" in body["message"]
    assert Job.objects.count() == 1


def test_with_queue_limit_0_a_queued_job_already_holds_the_free_slot(api, settings):
    settings.MAX_PER_USER_QUEUE = 0
    assert submit(api).status_code == 202  # not yet claimed by a worker, but it will take the slot
    assert submit(api).status_code == 429


def test_with_queue_limit_0_every_concurrency_slot_can_be_used(api, user, settings):
    settings.MAX_PER_USER_QUEUE = 0
    settings.MAX_PER_USER_CONCURRENT = 2
    running_job(user)
    assert submit(api).status_code == 202
    assert submit(api).status_code == 429


@pytest.mark.django_db(transaction=True)  # the job is handed to the worker on commit
def test_with_queue_limit_0_a_slot_freed_by_a_finished_job_can_be_used_again(api, settings, tasks):
    settings.MAX_PER_USER_QUEUE = 0
    assert submit(api).status_code == 202
    tasks()
    assert Job.objects.get().status == "succeeded"
    assert submit(api).status_code == 202


def test_a_per_user_queue_limit_of_0_beats_the_global_default(api, user):
    user.max_queued_jobs = 0
    user.save(update_fields=["max_queued_jobs"])
    assert submit(api).status_code == 202
    assert submit(api).status_code == 429


def test_with_queue_limit_1_one_job_may_wait_behind_the_running_one(api, user, settings):
    settings.MAX_PER_USER_QUEUE = 1
    running_job(user)
    assert submit(api).status_code == 202
    refused = submit(api)
    assert refused.status_code == 429
    assert (refused.json()["limit"], refused.json()["waiting"]) == (1, 1)
