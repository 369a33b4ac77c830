"""What the platform writes to the event outbox as jobs and images change (read straight from the
log: the stream tests cover delivery)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule
from PIL import Image as PILImage

from accounts.events import event_publish, events_sweep
from accounts.models import Event
from gallery.imaging import prepared_from_image
from gallery.services import image_create, images_restore, images_trash
from tests.conftest import goods_form

pytestmark = pytest.mark.django_db(transaction=True)  # commits: the engine and the after-commit hooks run


def events_of(user, *, object_type=None):
    events = Event.objects.filter(user=user).order_by("id")
    if object_type:
        events = events.filter(object_type=object_type)
    return list(events)


def test_a_job_s_life_is_written_in_order_with_what_the_job_api_shows(api, user, tasks):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks()
    detail = api.get(f"/api/v1/jobs/{job_id}").json()

    job_events = events_of(user, object_type="job")
    types = [event.type for event in job_events]
    assert types[0] == "job.created" and types[1] == "job.started" and types[-1] == "job.succeeded"
    assert "job.stage" in types and not {"job.failed", "job.canceled"} & set(types)
    created, succeeded = job_events[0].payload, job_events[-1].payload
    assert (created["id"], created["status"], created["queue_position"]) == (job_id, "queued", 1)
    assert created["eta_seconds"] >= 1
    assert succeeded["status"] == "succeeded" and succeeded["progress"] == 100
    assert [image["id"] for image in succeeded["results"]] == [i["id"] for i in detail["result"]["images"]]
    assert succeeded["finished_at"] and succeeded["results"][0]["url"].endswith(
        detail["result"]["images"][0]["url"].split("testserver", 1)[1]
    )
    assert [e.type for e in events_of(user, object_type="image")] == ["image.created"]
    assert events_of(user, object_type="usage")[-1].payload["images"] == {"active": 1, "trash": 0}


def test_canceling_a_waiting_job_tells_every_waiting_user_their_new_position_once(
    api, other_api, user, other_user
):
    first = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    second = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    others = other_api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]

    assert api.post(f"/api/v1/jobs/{first}/cancel").status_code == 200

    canceled = events_of(user, object_type="job")[-1]
    assert canceled.type == "job.canceled" and canceled.payload["error"]["code"] == "canceled"
    [mine] = events_of(user, object_type="queue")
    [theirs] = events_of(other_user, object_type="queue")
    assert mine.type == theirs.type == "queue.moved"
    assert [(j["id"], j["queue_position"]) for j in mine.payload["jobs"]] == [(second, 1)]
    assert [(j["id"], j["queue_position"]) for j in theirs.payload["jobs"]] == [(others, 2)]


def _picture(owner):
    return image_create(
        owner=owner, prepared=prepared_from_image(PILImage.new("RGB", (64, 48)), "png"), source="upload"
    )


def test_a_bulk_trash_is_one_event_with_every_id_and_the_new_usage(user):
    ids = [_picture(user).id for _ in range(3)]

    images_trash(user=user, image_ids=ids)

    trashed, usage = events_of(user)[-2:]
    assert trashed.type == "image.trashed" and sorted(trashed.payload["ids"]) == sorted(map(str, ids))
    assert usage.type == "usage.changed" and usage.payload["images"] == {"active": 0, "trash": 3}
    images_restore(user=user, image_ids=ids[:1])
    assert events_of(user)[-2].type == "image.restored"


def test_progress_is_coalesced_but_its_end_always_goes_out(user, settings):
    settings.EVENT_PROGRESS_MIN_MS = 60_000
    for progress in (10, 20, 30, 100):
        event_publish(
            user_id=user.id,
            type="job.progress",
            object_type="job",
            object_id="j1",
            payload={"progress": progress},
        )
    assert [e.payload["progress"] for e in events_of(user)] == [10, 100]


def test_the_sweep_deletes_only_events_past_the_retention_window(user, settings):
    settings.EVENT_RETENTION_HOURS = 24
    old, recent = (
        event_publish(user_id=user.id, type="job.stage", object_type="job", payload={}) for _ in range(2)
    )
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert events_sweep() == 1
    assert list(Event.objects.values_list("id", flat=True)) == [recent.id]


@pytest.mark.django_db
def test_the_sweep_runs_every_hour():
    schedule = Schedule.objects.get(name="accounts.events_sweep")
    assert schedule.func == "accounts.tasks.accounts_events_sweep"
    assert schedule.schedule_type == Schedule.HOURLY
