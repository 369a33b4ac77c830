"""Image review in the Django admin: the list and the grid, filters, short-id search, owner
suggestions, file links, and who may see it (superuser, an image reviewer; not a content manager)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.services import user_create
from gallery.models import AuditLog, Image
from tests.gallery import conftest as gallery_fixtures
from tests.gallery.conftest import image_rows

pytestmark = pytest.mark.django_db
make_image = gallery_fixtures.make_image  # the gallery tests' fixture: images with real files

LIST = "/admin/gallery/image/"
GRID = "/admin/gallery/image/grid/"


@pytest.fixture
def reviewer(db):
    """Staff who may review and trash images, but not purge them."""
    user = user_create(username="rita", password="correct horse battery", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="gallery", codename__in=["view_image", "change_image"]
        )
    )
    return user


def test_the_list_shows_thumbnails_owners_human_sizes_and_a_grid_toggle(
    client_for, superuser, user, make_image
):
    image = make_image(user)
    page = client_for(superuser).get(LIST).content.decode()
    assert f"/admin/gallery/image/{image.pk}/thumbnail/" in page and "alice" in page
    assert f"{image.size_bytes} bytes" not in page and ("KB" in page or "bytes" in page)
    assert 'href="/admin/gallery/image/grid/?' in page and "Grid view" in page


def test_the_grid_shows_cards_with_selectable_images_and_keeps_the_filters(
    client_for, superuser, user, other_user, make_image
):
    mine, trashed = make_image(user), make_image(user, trashed_for=timedelta(days=1))
    theirs = make_image(other_user)
    response = client_for(superuser).get(GRID, {"owner": "alice"})
    page = response.content.decode()
    assert response.status_code == 200 and 'class="image-grid"' in page
    assert f'value="{mine.pk}" class="action-select"' in page and "in the trash" in page
    assert str(theirs.pk)[:8] not in page and str(trashed.pk)[:8] in page
    assert 'href="/admin/gallery/image/?owner=alice"' in page  # back to the list, same filter


def test_an_action_posted_from_the_grid_comes_back_to_the_grid(client_for, superuser, user, make_image):
    image = make_image(user)
    admin = client_for(superuser)
    response = admin.post(GRID, {"action": "move_to_trash", "_selected_action": [image.pk]})
    assert response.status_code == 302 and response["Location"].startswith(GRID)
    confirmation = admin.post(GRID, {"action": "purge", "_selected_action": [image.pk]})
    assert "These <strong>1 image</strong>" in confirmation.content.decode()


def test_a_short_id_finds_the_image_and_a_username_finds_the_owners(
    client_for, superuser, user, other_user, make_image
):
    image, other = make_image(user), make_image(other_user)
    admin = client_for(superuser)
    by_id = admin.get(LIST, {"q": str(image.pk)[:8]}).content.decode()
    assert str(image.pk)[:8] in by_id and str(other.pk)[:8] not in by_id
    by_name = admin.get(LIST, {"q": "BOB"}).content.decode()
    assert str(other.pk)[:8] in by_name and str(image.pk)[:8] not in by_name


def test_the_owner_and_date_filters_narrow_the_list(client_for, superuser, user, other_user, make_image):
    old = make_image(user, age=timedelta(days=10))
    new = make_image(user)
    theirs = make_image(other_user)
    admin = client_for(superuser)
    by_owner = admin.get(LIST, {"owner": "bob"}).content.decode()
    assert str(theirs.pk)[:8] in by_owner and str(new.pk)[:8] not in by_owner
    today = timezone.localdate()
    ranged = admin.get(
        LIST, {"created_from": str(today - timedelta(days=11)), "created_to": str(today - timedelta(days=9))}
    ).content.decode()
    assert str(old.pk)[:8] in ranged and str(new.pk)[:8] not in ranged
    assert 'name="owner"' in ranged and 'type="date"' in ranged  # the inputs, kept filled


def test_a_malformed_date_is_named_and_not_applied(client_for, superuser, user, make_image):
    image = make_image(user)
    response = client_for(superuser).get(LIST, {"created_from": "yesterday"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "created_from" in page and "is not a date" in page
    assert str(image.pk)[:8] in page


def test_owner_suggestions_are_usernames_starting_with_the_term(client_for, superuser, user, other_user):
    answer = client_for(superuser).get("/admin/gallery/image/owners/", {"term": "al"}).json()
    assert answer == {"usernames": ["alice"]}


def test_the_image_page_links_its_file_thumbnail_download_and_job(client_for, superuser, user, make_image):
    image = make_image(user)
    Image.objects.filter(pk=image.pk).update(job_id="6c0b7f3e-7b1e-4a59-9a1c-0a4f5a1d2e3f")
    admin = client_for(superuser)
    page = admin.get(f"{LIST}{image.pk}/change/").content.decode()
    for link in ("file", "thumbnail", "download"):
        assert f'href="/admin/gallery/image/{image.pk}/{link}/"' in page, link
    assert 'href="/admin/generation/job/6c0b7f3e-7b1e-4a59-9a1c-0a4f5a1d2e3f/change/"' in page
    file = admin.get(f"{LIST}{image.pk}/file/")
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    assert admin.get(f"{LIST}{image.pk}/thumbnail/")["Content-Type"] == "image/webp"
    download = admin.get(f"{LIST}{image.pk}/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")


def test_a_missing_file_is_the_admins_404_not_json(client_for, superuser, user, make_image, storage_dir):
    image = make_image(user)
    (storage_dir / image.file.name).unlink()
    response = client_for(superuser).get(f"{LIST}{image.pk}/file/")
    assert response.status_code == 404 and "application/json" not in response["Content-Type"]


def test_a_reviewer_sees_the_list_and_files_a_content_manager_does_not(
    client_for, reviewer, content_manager, user, make_image
):
    image = make_image(user)
    reviewing = client_for(reviewer)
    for url in (LIST, GRID, f"{LIST}{image.pk}/change/", f"{LIST}{image.pk}/file/"):
        assert reviewing.get(url).status_code == 200, url
    managing = client_for(content_manager)
    assert managing.get(LIST).status_code == 403 and managing.get(GRID).status_code == 403
    assert managing.get(f"{LIST}{image.pk}/file/").status_code == 404
    assert managing.get("/admin/gallery/image/owners/", {"term": "a"}).status_code == 404


def test_a_list_is_audited_once_per_session_and_filter_not_per_page(client_for, superuser, user, make_image):
    make_image(user)
    admin = client_for(superuser)
    for query in ({}, {"p": "1"}, {"o": "3"}, {}, {"owner": "alice"}, {"owner": "alice", "p": "1"}):
        assert admin.get(LIST, query).status_code == 200
    listed = list(AuditLog.objects.filter(action="images_list").order_by("id"))
    assert [entry.filters.get("owner") for entry in listed] == [None, "alice"]
    assert listed[1].target_username == "alice" and listed[1].actor_username == "root"


def test_opening_another_users_image_is_audited(client_for, superuser, user, make_image):
    image = make_image(user)
    client_for(superuser).get(f"{LIST}{image.pk}/change/")
    entry = AuditLog.objects.get(action="image_view")
    assert entry.target_username == "alice" and entry.filters["image_id"] == str(image.pk)


def test_select_all_across_pages_is_offered_past_one_page(client_for, superuser, user):
    image_rows(user, 60)
    page = client_for(superuser).get(LIST).content.decode()
    assert "Select all 60 images" in page and 'name="select_across"' in page
