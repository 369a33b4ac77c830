"""The job list and a job's detail (the endpoint every client polls) read a constant number of
queries, whatever the mix of waiting, running, finished and page jobs, and say where each stands."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from config.errors import NotFound
from generation.models import JobKind
from tests.conftest import api_client_for
from tests.factories import ImageFactory, JobFactory, JobInputFactory, UserFactory, finished_job_with_result

STATES = ["queued", "running", "succeeded", "failed", "canceled", "timed_out", "waiting_out_an_outage"]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", max_queued_jobs=100, max_concurrent_jobs=2)


def _jobs_of_every_kind_and_state(user, count: int) -> list:
    """`count` jobs cycling through every kind and state, oldest first, with their inputs and
    results; edits start from one of the user's gallery images."""
    source = ImageFactory(owner=user)
    start = timezone.now() - timedelta(minutes=10)
    jobs = []
    for index, (kind, state) in enumerate(
        itertools.islice(itertools.cycle(itertools.product(JobKind.values, STATES)), count)
    ):
        created_at = start + timedelta(seconds=index)
        params = (
            {"prompt": "Make it blue", "source": "gallery", "image_id": str(source.id)}
            if kind == JobKind.EDIT
            else {}
        )
        if state == "succeeded":
            job = finished_job_with_result(
                user=user, kind=kind, created_at=created_at, **({"params": params} if params else {})
            )
        else:
            job = JobFactory(
                user=user,
                kind=kind,
                created_at=created_at,
                **({"params": params} if params else {}),
                **({} if state == "queued" else {state: True}),
            )
            if kind != JobKind.PAGE:
                JobInputFactory(job=job, role="image" if kind == JobKind.EDIT else "character_image")
        jobs.append(job)
    return jobs


def test_the_job_list_costs_4_queries_for_50_jobs_of_every_kind_and_state(
    alice, django_assert_max_num_queries
):
    JobFactory.create_batch(3, created_at=timezone.now() - timedelta(hours=1))  # others wait too
    jobs = _jobs_of_every_kind_and_state(alice, 50)
    api = api_client_for(alice)
    api.get("/api/v1/jobs?size=50")  # the typical durations are cached from here on

    with django_assert_max_num_queries(4):
        few = api.get("/api/v1/jobs?size=5").json()["results"]
    with django_assert_max_num_queries(4):
        body = api.get("/api/v1/jobs?size=50").json()

    assert len(few) == 5 and len(body["results"]) == 50
    by_id = {job["id"]: job for job in body["results"]}
    assert {job["status"] for job in by_id.values()} == {
        "queued",
        "running",
        "succeeded",
        "failed",
        "canceled",
        "timed_out",
    }
    for job in jobs:
        shown = by_id[str(job.id)]
        assert (shown["queue_position"] is not None) == (job.status == "queued")
        assert (shown["eta_seconds"] is not None) == (job.status in ("queued", "running"))
        if job.status == "succeeded" and job.kind == JobKind.PAGE:
            assert shown["result"]["page"]["blocks"] and shown["result"]["page"]["html_url"].endswith("/html")
        elif job.status == "succeeded":
            assert shown["result"]["images"] and shown["inputs"]
        if job.kind == JobKind.EDIT:
            assert shown["inputs"][0]["image_id"] == job.params["image_id"]


def test_queue_positions_count_every_users_earlier_jobs_for_the_same_provider(alice):
    old = timezone.now() - timedelta(hours=1)
    JobFactory.create_batch(2, created_at=old)  # someone else's, waiting longer
    JobFactory(created_at=old, kind=JobKind.PAGE)  # another provider's queue
    JobFactory(user=alice, running=True)
    JobFactory(user=alice, running=True)
    mine = [JobFactory(user=alice, created_at=timezone.now() - timedelta(seconds=10 - i)) for i in range(3)]

    shown = api_client_for(alice).get("/api/v1/jobs?status=queued").json()["results"]

    assert [job["id"] for job in shown] == [str(job.id) for job in reversed(mine)]
    assert [job["queue_position"] for job in shown] == [5, 4, 3]
    assert {job["waiting_reason"] for job in shown} == {"user_concurrency"}  # both places are taken
    etas = [job["eta_seconds"] for job in shown]
    assert etas == sorted(etas, reverse=True) and etas[-1] >= 1  # later jobs wait longer
    for job in shown:  # the detail reads its standing its own way, to the same figures
        detail = api_client_for(alice).get(f"/api/v1/jobs/{job['id']}").json()
        assert (detail["queue_position"], detail["eta_seconds"], detail["waiting_reason"]) == (
            job["queue_position"],
            job["eta_seconds"],
            job["waiting_reason"],
        )


def test_a_job_waiting_out_a_provider_outage_says_so(alice):
    job = JobFactory(user=alice, waiting_out_an_outage=True)
    shown = api_client_for(alice).get(f"/api/v1/jobs/{job.id}").json()
    assert shown["waiting_reason"] == "provider_unavailable" and shown["eta_seconds"] >= 30


