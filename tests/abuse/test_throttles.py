"""Per-user throttles on the costly writes (job creation, uploads, imports, the seed endpoints),
and the sign-in throttle in the issue's own example."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import goods_form, upload

pytestmark = pytest.mark.django_db


def _assert_throttled(response, *, window: int = 60) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert 1 <= body["retry_after_seconds"] <= window
    assert response["Retry-After"] == str(body["retry_after_seconds"])


def test_job_creation_is_throttled_per_user(api, other_api, settings):
    settings.THROTTLE_JOBS_PER_MINUTE = 2
    settings.MAX_PER_USER_QUEUE = 5
    for _ in range(2):
        assert api.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202
    _assert_throttled(api.post("/api/v1/jobs/goods", goods_form(), format="multipart"))
    # every way of making a job shares the count: the PPL form, edits, retries, the seed endpoints
    _assert_throttled(api.post("/api/v1/jobs/edit", {"prompt": "x"}, format="json"))
    _assert_throttled(api.post("/api/ppl-gen/generate", {}, format="multipart"))
    _assert_throttled(api.post("/api/generation/image", {}, format="json"))
    # reading is not throttled, and another user has their own count
    assert api.get("/api/v1/jobs").status_code == 200
    assert other_api.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202


def test_uploads_are_throttled_per_user(api, other_api, settings):
    settings.THROTTLE_UPLOADS_PER_MINUTE = 1
    assert api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 201
    _assert_throttled(api.post("/api/v1/images/upload", {"image": upload()}, format="multipart"))
    assert other_api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 201


def test_imports_are_throttled_per_user_refused_ones_included(api, settings):
    settings.THROTTLE_IMPORTS_PER_MINUTE = 2
    refused = {"url": "ftp://example.com/a.png"}
    assert api.post("/api/v1/images/import", refused, format="json").status_code == 400
    assert (
        api.post(
            "/api/generation/upload-image", {"url": "ftp://example.com/a.png"}, format="json"
        ).status_code
        == 400
    )
    _assert_throttled(api.post("/api/v1/images/import", {"url": "https://example.com/a.png"}, format="json"))


def test_a_limit_of_zero_turns_a_throttle_off(api, settings):
    settings.THROTTLE_UPLOADS_PER_MINUTE = 0
    for _ in range(5):
        assert api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").status_code == 201


def test_sixty_wrong_passwords_then_the_right_one_is_still_429(user):
    client = APIClient()
    for _ in range(60):
        response = client.post(
            "/api/v1/auth/token", {"username": "alice", "password": "wrong"}, format="json"
        )
        assert response.status_code in (401, 429)
    _assert_throttled(
        client.post(
            "/api/v1/auth/token", {"username": "alice", "password": "correct horse battery"}, format="json"
        ),
        window=300,
    )
