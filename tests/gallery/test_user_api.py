"""The user's gallery API: own images only, trash and restore, uploads, lists and paging."""

import io
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage

from gallery.models import Image
from tests.conftest import png_bytes, stored_files, upload
from tests.gallery.conftest import image_rows

pytestmark = pytest.mark.django_db

IMAGE_FIELDS = {
    "id",
    "source",
    "width",
    "height",
    "format",
    "size_bytes",
    "sha256",
    "prompt",
    "job_id",
    "created_at",
    "deleted_at",
    "is_deleted",
    "url",
    "thumbnail_url",
}


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_upload_is_stored_under_a_random_name_with_a_thumbnail(api, storage_dir):
    response = api.post(
        "/api/v1/images/upload",
        {"image": upload("../../holiday photo.jpg", png_bytes((1200, 900), fmt="JPEG"), "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == IMAGE_FIELDS
    assert (body["source"], body["format"], body["width"], body["height"]) == ("upload", "jpeg", 1200, 900)
    assert body["is_deleted"] is False and body["deleted_at"] is None
    assert response["Location"] == f"/api/v1/images/{body['id']}"
    image = Image.objects.get(pk=body["id"])
    assert "holiday" not in image.file.name and image.file.name.startswith("images/")
    assert image.thumbnail.name.startswith("thumbs/") and image.thumbnail_bytes > 0
    assert len(stored_files(storage_dir)) == 2

    download = api.get(body["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert PILImage.open(io.BytesIO(_content(download))).size == (1200, 900)
    thumbnail = api.get(body["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"
    assert PILImage.open(io.BytesIO(_content(thumbnail))).size == (320, 240)
    assert api.get(f"/api/v1/images/{body['id']}").json() == body


def test_the_gallery_lists_newest_first_and_filters_by_source_and_date(api, user, make_image):
    old = make_image(user, source="ppl", age=timedelta(days=40))
    mid = make_image(user, source="goods", age=timedelta(days=10))
    new = make_image(user, source="upload")
    make_image(user, source="upload", trashed_for=timedelta(days=1))

    def ids(query=""):
        response = api.get(f"/api/v1/images{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [str(new.id), str(mid.id), str(old.id)]
    assert ids("?source=goods") == [str(mid.id)]
    day = (timezone.now() - timedelta(days=10)).date().isoformat()
    assert ids(f"?from_date={day}&to_date={day}") == [str(mid.id)]
    assert ids(f"?to_date={day}") == [str(mid.id), str(old.id)]
    since = (timezone.now() - timedelta(days=11)).isoformat()
    assert ids(f"?from_date={since.replace('+00:00', 'Z')}") == [str(new.id), str(mid.id)]


def test_page_size_and_the_cursor_walk_the_whole_gallery_once(api, user):
    rows = image_rows(user, 25)
    expected = [str(r.id) for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]
    first = api.get("/api/v1/images?page=1&size=10").json()
    second = api.get("/api/v1/images?page=2&size=10").json()
    assert [r["id"] for r in first["results"] + second["results"]] == expected[:20]
    assert first["has_next"] and first["page"] == 1 and first["size"] == 10
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/images", {"size": 7, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["results"]]
        cursor = page["next_cursor"]
        if not page["has_next"]:
            break
    assert seen == expected and cursor is None


def test_delete_moves_to_the_trash_and_restore_brings_it_back(api, user, make_image):
    image = make_image(user)
    deleted = api.post(f"/api/v1/images/{image.id}/delete")
    assert deleted.status_code == 200
    assert deleted.json()["is_deleted"] is True and deleted.json()["deleted_at"]
    assert api.get("/api/v1/images").json()["results"] == []
    trash = api.get("/api/v1/images?state=trash").json()["results"]
    assert [r["id"] for r in trash] == [str(image.id)] and trash[0]["is_deleted"]
    assert api.get(f"/api/v1/images/{image.id}/file").status_code == 200  # still the owner's
    again = api.post(f"/api/v1/images/{image.id}/delete")
    assert again.status_code == 200 and again.json()["deleted_at"] == deleted.json()["deleted_at"]

    restored = api.post(f"/api/v1/images/{image.id}/restore")
    assert restored.status_code == 200 and restored.json()["is_deleted"] is False
    assert [r["id"] for r in api.get("/api/v1/images").json()["results"]] == [str(image.id)]
    assert api.get("/api/v1/images?state=trash").json()["results"] == []


def test_bulk_delete_and_restore_touch_only_the_callers_images(api, user, other_user, make_image):
    mine = [make_image(user), make_image(user)]
    already = make_image(user, trashed_for=timedelta(hours=1))
    theirs = make_image(other_user)
    unknown = uuid.uuid4()
    ids = [str(i.id) for i in [*mine, already, theirs]] + [str(unknown)]
    response = api.post("/api/v1/images/delete", {"ids": ids}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "changed": [str(mine[0].id), str(mine[1].id)],
        "unchanged": [str(already.id)],
        "not_found": [str(theirs.id), str(unknown)],
    }
    theirs.refresh_from_db()
    assert theirs.deleted_at is None
    assert Image.objects.filter(owner=user, deleted_at__isnull=False).count() == 3

    Image.objects.filter(pk=theirs.pk).update(deleted_at=timezone.now())
    response = api.post("/api/v1/images/restore", {"ids": [str(mine[0].id), str(theirs.id)]}, format="json")
    assert response.json() == {"changed": [str(mine[0].id)], "unchanged": [], "not_found": [str(theirs.id)]}
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None


def test_another_users_image_answers_404_everywhere_and_is_never_touched(api, other_user, make_image):
    theirs = make_image(other_user)
    for method, path in [
        ("get", ""),
        ("get", "/file"),
        ("get", "/thumbnail"),
        ("post", "/delete"),
        ("post", "/restore"),
    ]:
        response = getattr(api, method)(f"/api/v1/images/{theirs.id}{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert api.get("/api/v1/images").json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.deleted_at is None


def test_an_image_being_purged_is_gone_for_its_owner(api, user, make_image):
    image = make_image(user, trashed_for=timedelta(days=1))
    Image.objects.filter(pk=image.pk).update(purging_at=timezone.now())
    assert api.post(f"/api/v1/images/{image.id}/restore").status_code == 404
    assert api.get("/api/v1/images?state=trash").json()["results"] == []
    image.refresh_from_db()
    assert image.deleted_at is not None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from_date=2026-13-01", "from_date"),
        ("to_date=yesterday", "to_date"),
        ("from_date=2026-02-01&to_date=2026-01-01", "to_date"),
        ("state=deleted", "state"),
        ("source=paint", "source"),
        ("size=0", "size"),
        ("size=101", "size"),
        ("page=0", "page"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(api, query, field):
    response = api.get(f"/api/v1/images?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": []}, "ids"),
        ({"ids": ["not-a-uuid"]}, "ids"),
        ({}, "ids"),
        ({"ids": [str(uuid.uuid4()) for _ in range(501)]}, "ids"),
    ],
)
def test_bad_bulk_requests_are_400_naming_ids(api, payload, field):
    response = api.post("/api/v1/images/delete", payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_an_unknown_id_is_404(api):
    assert api.get(f"/api/v1/images/{uuid.uuid4()}").status_code == 404
    assert api.post(f"/api/v1/images/{uuid.uuid4()}/delete").status_code == 404
    assert api.get("/api/v1/images/not-a-uuid/file").status_code == 404


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload("notes.png", b"this is text, not a picture"), "not a readable"),
        (upload("anim.gif", b"GIF89a" + b"\0" * 40, "image/gif"), "not a readable"),
        (upload("empty.png", b""), "empty"),
    ],
)
def test_a_non_image_upload_is_refused_and_nothing_is_stored(api, storage_dir, file, message):
    response = api.post("/api/v1/images/upload", {"image": file}, format="multipart")
    assert response.status_code == 400
    assert "image" in response.json()["fields"] and message in response.json()["message"]
    assert Image.objects.count() == 0 and stored_files(storage_dir) == []


def test_an_oversized_upload_is_refused_and_nothing_is_stored(api, settings, storage_dir):
    settings.MAX_UPLOAD_BYTES = 50_000
    big = upload("big.png", png_bytes((600, 600), (1, 2, 3)) + b"\0" * 60_000)
    response = api.post("/api/v1/images/upload", {"image": big}, format="multipart")
    assert response.status_code == 400
    assert "50000 bytes" in response.json()["fields"]["image"][0]
    assert Image.objects.count() == 0 and stored_files(storage_dir) == []


def test_an_upload_without_an_image_names_the_field(api):
    response = api.post("/api/v1/images/upload", {}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()["fields"]


def test_every_endpoint_wants_a_signed_in_user(client):
    some = uuid.uuid4()
    for method, path in [
        ("get", "/api/v1/images"),
        ("get", "/api/v1/images/usage"),
        ("post", "/api/v1/images/upload"),
        ("post", "/api/v1/images/import"),
        ("post", "/api/v1/images/delete"),
        ("post", "/api/v1/images/restore"),
        ("post", "/api/v1/images/trash/empty"),
        ("get", f"/api/v1/images/{some}"),
        ("get", f"/api/v1/images/{some}/file"),
        ("get", f"/api/v1/images/{some}/thumbnail"),
        ("post", f"/api/v1/images/{some}/delete"),
        ("post", f"/api/v1/images/{some}/restore"),
        ("get", "/api/v1/admin/images"),
        ("post", "/api/v1/admin/purge-trash"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("state", ["active", "trash"])
def test_the_list_query_count_does_not_grow_with_the_page_size(api, user, state):
    image_rows(user, 60, trashed=state == "trash")

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v1/images?state={state}&size={size}")
        assert len(response.json()["results"]) == size
        return len(captured)

    assert queries(5) == queries(50) == 2  # the user, the page; no COUNT(*)
