"""The admin review API: staff only, any user's images by user/date/state, purges, and the audit log."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery.models import AuditLog, Image
from tests.conftest import api_client_for
from tests.gallery.conftest import image_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(staff_user):
    return api_client_for(staff_user)


def test_only_staff_may_use_the_admin_api(api, user, make_image):
    make_image(user)
    for method, path in [
        ("get", "/api/v1/admin/images"),
        ("post", "/api/v1/admin/purge-trash"),
        ("get", f"/api/v1/admin/images/{Image.objects.get().id}/file"),
    ]:
        response = getattr(api, method)(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
    assert not AuditLog.objects.exists()


def test_staff_list_a_users_deleted_images_in_a_date_range_and_the_look_is_audited(
    staff_api, staff_user, user, other_user, make_image
):
    in_range = make_image(user, age=timedelta(days=5), trashed_for=timedelta(days=1))
    make_image(user, age=timedelta(days=5))  # active
    make_image(user, age=timedelta(days=50), trashed_for=timedelta(days=1))  # before the range
    make_image(other_user, age=timedelta(days=5), trashed_for=timedelta(days=1))  # someone else
    start = (timezone.now() - timedelta(days=10)).date().isoformat()
    end = timezone.now().date().isoformat()
    response = staff_api.get(
        f"/api/v1/admin/images?user_id={user.id}&include=deleted"
        f"&from_date={start}&to_date={end}&page=1&size=20"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [row["id"] for row in body["results"]] == [str(in_range.id)]
    row = body["results"][0]
    assert row["is_deleted"] is True and row["owner"] == {"id": user.id, "username": "alice"}
    assert (body["count"], body["count_is_exact"], body["has_next"]) == (1, True, False)
    assert staff_api.get(row["url"]).status_code == 200
    assert staff_api.get(row["thumbnail_url"]).status_code == 200

    listed, viewed = AuditLog.objects.order_by("id")
    assert (listed.action, listed.actor_id, listed.actor_username) == ("images_list", staff_user.id, "carol")
    assert (listed.target_user_id, listed.target_username, listed.image_count) == (user.id, "alice", 1)
    assert listed.filters == {
        "user_id": user.id,
        "include": "deleted",
        "from_date": start,
        "to_date": end,
        "page": 1,
        "size": 20,
        "cursor": False,
    }
    assert (viewed.action, viewed.target_user_id, viewed.filters) == (
        "image_view",
        user.id,
        {"image_id": str(in_range.id)},
    )


def test_include_chooses_active_deleted_or_all_and_every_row_says_which(
    staff_api, user, other_user, make_image
):
    active = make_image(user)
    deleted = make_image(other_user, trashed_for=timedelta(hours=1))

    def rows(include=None):
        query = f"?include={include}" if include else ""
        results = staff_api.get(f"/api/v1/admin/images{query}").json()["results"]
        return {row["id"]: row["is_deleted"] for row in results}

    assert rows() == rows("active") == {str(active.id): False}
    assert rows("deleted") == {str(deleted.id): True}
    assert rows("all") == {str(active.id): False, str(deleted.id): True}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("include=trash", "include"),
        ("from_date=2026-02-30", "from_date"),
        ("to_date=soon", "to_date"),
        ("from_date=2026-03-01&to_date=2026-02-01", "to_date"),
        ("user_id=999999", "user_id"),
        ("user_id=abc", "user_id"),
        ("size=1000", "size"),
    ],
)
def test_bad_admin_list_parameters_are_400_naming_the_parameter(staff_api, query, field):
    response = staff_api.get(f"/api/v1/admin/images?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not AuditLog.objects.exists()


def test_the_count_is_exact_up_to_a_limit_and_then_an_estimate(staff_api, user, settings):
    image_rows(user, 12)
    settings.ADMIN_LIST_EXACT_COUNT_LIMIT = 20
    assert staff_api.get("/api/v1/admin/images?size=5").json()["count"] == 12
    settings.ADMIN_LIST_EXACT_COUNT_LIMIT = 5
    body = staff_api.get("/api/v1/admin/images?size=5").json()
    assert body["count_is_exact"] is False and body["count"] >= 6


def test_cursor_paging_walks_all_users_images_once(staff_api, user, other_user):
    rows = image_rows(user, 9) + image_rows(other_user, 8, start=timezone.now() - timedelta(seconds=30))
    seen, params = [], {"size": 4, "include": "all"}
    while True:
        body = staff_api.get("/api/v1/admin/images", params).json()
        seen += [r["id"] for r in body["results"]]
        if not body["has_next"]:
            break
        assert (body["count"] is None) == ("cursor" in params)  # counted on page/size requests only
        params["cursor"] = body["next_cursor"]
    expected = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)
    assert seen == [str(r.id) for r in expected]


def test_the_admin_list_query_count_does_not_grow_with_the_page_size(staff_api, user, other_user):
    image_rows(user, 40)
    image_rows(other_user, 40)

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            response = staff_api.get(f"/api/v1/admin/images?size={size}&include=all")
        assert len(response.json()["results"]) == size
        return len(captured)

    # The user; the page with its owners joined; the bounded count; the audit row.
    assert queries(5) == queries(60) <= 5
    assert queries(5) >= 4


def test_a_dry_run_counts_and_changes_nothing(staff_api, user, make_image, storage_dir):
    images = [make_image(user, trashed_for=timedelta(days=3)) for _ in range(2)]
    make_image(user)
    response = staff_api.post("/api/v1/admin/purge-trash", {"dry_run": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["images"], body["verified"]) == (True, 2, None)
    assert body["bytes"] == sum(i.size_bytes + i.thumbnail_bytes for i in images)
    assert Image.objects.count() == 3 and len(list(storage_dir.rglob("*.*"))) == 6
    assert AuditLog.objects.get().action == "purge_dry_run"


def test_a_purge_of_one_users_old_trash_removes_files_then_rows_and_says_they_are_gone(
    staff_api, staff_user, user, other_user, make_image, storage_dir
):
    old = make_image(user, trashed_for=timedelta(days=10))
    young = make_image(user, trashed_for=timedelta(days=1))
    theirs = make_image(other_user, trashed_for=timedelta(days=10))
    active = make_image(user, age=timedelta(days=100))
    response = staff_api.post(
        "/api/v1/admin/purge-trash", {"user_id": user.id, "older_than_days": 7}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["images"], body["bytes"]) == (1, old.size_bytes + old.thumbnail_bytes)
    assert (body["verified"], body["files_remaining"], body["complete"]) == (True, [], True)
    assert body["files_deleted"] == 2 and "gone from storage" in body["message"]
    assert set(Image.objects.values_list("id", flat=True)) == {young.id, theirs.id, active.id}
    assert not (storage_dir / old.file.name).exists() and not (storage_dir / old.thumbnail.name).exists()
    audit = AuditLog.objects.get(pk=body["audit_id"])
    assert (audit.action, audit.actor_id, audit.target_user_id, audit.image_count) == (
        "purge",
        staff_user.id,
        user.id,
        1,
    )
    assert audit.filters == {"older_than_days": 7} and audit.finished_at is not None
    assert audit.detail["verified"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"user_id": 999999}, "user_id"),
        ({"older_than_days": -1}, "older_than_days"),
        ({"dry_run": "perhaps"}, "dry_run"),
    ],
)
def test_bad_purge_requests_are_400_and_purge_nothing(staff_api, user, make_image, payload, field):
    make_image(user, trashed_for=timedelta(days=40))
    response = staff_api.post("/api/v1/admin/purge-trash", payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert Image.objects.count() == 1
