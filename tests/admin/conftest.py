"""Admin personas (shared by the admin tests): a superuser, an operator (staff with the job and
user permissions) and a content manager (staff in the "content managers" group)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.services import user_create
from templates_app.models import CONTENT_MANAGERS

OPERATOR_PERMISSIONS = (
    "generation.view_job",
    "generation.change_job",
    "accounts.view_user",
    "accounts.change_user",
    "gallery.view_image",
    "django_q.view_failure",
    "django_q.view_success",
    "django_q.view_schedule",
    "django_q.view_ormq",
    "token_blacklist.view_outstandingtoken",
    "generation.view_enginelease",
)


def _permissions(names):
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@pytest.fixture
def superuser(db):
    return user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)


@pytest.fixture
def operator(db):
    user = user_create(username="oscar", password="correct horse battery", is_staff=True)
    user.user_permissions.set(_permissions(OPERATOR_PERMISSIONS))
    return user


@pytest.fixture
def content_manager(db):
    user = user_create(username="cora", password="correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=CONTENT_MANAGERS)[0])
    return user


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
