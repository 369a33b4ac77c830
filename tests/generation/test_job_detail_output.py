"""A job's answer (its detail, what every client polls, and each row of the list) is what the
output serializer gives, read in one query: generation/apis.py applies JobOutputSerializer's fields
without DRF's per-field reads, and generation/selectors.job_poll_get reads the job, its queue
figures, inputs and result images in one statement."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from generation.apis import JobOutputSerializer, _job_output, _jobs_data
from generation.models import JobKind
from generation.selectors import job_list
from tests.conftest import api_client_for
from tests.factories import ImageFactory, JobFactory, JobInputFactory, UserFactory, finished_job_with_result

STATES = ["queued", "running", "succeeded", "failed", "canceled", "timed_out", "waiting_out_an_outage"]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", max_queued_jobs=100, max_concurrent_jobs=2)


def _every_kind_and_state(user) -> list:
    """A job of every kind in every state, with inputs and results; edits start from a gallery
    image (the user's own, or another user's), one carries a translation and a prompt with
    characters JSON treats specially."""
    own, theirs = ImageFactory(owner=user), ImageFactory()
    start = timezone.now() - timedelta(minutes=10)
    jobs = []
    for index, (kind, state) in enumerate(itertools.product(JobKind.values, STATES)):
        extra: dict = {"created_at": start + timedelta(seconds=index)}
        if kind == JobKind.EDIT:
            source = own if index % 2 else theirs
            extra["params"] = {
                "prompt": '파랗게 \u2028 "blue"',
                "source": "gallery",
                "image_id": str(source.id),
            }
            extra["translation"] = {
                "source_language": "ko",
                "text": "blue",
                "translated": True,
                "note": "",
                "model": "local",
            }
        if state == "succeeded":
            jobs.append(finished_job_with_result(user=user, kind=kind, **extra))
            continue
        job = JobFactory(user=user, kind=kind, **extra, **({} if state == "queued" else {state: True}))
        if kind != JobKind.PAGE:
            JobInputFactory(job=job, role="image" if kind == JobKind.EDIT else "character_image")
        jobs.append(job)
    return jobs


def test_the_answers_are_what_the_output_serializer_gives(alice):
    JobFactory.create_batch(2, created_at=timezone.now() - timedelta(hours=1))  # others wait too
    JobFactory(user=alice, running=True)
    _every_kind_and_state(alice)
    request = APIRequestFactory().get("/api/v1/jobs")
    request.user = alice
    data = _jobs_data(request, list(job_list(user=alice)))
    serializer = JobOutputSerializer()

    assert len(data) == len(JobKind.values) * len(STATES) + 1
    for item in data:
        assert _job_output()(item) == serializer.to_representation(item)


def test_a_finished_jobs_detail_is_the_serializers_json_byte_for_byte(alice):
    jobs = [finished_job_with_result(user=alice, kind=kind) for kind in JobKind.values]
    api = api_client_for(alice)
    listed = {row["id"]: row for row in api.get("/api/v1/jobs").json()["results"]}
    for job in jobs:
        body = api.get(f"/api/v1/jobs/{job.id}").content
        assert body == JSONRenderer().render(JobOutputSerializer(listed[str(job.id)]).data)


def test_a_detail_reads_the_user_and_the_job_in_two_queries(alice, django_assert_num_queries):
    JobFactory(user=alice, running=True)
    api = api_client_for(alice)
    jobs = [
        JobFactory(user=alice),
        JobFactory(user=alice, running=True),
        finished_job_with_result(user=alice),
    ]
    for job in jobs:
        api.get(f"/api/v1/jobs/{job.id}")  # the typical durations are cached from here on
        with django_assert_num_queries(2):
            assert api.get(f"/api/v1/jobs/{job.id}").json()["id"] == str(job.id)


def test_a_detail_shows_inputs_by_role_and_result_images_by_position_each_once(alice):
    job = JobFactory(user=alice, kind=JobKind.PPL, succeeded=True)
    for role in ("input_image_2", "input_image_1"):
        JobInputFactory(job=job, role=role)
    images = {position: ImageFactory(owner=alice, job_id=job.id, position=position) for position in (2, 0, 1)}

    shown = api_client_for(alice).get(f"/api/v1/jobs/{job.id}").json()

    assert [row["role"] for row in shown["inputs"]] == ["input_image_1", "input_image_2"]
    assert [row["id"] for row in shown["result"]["images"]] == [str(images[n].id) for n in (0, 1, 2)]


def test_a_job_waiting_for_a_full_provider_reads_its_figures_as_the_list_does(alice, settings):
    settings.LOCAL_MAX_CONCURRENT = 1
    JobFactory(running=True, started_at=timezone.now() - timedelta(seconds=4))  # someone else's, at local
    earlier = JobFactory(created_at=timezone.now() - timedelta(minutes=1))
    job = JobFactory(user=alice)
    api = api_client_for(alice)

    detail = api.get(f"/api/v1/jobs/{job.id}").json()
    (listed,) = api.get(f"/api/v1/jobs?ids={job.id}").json()["results"]

    assert earlier.provider == job.provider == "local"
    assert (detail["queue_position"], detail["waiting_reason"]) == (2, "provider_capacity")
    assert (detail["queue_position"], detail["eta_seconds"], detail["waiting_reason"]) == (
        listed["queue_position"],
        listed["eta_seconds"],
        listed["waiting_reason"],
    )


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "text/html", "application/json; indent=4", "text/html,*/*;q=0.8"],
)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_the_polls_choice_of_renderer_is_drfs(accept, query):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import BrowsableAPIRenderer
    from rest_framework.request import Request

    from generation.apis import PollNegotiation

    def outcome(negotiation, request, renderers):  # the choice, or the error (404, 406)
        try:
            return negotiation.select_renderer(request, renderers)
        except Exception as exc:
            return type(exc)

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/jobs{query}", **headers))
    for renderers in ([JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()], [BrowsableAPIRenderer()]):
        expected = outcome(DefaultContentNegotiation(), request, renderers)
        assert outcome(PollNegotiation(), request, renderers) == expected