@pytest.mark.parametrize("state", STATES)
def test_a_jobs_detail_costs_at_most_4_queries_in_every_state(alice, state, django_assert_max_num_queries):
    JobFactory(user=alice, running=True)
    job = (
        finished_job_with_result(user=alice)
        if state == "succeeded"
        else JobFactory(user=alice, **({} if state == "queued" else {state: True}))
    )
    api = api_client_for(alice)
    api.get(f"/api/v1/jobs/{job.id}")  # the typical durations are cached from here on
    with django_assert_max_num_queries(4):
        shown = api.get(f"/api/v1/jobs/{job.id}").json()
    assert shown["id"] == str(job.id)


def test_another_users_job_detail_is_404(alice):
    job = JobFactory()
    assert api_client_for(alice).get(f"/api/v1/jobs/{job.id}").status_code == 404


# --- conditional polls: ETag and If-None-Match ---------------------------------------------------


def test_a_poll_that_sends_back_the_etag_gets_304_while_the_job_is_unchanged(alice):
    job = finished_job_with_result(user=alice)
    api = api_client_for(alice)
    first = api.get(f"/api/v1/jobs/{job.id}")
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    assert "Authorization" in first["Vary"]

    again = api.get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert api.get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_change_to_the_job_changes_its_etag(alice):
    job = JobFactory(user=alice, running=True)
    api = api_client_for(alice)
    etag = api.get(f"/api/v1/jobs/{job.id}")["ETag"]
    type(job).objects.filter(pk=job.pk).update(progress=60)

    changed = api.get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["progress"] == 60


def test_another_users_etag_gets_404_not_304(alice):
    job = finished_job_with_result(user=alice)
    etag = api_client_for(alice).get(f"/api/v1/jobs/{job.id}")["ETag"]
    stranger = api_client_for(UserFactory(username="mallory"))

    answer = stranger.get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=etag)

    assert answer.status_code == 404 and "ETag" not in answer
    assert APIClient().get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert api_client_for(alice).get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_waiting_jobs_etag_changes_when_the_queue_ahead_of_it_moves(alice):
    ahead = JobFactory(created_at=timezone.now() - timedelta(minutes=5))  # someone else's, earlier
    job = JobFactory(user=alice)
    api = api_client_for(alice)
    first = api.get(f"/api/v1/jobs/{job.id}")
    assert first.json()["queue_position"] == 2
    type(ahead).objects.filter(pk=ahead.pk).update(status="canceled", finished_at=timezone.now())

    moved = api.get(f"/api/v1/jobs/{job.id}", HTTP_IF_NONE_MATCH=first["ETag"])

    assert moved.status_code == 200 and moved.json()["queue_position"] == 1


def test_the_polls_plain_sql_reads_give_what_the_orm_gives(alice):
    """config/sql.py's rows (SQL written once per process) equal the ORM's, field by field, on
    SQLite and PostgreSQL alike (UUIDs, datetimes, JSON, foreign keys, nulls)."""
    from django.forms.models import model_to_dict

    from accounts.authentication import _user_by_token_id
    from generation.models import Job, JobInput
    from generation.selectors import job_get, job_inputs_for, job_result_images

    job = finished_job_with_result(user=alice, params={"goods_type": "mug", "nested": {"a": [1, None]}})
    read = job_get(user=alice, job_id=job.id)
    orm = Job.objects.get(pk=job.id)
    assert {f.attname: getattr(read, f.attname) for f in Job._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in Job._meta.concrete_fields
    }
    assert read.params == {"goods_type": "mug", "nested": {"a": [1, None]}} and read.finished_at.tzinfo
    inputs = job_inputs_for(job_ids=[job.id])[job.id]
    assert inputs and [model_to_dict(row) for row in inputs] == [
        model_to_dict(row) for row in JobInput.objects.filter(job=job).order_by("role")
    ]
    images = job_result_images(job_id=job.id)
    assert images and [(i.id, i.owner_id, i.width, i.position) for i in images] == list(
        type(images[0])
        .objects.filter(job_id=job.id)
        .order_by("position")
        .values_list("id", "owner_id", "width", "position")
    )
    assert _user_by_token_id().first(alice.pk) == alice and _user_by_token_id().first(alice.pk + 999) is None
    with pytest.raises(NotFound):
        job_get(user=UserFactory(username="bob"), job_id=job.id)


def test_the_answers_urls_are_those_reverse_gives():
    from uuid import uuid4

    from django.urls import reverse

    from generation.apis import _path

    job_id, image_id = uuid4(), uuid4()
    for name, args in [
        ("generation:job-detail", [job_id]),
        ("generation:job-input-file", [job_id, "input_image_1"]),
        ("gallery:image-file", [image_id]),
        ("gallery:image-thumbnail", [image_id]),
        ("templates_app:page-html", [image_id]),
        ("templates_app:page-html", [str(image_id)]),  # not a UUID object: reverse() decides
    ]:
        assert _path(name, *args) == reverse(name, args=args)
