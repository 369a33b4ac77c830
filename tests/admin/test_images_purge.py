"""Trash, restore and purge in the Django admin: a purge goes through a confirmation page (what
goes, whose, what is skipped and why) and ends on its result (`verified`); a user's old trash is
emptied after a dry run; every action is audited with actor, target user and image ids, and
answers with one summary message. Who may: the superuser; staff with the image permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission

from accounts.services import user_create
from gallery.models import AuditLog, Image
from tests.conftest import stored_files
from tests.gallery import conftest as gallery_fixtures
from tests.gallery.conftest import image_rows

pytestmark = pytest.mark.django_db
make_image = gallery_fixtures.make_image  # the gallery tests' fixture: images with real files

LIST = "/admin/gallery/image/"
EMPTY_TRASH = "/admin/gallery/image/empty-trash/"


def _staff(username, *codenames):
    user = user_create(username=username, password="correct horse battery", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="gallery", codename__in=codenames)
    )
    return user


@pytest.fixture
def reviewer(db):
    return _staff("rita", "view_image", "change_image")


@pytest.fixture
def purger(db):
    return _staff("pete", "view_image", "change_image", "delete_image")


def _act(client, action, images, **extra):
    selected = [image.pk for image in images]
    return client.post(LIST, {"action": action, "_selected_action": selected, **extra}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_trash_and_restore_are_audited_with_owner_and_ids_and_one_message(
    client_for, superuser, user, make_image
):
    first, second, trashed = make_image(user), make_image(user), make_image(user, trashed_for=timedelta(1))
    admin = client_for(superuser)
    response = _act(admin, "move_to_trash", [first, second, trashed])
    assert _messages(response) == ["Moved 2 images to the trash. 1 image skipped: already in the trash."]
    entry = AuditLog.objects.get(action="trash")
    assert (entry.actor_username, entry.target_username, entry.image_count) == ("root", "alice", 2)
    assert sorted(entry.filters["image_ids"]) == sorted([str(first.pk), str(second.pk)])
    response = _act(admin, "restore", [first])
    assert _messages(response) == ["Restored 1 image."]
    restored = AuditLog.objects.get(action="restore")
    assert restored.filters["image_ids"] == [str(first.pk)] and restored.target_user_id == user.pk


def test_an_action_over_several_owners_names_them_all(client_for, superuser, user, other_user, make_image):
    _act(client_for(superuser), "move_to_trash", [make_image(user), make_image(other_user)])
    entry = AuditLog.objects.get(action="trash")
    assert entry.target_user_id is None and sorted(entry.filters["owners"].values()) == ["alice", "bob"]


def test_purge_first_shows_what_will_go_whose_and_what_is_skipped(
    client_for, superuser, user, other_user, make_image, storage_dir
):
    gone = [make_image(user, trashed_for=timedelta(1)), make_image(other_user, trashed_for=timedelta(1))]
    active = make_image(user)
    response = _act(client_for(superuser), "purge", [*gone, active])
    page = response.content.decode()
    assert response.status_code == 200 and "These <strong>2 images</strong>" in page
    assert "alice" in page and "bob" in page
    assert "1 selected image will be skipped:</strong>" in page and "not in the trash" in page
    assert 'name="confirmed" value="yes"' in page
    assert Image.objects.count() == 3 and len(stored_files(storage_dir)) == 6  # nothing removed yet
    assert not AuditLog.objects.filter(action="purge").exists()


def test_a_confirmed_purge_removes_the_trashed_files_and_reports_verified(
    client_for, superuser, user, make_image, storage_dir
):
    trashed, active = make_image(user, trashed_for=timedelta(1)), make_image(user)
    response = _act(client_for(superuser), "purge", [trashed, active], confirmed="yes")
    page = response.content.decode()
    assert "Purged <strong>1 image</strong>" in page and "Verified:" in page
    assert "1 selected image skipped: not in the trash." in page
    assert list(Image.objects.all()) == [active]
    assert not (storage_dir / trashed.file.name).exists() and (storage_dir / active.file.name).exists()
    entry = AuditLog.objects.get(action="purge")
    assert (entry.actor_username, entry.target_username, entry.image_count) == ("root", "alice", 1)
    assert entry.filters["image_ids"] == [str(trashed.pk)] and entry.detail["verified"] is True
    assert f"/admin/gallery/auditlog/{entry.pk}/change/" in page


def test_purge_with_select_across_takes_every_trashed_image_of_the_filtered_list(
    client_for, superuser, user, other_user
):
    image_rows(user, 60, trashed=True)
    image_rows(other_user, 3, trashed=True)
    admin = client_for(superuser)
    # As the page posts it: the rows of page 1 ticked, and "select all" across the pages.
    across = {
        "action": "purge",
        "select_across": "1",
        "index": "0",
        "_selected_action": [Image.objects.filter(owner=user).first().pk],
    }
    response = admin.post(f"{LIST}?owner=alice", across)
    assert "These <strong>60 images</strong>" in response.content.decode()
    admin.post(f"{LIST}?owner=alice", {**across, "confirmed": "yes"})
    assert not Image.objects.filter(owner=user).exists()
    assert Image.objects.filter(owner=other_user).count() == 3


def test_emptying_a_users_trash_older_than_n_days_starts_with_a_dry_run(
    client_for, superuser, user, other_user, make_image
):
    old, recent = make_image(user, trashed_for=timedelta(days=40)), make_image(user, trashed_for=timedelta(1))
    theirs = make_image(other_user, trashed_for=timedelta(days=40))
    admin = client_for(superuser)
    assert 'name="username"' in admin.get(EMPTY_TRASH, {"owner": "alice"}).content.decode()
    dry = admin.post(EMPTY_TRASH, {"username": "alice", "older_than_days": "30"}).content.decode()
    assert "Dry run: <strong>1 image</strong>" in dry and "Nothing has been deleted yet" in dry
    assert "<strong>root</strong>" in dry  # the header still greets the admin, not the owner
    assert Image.objects.count() == 3 and AuditLog.objects.get().action == "purge_dry_run"
    done = admin.post(EMPTY_TRASH, {"username": "alice", "older_than_days": "30", "confirmed": "yes"})
    assert "Purged <strong>1 image</strong>" in done.content.decode() and "Verified:" in done.content.decode()
    assert set(Image.objects.all()) == {recent, theirs} and not Image.objects.filter(pk=old.pk).exists()
    purge = AuditLog.objects.get(action="purge")
    assert purge.target_username == "alice" and purge.filters["older_than_days"] == 30


def test_empty_trash_names_a_bad_field(client_for, superuser):
    response = client_for(superuser).post(EMPTY_TRASH, {"username": "nobody", "older_than_days": "-1"})
    page = response.content.decode()
    assert "No user has this username." in page and "greater than or equal to 0" in page


def test_a_reviewer_may_trash_but_not_purge(client_for, reviewer, user, make_image):
    image = make_image(user)
    staff = client_for(reviewer)
    _act(staff, "move_to_trash", [image])
    image.refresh_from_db()
    assert image.deleted_at is not None
    assert "purge" not in staff.get(LIST).context["action_form"].fields["action"].choices.__str__()
    _act(staff, "purge", [image], confirmed="yes")
    assert Image.objects.filter(pk=image.pk).exists()
    assert staff.get(EMPTY_TRASH).status_code == 404


def test_staff_with_the_delete_permission_may_purge(client_for, purger, user, make_image):
    image = make_image(user, trashed_for=timedelta(1))
    response = _act(client_for(purger), "purge", [image], confirmed="yes")
    assert "Verified:" in response.content.decode() and not Image.objects.exists()


def test_operators_and_content_managers_cannot_change_images(
    client_for, operator, content_manager, user, make_image
):
    image = make_image(user, trashed_for=timedelta(1))
    for person in (operator, content_manager):
        client = client_for(person)
        client.post(LIST, {"action": "restore", "_selected_action": [image.pk]})
        client.post(LIST, {"action": "purge", "_selected_action": [image.pk], "confirmed": "yes"})
        assert client.get(EMPTY_TRASH).status_code == 404
    image.refresh_from_db()
    assert image.deleted_at is not None and not AuditLog.objects.exclude(action="images_list").exists()
