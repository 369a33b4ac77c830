"""Users in the admin: the limits that apply with their source, usage against quota with
over-quota flagged, the groups filter, and help texts that give values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import user_create
from gallery.models import Image

pytestmark = pytest.mark.django_db

LIST = "/admin/accounts/user/"


def store(owner, size_bytes):
    Image.objects.create(
        owner=owner,
        file="images/x.png",
        width=1,
        height=1,
        format="png",
        size_bytes=size_bytes,
        sha256="0" * 64,
        source="upload",
    )


def row_of(page: str, username: str) -> str:
    return re.search(rf"<tr>(?:(?!</tr>).)*>{username}</a>.*?</tr>", page, re.S).group(0)


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.MAX_PER_USER_QUEUE = 3
    settings.MAX_PER_USER_CONCURRENT = 1
    settings.STORAGE_QUOTA_MB = 1


def test_the_list_shows_each_limit_with_its_source_and_usage_against_quota(
    client_for, superuser, user, other_user
):
    other_user.max_queued_jobs, other_user.storage_quota_mb = 5, 0
    other_user.save(update_fields=["max_queued_jobs", "storage_quota_mb"])
    store(user, 600_000)
    page = client_for(superuser).get(LIST).content.decode()
    alice, bob = row_of(page, "alice"), row_of(page, "bob")
    assert "3 (default)" in alice and "1 (default)" in alice
    assert "585.9\xa0KB of 1.0\xa0MB (default) · 57%" in alice
    assert "5 (override)" in bob and "0\xa0bytes of unlimited" in bob


def test_a_user_over_quota_is_flagged(client_for, superuser, user):
    store(user, 2_000_000)
    page = client_for(superuser).get(LIST).content.decode()
    flagged = '<strong class="over-quota">1.9\xa0MB of 1.0\xa0MB (default) · over quota</strong>'
    assert flagged in row_of(page, "alice")
    form = client_for(superuser).get(f"{LIST}{user.id}/change/").content.decode()
    assert "over quota" in form


def test_the_list_reads_usage_in_one_query_for_the_whole_page(client_for, superuser, user):
    for index in range(15):
        store(user_create(username=f"extra{index}", password="correct horse battery"), 1000)
    admin = client_for(superuser)
    with CaptureQueriesContext(connection) as captured:
        page = admin.get(LIST).content.decode()
    assert page.count("(default) ·") == 17  # every user's usage is shown
    assert len([query for query in captured if "gallery_image" in query["sql"]]) == 1


def test_the_groups_filter_is_back(client_for, superuser, content_manager, user):
    admin = client_for(superuser)
    group = Group.objects.get(name="content managers")
    assert f"?groups__id__exact={group.id}" in admin.get(LIST).content.decode()
    page = admin.get(f"{LIST}?groups__id__exact={group.id}").content.decode()
    assert ">cora</a>" in page and ">alice</a>" not in page


def test_the_form_puts_the_limits_near_the_top_with_values_in_the_help_texts(client_for, superuser, user):
    page = client_for(superuser).get(f"{LIST}{user.id}/change/").content.decode()
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", page)
    assert headings.index("Limits") < headings.index("Personal info")
    assert "Waiting jobs: 3 (default) · running jobs: 1 (default) · storage: 1.0\xa0MB (default)" in page
    assert "Empty: the default, 3." in page and "Empty: the default, 1." in page
    assert "Empty: the default, 1.0\xa0MB." in page
    assert "MAX_PER_USER_QUEUE" not in page and "STORAGE_QUOTA_MB" not in page


def test_an_override_saved_in_the_form_applies(client_for, superuser, user):
    admin = client_for(superuser)
    page = admin.get(f"{LIST}{user.id}/change/").content.decode()
    form = dict(re.findall(r'<input type="(?:text|email|hidden)" name="(\w+)"(?: value="([^"]*)")?', page))
    form.update(
        {
            "username": "alice",
            "max_queued_jobs": "7",
            "is_active": "on",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    response = admin.post(f"{LIST}{user.id}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.max_queued_jobs == 7
    assert "7 (override)" in row_of(admin.get(LIST).content.decode(), "alice")


def test_an_operator_with_user_permissions_sees_the_list(client_for, operator, user):
    assert client_for(operator).get(LIST).status_code == 200


def test_a_content_manager_cannot_open_users(client_for, content_manager):
    assert client_for(content_manager).get(LIST).status_code == 403


def test_accounts_does_not_import_gallery():
    root = Path(__file__).resolve().parents[2] / "accounts"
    offenders = [
        path.name
        for path in root.rglob("*.py")
        if re.search(r"^\s*(from|import) gallery\b", path.read_text(), re.M)
    ]
    assert offenders == []
