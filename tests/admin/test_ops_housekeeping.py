"""Housekeeping: internal models for superusers only and read-only, django-q2's pages say what
they show, the phone layout's styles are on every admin page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generation.models import EngineLease

pytestmark = pytest.mark.django_db

INTERNAL = (
    "/admin/generation/enginelease/",
    "/admin/token_blacklist/outstandingtoken/",
    "/admin/token_blacklist/blacklistedtoken/",
    "/admin/django_q/ormq/",
)


@pytest.fixture
def lease(db):
    return EngineLease.objects.create(name="poller", holder="host:1", expires_at=timezone.now())


def test_staff_do_not_see_internal_models_even_with_view_permissions(client_for, operator, lease):
    admin = client_for(operator)
    index = admin.get("/admin/").content.decode()
    assert "/admin/generation/enginelease/" not in index and "/admin/token_blacklist/" not in index
    for url in INTERNAL:
        assert admin.get(url).status_code == 403, url
    assert admin.get("/admin/generation/enginelease/poller/change/").status_code == 403


def test_superusers_see_internal_models_read_only(client_for, superuser, lease):
    admin = client_for(superuser)
    for url in INTERNAL:
        assert admin.get(url).status_code == 200, url
    page = admin.get("/admin/generation/enginelease/poller/change/").content.decode()
    assert "host:1" in page and 'name="_save"' not in page and "deletelink" not in page
    assert admin.get("/admin/generation/enginelease/poller/delete/").status_code == 403
    assert admin.post(
        "/admin/generation/enginelease/",
        {"action": "delete_selected", "_selected_action": ["poller"], "post": "yes"},
    ).status_code in (200, 302)
    assert EngineLease.objects.filter(name="poller").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/admin/django_q/success/", "successful tasks are not kept"),
        ("/admin/django_q/schedule/", "shows only failed runs"),
        ("/admin/django_q/failure/", "Tasks that raised or were killed"),
        ("/admin/django_q/ormq/", "Tasks waiting in the database broker"),
    ],
)
def test_django_q_pages_explain_what_they_show(client_for, superuser, url, says):
    page = client_for(superuser).get(url).content.decode()
    assert says in page


def test_an_operator_reads_the_task_pages(client_for, operator):
    admin = client_for(operator)
    for url in ("/admin/django_q/success/", "/admin/django_q/failure/", "/admin/django_q/schedule/"):
        assert admin.get(url).status_code == 200, url


def test_every_admin_page_carries_the_phone_layout_styles(client_for, superuser):
    admin = client_for(superuser)
    for url in ("/admin/", "/admin/generation/job/", "/admin/gallery/image/", "/admin/accounts/user/"):
        assert "/static/generation/admin/ops.css" in admin.get(url).content.decode(), url


def test_a_member_of_the_operators_group_runs_the_platform_but_not_its_internals(client_for, db, lease):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.services import user_create

    # Loaded again with the real models: a transactional test's flush wipes migration data.
    importlib.import_module("generation.migrations.0008_operators_group").create_group(apps, None)
    member = user_create(username="otto", password="correct horse battery", is_staff=True)
    member.groups.add(Group.objects.get(name="operators"))
    admin = client_for(member)
    assert 'id="ops-dashboard"' in admin.get("/admin/").content.decode()
    for url in (
        "/admin/generation/job/",
        "/admin/accounts/user/",
        "/admin/gallery/image/",
        "/admin/gallery/auditlog/",
        "/admin/templates_app/page/",
        "/admin/django_q/failure/",
    ):
        assert admin.get(url).status_code == 200, url
    assert "cancel_jobs" in admin.get("/admin/generation/job/").content.decode()
    for url in INTERNAL:
        assert admin.get(url).status_code == 403, url
