"""The Django admin: images with thumbnails and a clear deleted label, filters, actions, usage on
the user page, and the read-only audit log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import user_create
from gallery.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    root = user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def test_the_image_list_shows_thumbnails_owners_and_a_deleted_label(admin_client, user, make_image):
    active = make_image(user)
    trashed = make_image(user, trashed_for=timedelta(days=1))
    page = admin_client.get("/admin/gallery/image/").content.decode()
    assert f"/admin/gallery/image/{active.pk}/thumbnail/" in page
    assert "alice" in page and "DELETED" in page
    deleted_only = admin_client.get("/admin/gallery/image/?state=deleted").content.decode()
    assert str(trashed.pk)[:8] in deleted_only and str(active.pk)[:8] not in deleted_only
    thumbnail = admin_client.get(f"/admin/gallery/image/{active.pk}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"
    for query in (
        f"owner__id__exact={user.pk}",
        "source__exact=upload",
        "created_at__gte=2020-01-01+00%3A00%3A00%2B00%3A00",
    ):
        assert admin_client.get(f"/admin/gallery/image/?{query}").status_code == 200, query
    listed = AuditLog.objects.filter(action="images_list").order_by("id").last()
    assert listed.actor_username == "root" and listed.filters["via"] == "django admin"


# Trash, restore and purge through the admin: tests/admin/test_images_purge.py.


def test_viewing_another_users_image_in_the_admin_is_audited(admin_client, user, make_image):
    image = make_image(user)
    assert admin_client.get(f"/admin/gallery/image/{image.pk}/change/").status_code == 200
    entry = AuditLog.objects.get(action="image_view")
    assert entry.target_username == "alice" and entry.filters["image_id"] == str(image.pk)


def test_the_user_page_shows_storage_usage_and_the_quota_field(admin_client, user, make_image, settings):
    settings.STORAGE_QUOTA_MB = 100
    make_image(user)
    make_image(user, trashed_for=timedelta(days=1))
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "storage_quota_mb" in page
    assert "of 100.0\xa0MB (default)" in page and "— 1 image(s), 1 in the trash" in page


def test_the_audit_log_is_read_only(admin_client, staff_user):
    entry = AuditLog.objects.create(
        actor_id=staff_user.pk,
        actor_username="carol",
        action="purge",
        image_count=3,
        finished_at=timezone.now(),
    )
    assert admin_client.get("/admin/gallery/auditlog/").status_code == 200
    assert admin_client.get(f"/admin/gallery/auditlog/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/gallery/auditlog/add/").status_code == 403
    assert admin_client.post(f"/admin/gallery/auditlog/{entry.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/gallery/auditlog/{entry.pk}/change/", {"image_count": 0})
    entry.refresh_from_db()
    assert entry.image_count == 3
