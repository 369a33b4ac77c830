"""Generated product pages in the admin: read-only, with a full-width preview whose images are
the owner's, for content managers and superusers; staff without the group see none."""
# ruff: noqa: F811 (the catalogue fixtures are imported from tests/templates_app/conftest.py)

import re

import pytest
from django.test import Client

from accounts.services import user_create
from templates_app.models import Page
from tests.templates_app.conftest import catalogue, manager, manager_group  # noqa: F401
from tests.templates_app.test_page_api import _page


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def page(user, catalogue) -> Page:
    return Page.objects.get(pk=_page(user, catalogue["living"], with_images=True).page_id)


@pytest.fixture
def superuser(db):
    return user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)


def test_a_content_manager_reads_a_generated_page_with_its_preview(manager, page):
    client = client_for(manager)
    listing = client.get("/admin/templates_app/page/").content.decode()
    assert page.title in listing
    form = client.get(f"/admin/templates_app/page/{page.pk}/change/").content.decode()
    assert f'src="/admin/templates_app/page/{page.pk}/html/" sandbox' in form
    assert 'data-preview-width="390"' in form
    assert 'name="_save"' not in form and "deletelink" not in form  # read-only, not deletable
    document = client.get(f"/admin/templates_app/page/{page.pk}/html/")
    assert document["Content-Security-Policy"].endswith("sandbox")
    # The owner's images are in the document itself: a reviewer has no access to the owner's files.
    assert re.search(r'src="data:image/png;base64,', document.content.decode())
    assert "/api/v1/images/" not in document.content.decode()


def test_only_a_superuser_may_delete_a_page(manager, superuser, page):
    assert (
        client_for(manager).post(f"/admin/templates_app/page/{page.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    response = client_for(superuser).post(f"/admin/templates_app/page/{page.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Page.objects.filter(pk=page.pk).exists()


@pytest.mark.parametrize("persona, status", [("manager", 200), ("superuser", 200), ("staff_user", 403)])
def test_who_may_see_generated_pages(request, persona, status, page):
    client = client_for(request.getfixturevalue(persona))
    for url in (
        "/admin/templates_app/page/",
        f"/admin/templates_app/page/{page.pk}/change/",
        f"/admin/templates_app/page/{page.pk}/html/",
    ):
        assert client.get(url).status_code == status, url
