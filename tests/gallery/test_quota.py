"""The per-user storage quota: what counts, what is refused, and what the usage endpoint says."""

import io
import os
from datetime import timedelta

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from generation.models import Job
from tests.conftest import ppl_form, stored_files, upload
from tests.gallery.conftest import png_route

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def noisy_png(size=(200, 200)) -> bytes:
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def _fill(user, megabytes_used: float):
    """Rows standing for stored images (the quota counts bytes from rows, not by listing files)."""
    Image.objects.create(
        owner=user,
        file="images/x/big.png",
        thumbnail="thumbs/x/big.webp",
        width=1,
        height=1,
        format="png",
        size_bytes=int(megabytes_used * MB) - 1000,
        thumbnail_bytes=1000,
        sha256="0" * 64,
        source="ppl",
    )


def test_usage_counts_originals_thumbnails_and_trash(api, user, other_user, make_image, settings):
    settings.STORAGE_QUOTA_MB = 5
    active = make_image(user)
    trashed = make_image(user, trashed_for=timedelta(days=2))
    make_image(other_user)
    body = api.get("/api/v1/images/usage").json()
    used = sum(i.size_bytes + i.thumbnail_bytes for i in (active, trashed))
    assert active.thumbnail_bytes > 0
    assert body == {
        "used_bytes": used,
        "quota_bytes": 5 * MB,
        "available_bytes": 5 * MB - used,
        "is_over_quota": False,
        "images": {"active": 1, "trash": 1},
        "trash_retention_days": 30,
    }


def test_an_upload_over_the_quota_is_refused_with_the_figures_and_nothing_stored(
    api, user, settings, storage_dir
):
    settings.STORAGE_QUOTA_MB = 2
    _fill(user, 1.95)  # about 50 KB left; the upload needs about 120 KB
    response = api.post("/api/v1/images/upload", {"image": upload(data=noisy_png())}, format="multipart")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "storage_quota_exceeded"
    assert "2.0 MB" in body["message"] and str(2 * MB) in body["message"]
    assert "empty the trash" in body["message"]
    assert Image.objects.count() == 1 and stored_files(storage_dir) == []


def test_the_trash_counts_until_it_is_emptied(api, user, settings, make_image):
    settings.STORAGE_QUOTA_MB = 1
    image = make_image(user)
    Image.objects.filter(pk=image.pk).update(size_bytes=MB)  # this image fills the quota
    api.post(f"/api/v1/images/{image.id}/delete")
    assert api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 409
    emptied = api.post("/api/v1/images/trash/empty", {}, format="json")
    assert emptied.status_code == 200
    assert emptied.json()["images"] == 1 and emptied.json()["verified"] is True
    assert api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 201


def test_a_per_user_quota_overrides_the_default_and_zero_means_unlimited(api, user, settings):
    settings.STORAGE_QUOTA_MB = 1
    _fill(user, 3)
    assert api.get("/api/v1/images/usage").json()["is_over_quota"] is True
    user.storage_quota_mb = 10
    user.save(update_fields=["storage_quota_mb"])
    assert api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 201
    user.storage_quota_mb = 0
    user.save(update_fields=["storage_quota_mb"])
    usage = api.get("/api/v1/images/usage").json()
    assert usage["quota_bytes"] is None and usage["available_bytes"] is None and not usage["is_over_quota"]


def test_an_import_over_the_quota_is_refused_before_downloading(api, user, settings, fake_host):
    settings.STORAGE_QUOTA_MB = 1
    _fill(user, 1)
    server = fake_host({"/cat.png": png_route()})
    settings.ALLOWED_FETCH_HOSTS = [f"127.0.0.1:{server.port}"]
    response = api.post("/api/v1/images/import", {"url": f"{server.base}/cat.png"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "storage_quota_exceeded"
    assert server.requests == [] and Image.objects.count() == 1


def test_a_new_job_is_refused_over_the_quota_before_anything_is_stored(api, user, settings, storage_dir):
    settings.STORAGE_QUOTA_MB = 1
    _fill(user, 1)
    response = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart")
    assert response.status_code == 409
    assert response.json()["code"] == "storage_quota_exceeded"
    assert Job.objects.count() == 0 and stored_files(storage_dir) == []
    user.storage_quota_mb = 2
    user.save(update_fields=["storage_quota_mb"])
    assert api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").status_code == 202
