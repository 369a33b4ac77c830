"""The seed frontends' requests from the same origin: the session cookie is accepted on the seed
endpoints, and seed 003's catalogue paths answer as deprecated aliases of /api/v1's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.models import Job
from tests.conftest import goods_form
from tests.generation.test_seed_endpoints import worker  # noqa: F401 (fixture)


@pytest.fixture
def session(user):
    client = APIClient()
    assert client.login(username="alice", password="correct horse battery")
    return client


@pytest.mark.django_db(transaction=True)
def test_the_seed_goods_endpoint_accepts_a_signed_in_session(session, user, worker):  # noqa: F811
    form = goods_form()
    form["image"] = form.pop("character_image")
    response = session.post("/api/goods-gen/generate", form, format="multipart")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Job.objects.get().user == user


@pytest.mark.django_db
def test_a_session_post_to_a_seed_endpoint_needs_the_csrf_token(user):
    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username="alice", password="correct horse battery")
    response = browser.post("/api/generation/display-list", {"product_info": "A mug"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_seed_service_endpoints_answer_a_session(session):
    assert session.get("/api/generation/").status_code == 200
    response = session.post("/api/generation/image", {"image_url": "not a url", "prompt": "x"}, format="json")
    assert response.status_code == 400 and "image_url" in response.json()["fields"]  # past auth


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["templates", "categories", "template-sets"])
def test_seed_catalogue_paths_answer_like_the_v1_ones(session, starter_catalogue, path):
    alias = session.get(f"/api/{path}")
    assert alias.status_code == 200
    assert alias.json() == session.get(f"/api/v1/{path}").json()
    assert alias.json()  # the starter catalogue is not empty


@pytest.mark.django_db
def test_seed_catalogue_detail_paths_answer_like_the_v1_ones(session, starter_catalogue):
    from templates_app.models import Category, Template, TemplateSet

    template, template_set = Template.objects.first(), TemplateSet.objects.first()
    category = Category.objects.first()
    for path in (
        f"templates/{template.id}",
        f"template-sets/{template_set.id}",
        f"categories/{category.id}/templates",
    ):
        assert session.get(f"/api/{path}").json() == session.get(f"/api/v1/{path}").json(), path


@pytest.mark.django_db
def test_seed_catalogue_aliases_keep_the_catalogue_permissions(session, starter_catalogue):
    response = session.post("/api/categories", {"name": "Kitchen"}, format="json")
    assert response.status_code == 403  # a marketer may read the catalogue, not change it
    assert APIClient().get("/api/templates").status_code == 401


@pytest.mark.django_db
def test_seed_catalogue_aliases_are_deprecated_in_the_schema():
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/templates", "/api/categories", "/api/template-sets"):
        assert paths[path]["get"]["deprecated"] is True, path
    assert not paths["/api/v1/templates"]["get"].get("deprecated")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("ko", "안전성 검사에서 차단되었습니다."), ("en", "The provider's safety filter refused it.")],
)
def test_a_failed_seed_job_answers_in_the_callers_language(user, language, message):
    from django.utils import timezone, translation

    from generation.compat import _unfinished

    job = Job.objects.create(
        user=user,
        kind="ppl",
        provider="local",
        status="failed",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        error_code="moderated",
        error_message="The provider's safety filter refused it.",
    )
    with translation.override(language):
        response = _unfinished(job)
    assert response.status_code == 422
    assert response.data == {"code": "moderated", "message": message}
