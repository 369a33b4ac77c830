"""Trash lifecycle: the hourly sweep, purges that finish after a crash and count once, and files
that really leave storage."""

from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.models import Schedule

from gallery.models import AuditLog, Image
from gallery.services import trash_purge
from gallery.tasks import gallery_trash_sweep
from tests.conftest import stored_files

pytestmark = pytest.mark.django_db


def _files(image) -> list[str]:
    return [image.file.name, image.thumbnail.name]


def _exists(storage_dir, names) -> list[bool]:
    return [(storage_dir / name).exists() for name in names]


def test_the_sweep_removes_only_trash_past_retention(user, other_user, make_image, storage_dir, settings):
    settings.TRASH_RETENTION_DAYS = 30
    expired = [
        make_image(user, trashed_for=timedelta(days=31)),
        make_image(other_user, trashed_for=timedelta(days=90)),
    ]
    recent = make_image(user, trashed_for=timedelta(days=29))
    active_old = make_image(user, age=timedelta(days=400))
    gallery_trash_sweep()
    assert set(Image.objects.values_list("id", flat=True)) == {recent.id, active_old.id}
    for image in expired:
        assert _exists(storage_dir, _files(image)) == [False, False]
    for image in (recent, active_old):
        assert _exists(storage_dir, _files(image)) == [True, True]
    [entry] = AuditLog.objects.filter(action=AuditLog.Action.SWEEP)
    assert entry.image_count == 2 and entry.actor_id is None and entry.detail["verified"] is True
    assert entry.byte_count == sum(i.size_bytes + i.thumbnail_bytes for i in expired)


def test_a_sweep_with_nothing_to_do_leaves_no_record(user, make_image):
    make_image(user, trashed_for=timedelta(days=1))
    gallery_trash_sweep()
    assert Image.objects.count() == 1 and not AuditLog.objects.exists()


def test_the_sweep_is_installed_as_an_hourly_schedule(db):
    schedule = Schedule.objects.get(name="gallery.trash_sweep")
    assert schedule.func == "gallery.tasks.gallery_trash_sweep"
    assert schedule.schedule_type == Schedule.HOURLY and schedule.repeats == -1


def test_a_purge_interrupted_after_deleting_files_is_finished_and_counted_once(user, make_image, storage_dir):
    images = [make_image(user, trashed_for=timedelta(days=40)) for _ in range(3)]
    # The first run died after claiming all three and deleting the files of two of them.
    Image.objects.filter(pk__in=[i.pk for i in images]).update(purging_at=timezone.now())
    for image in images[:2]:
        for name in _files(image):
            (storage_dir / name).unlink()
    report = trash_purge(older_than=timedelta(days=30))
    assert (report.images, report.verified, report.complete) == (3, True, True)
    assert report.bytes == sum(i.size_bytes + i.thumbnail_bytes for i in images)
    assert Image.objects.count() == 0 and stored_files(storage_dir) == []
    again = trash_purge(older_than=timedelta(days=30))
    assert (again.images, again.bytes) == (0, 0)


def test_a_claimed_row_is_finished_by_the_next_purge_whatever_its_age(user, make_image):
    image = make_image(user, trashed_for=timedelta(minutes=5))  # an admin purged "all trash", then a crash
    Image.objects.filter(pk=image.pk).update(purging_at=timezone.now())
    assert trash_purge(older_than=timedelta(days=30)).images == 1
    assert not Image.objects.exists()


def test_a_purge_never_touches_active_images_and_the_database_refuses_to_claim_one(
    user, make_image, storage_dir
):
    active = make_image(user, age=timedelta(days=365))
    assert trash_purge(older_than=timedelta(0)).images == 0
    assert _exists(storage_dir, _files(active)) == [True, True]
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=active.pk).update(purging_at=timezone.now())


class StubbornStorage(FileSystemStorage):
    """A storage whose deletes silently fail for some files (as a misconfigured bucket does)."""

    def delete(self, name):
        if not name.startswith("thumbs/"):
            super().delete(name)


def test_files_that_stay_in_storage_are_reported_and_their_rows_kept_for_the_next_run(
    user, make_image, settings, storage_dir
):
    image = make_image(user, trashed_for=timedelta(days=40))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.StubbornStorage", "OPTIONS": {"location": str(storage_dir)}},
    }
    report = trash_purge(older_than=timedelta(days=30))
    assert report.images == 0 and report.verified is False
    assert report.files_remaining == [image.thumbnail.name]
    image.refresh_from_db()
    assert image.purging_at is not None  # still claimed: restore is impossible, the next run retries


def test_restoring_and_purging_exclude_each_other(api, user, make_image):
    image = make_image(user, trashed_for=timedelta(days=40))
    assert api.post(f"/api/v1/images/{image.id}/restore").status_code == 200
    assert trash_purge(older_than=timedelta(days=30)).images == 0
    image.refresh_from_db()
    assert image.deleted_at is None and image.purging_at is None
