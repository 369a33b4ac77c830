"""The issue's "done when", tried as a new user and an admin would, through the API; thumbnails
for every path; storage settings checked at start-up."""

import io
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image as PILImage

from gallery.models import AuditLog, Image
from gallery.tasks import gallery_trash_sweep
from tests.conftest import api_client_for, ppl_form


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.mark.django_db(transaction=True)
def test_a_job_result_lives_its_whole_life_in_the_gallery(
    api, other_api, staff_user, user, tasks, storage_dir
):
    # A finished job's image appears in the gallery, with a thumbnail, and downloads.
    job_id = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    tasks()
    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "succeeded", job
    [result] = job["result"]["images"]
    [row] = api.get("/api/v1/images").json()["results"]
    assert (row["id"], row["source"], row["job_id"]) == (result["id"], "ppl", job_id)
    assert row["prompt"] == "Place the bottle on the table"
    download = api.get(row["url"])
    assert download.status_code == 200
    assert PILImage.open(io.BytesIO(b"".join(download.streaming_content))).size == (1024, 1024)
    thumbnail = api.get(row["thumbnail_url"])
    assert PILImage.open(io.BytesIO(b"".join(thumbnail.streaming_content))).size == (320, 320)
    image = Image.objects.get(pk=row["id"])
    files = [storage_dir / image.file.name, storage_dir / image.thumbnail.name]
    assert all(f.exists() for f in files)

    # Another user can neither see nor touch it.
    assert other_api.get(f"/api/v1/images/{row['id']}").status_code == 404
    assert other_api.get(row["url"]).status_code == 404
    assert other_api.post(f"/api/v1/images/{row['id']}/delete").status_code == 404
    bulk = other_api.post("/api/v1/images/delete", {"ids": [row["id"]]}, format="json").json()
    assert bulk["not_found"] == [row["id"]]

    # Delete moves it to the trash; restore brings it back; delete again.
    api.post(f"/api/v1/images/{row['id']}/delete")
    assert api.get("/api/v1/images").json()["results"] == []
    assert api.post(f"/api/v1/images/{row['id']}/restore").json()["is_deleted"] is False
    api.post("/api/v1/images/delete", {"ids": [row["id"]]}, format="json")
    assert api.get(f"/api/v1/jobs/{job_id}").json()["result"]["images"][0]["id"] == row["id"]

    # The sweep leaves trash younger than the retention alone.
    gallery_trash_sweep()
    assert Image.objects.filter(pk=row["id"]).exists()

    # An admin finds it with include=deleted and a date range, then purges the trash.
    staff = api_client_for(staff_user)
    today = timezone.now().date().isoformat()
    listed = staff.get(
        f"/api/v1/admin/images?user_id={user.id}&include=deleted&from_date={today}&to_date={today}"
    ).json()
    assert [(r["id"], r["is_deleted"]) for r in listed["results"]] == [(row["id"], True)]
    purged = staff.post("/api/v1/admin/purge-trash", {"user_id": user.id}, format="json").json()
    assert (purged["images"], purged["verified"]) == (1, True)
    assert not any(f.exists() for f in files)
    assert api.get(f"/api/v1/images/{row['id']}").status_code == 404
    assert list(AuditLog.objects.values_list("action", flat=True).order_by("id")) == ["images_list", "purge"]


def test_trash_past_retention_is_swept_and_the_rest_stays(user, make_image, settings):
    settings.TRASH_RETENTION_DAYS = 7
    old = make_image(user, trashed_for=timedelta(days=8))
    young = make_image(user, trashed_for=timedelta(days=6))
    gallery_trash_sweep()
    assert not Image.objects.filter(pk=old.pk).exists() and Image.objects.filter(pk=young.pk).exists()


def test_images_without_a_thumbnail_get_one_from_the_backfill_command(user, make_image, storage_dir):
    image = make_image(user, size=(800, 400))
    Image.objects.filter(pk=image.pk).update(thumbnail="", thumbnail_bytes=0)
    out = StringIO()
    call_command("gallery_thumbnails", stdout=out)
    assert "Made 1 thumbnail(s)" in out.getvalue()
    image.refresh_from_db()
    assert image.thumbnail_bytes > 0
    assert PILImage.open(storage_dir / image.thumbnail.name).size == (320, 160)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be local, s3 or azure"),
        ({"STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME" if _has("boto3") else "boto3"),
        ({"STORAGE_QUOTA_MB": "-1"}, "STORAGE_QUOTA_MB"),
        ({"GALLERY_ORPHAN_PREFIXES": "images/,/"}, "GALLERY_ORPHAN_PREFIXES"),
    ],
)
def test_bad_gallery_settings_stop_start_up_with_their_name(start_up_error, env, message):
    assert message in start_up_error(env)


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_gallery(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/images",
        "/api/v1/images/{image_id}",
        "/api/v1/images/{image_id}/file",
        "/api/v1/images/{image_id}/thumbnail",
        "/api/v1/images/{image_id}/delete",
        "/api/v1/images/{image_id}/restore",
        "/api/v1/images/delete",
        "/api/v1/images/restore",
        "/api/v1/images/upload",
        "/api/v1/images/import",
        "/api/v1/images/usage",
        "/api/v1/admin/images",
        "/api/v1/admin/purge-trash",
    ):
        assert path in paths, path
