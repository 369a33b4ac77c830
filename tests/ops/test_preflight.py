"""GET /api/v1/preflight: can this user submit this kind of job now, and if not, why."""

from __future__ import annotations

import pytest

from generation.models import Job
from tests.ops.conftest import expire_heartbeats
from tests.ops.test_health import KeylessProvider

pytestmark = pytest.mark.django_db


def test_a_user_with_room_and_a_healthy_platform_may_submit(api, workers_up):
    response = api.get("/api/v1/preflight", {"kind": "goods"})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "kind": "goods",
        "provider": "local",
        "message": None,
        "reasons": [],
    }


def test_a_full_queue_is_refused_in_a_sentence(api, user, workers_up, settings):
    settings.MAX_PER_USER_QUEUE = 1
    Job.objects.create(user=user, kind="goods", provider="local")
    body = api.get("/api/v1/preflight", {"kind": "goods"}).json()
    assert body["ok"] is False
    assert body["reasons"][0]["code"] == "queue_full"
    assert body["message"].startswith("You already have 1 job(s) waiting")


def test_workers_down_is_refused(api, workers_up):
    expire_heartbeats()
    body = api.get("/api/v1/preflight", {"kind": "ppl"}).json()
    assert body["ok"] is False
    assert [r["code"] for r in body["reasons"]] == ["workers_down"]
    assert "No worker is running" in body["message"]


def test_a_provider_without_its_key_is_refused_naming_the_variable(api, workers_up, select_provider):
    select_provider(KeylessProvider)
    body = api.get("/api/v1/preflight", {"kind": "ppl"}).json()
    assert body["ok"] is False and body["provider"] == "keyless"
    assert body["reasons"][0]["code"] == "provider_not_configured"
    assert "KEYLESS_API_KEY" in body["message"]


def test_an_unknown_kind_is_invalid_and_anonymous_callers_are_refused(api, client):
    assert api.get("/api/v1/preflight", {"kind": "video"}).json()["code"] == "invalid"
    assert client.get("/api/v1/preflight", {"kind": "ppl"}).status_code == 401


def test_a_user_over_their_storage_quota_is_refused_with_the_figures(api, user, workers_up, settings):
    from gallery.models import Image

    settings.STORAGE_QUOTA_MB = 1
    Image.objects.create(
        owner=user,
        file="images/x.png",
        width=1,
        height=1,
        format="png",
        size_bytes=2 * 2**20,
        sha256="0" * 64,
        source="upload",
    )
    body = api.get("/api/v1/preflight", {"kind": "goods"}).json()
    assert body["ok"] is False
    assert body["reasons"][0]["code"] == "storage_quota_exceeded"
    assert "2 of 1 MB" in body["message"]


def test_with_queue_limit_0_a_free_slot_may_submit(api, user, workers_up, settings):
    settings.MAX_PER_USER_QUEUE = 0
    assert api.get("/api/v1/preflight", {"kind": "goods"}).json()["ok"] is True


def test_with_queue_limit_0_busy_slots_are_refused_as_the_job_api_would(api, user, workers_up, settings):
    from django.utils import timezone

    settings.MAX_PER_USER_QUEUE = 0
    Job.objects.create(user=user, kind="goods", provider="local", status="running", started_at=timezone.now())
    body = api.get("/api/v1/preflight", {"kind": "goods"}).json()
    assert body["ok"] is False
    assert body["reasons"][0]["code"] == "queue_full"
    assert "0 job(s) waiting" not in body["message"]


def test_the_reasons_are_in_korean_for_a_korean_caller(api, user, workers_up, settings):
    settings.MAX_PER_USER_QUEUE = 1
    Job.objects.create(user=user, kind="goods", provider="local")
    body = api.get("/api/v1/preflight", {"kind": "goods"}, HTTP_ACCEPT_LANGUAGE="ko").json()
    assert body["reasons"][0]["code"] == "queue_full"
    assert body["message"] == body["reasons"][0]["message"]
    assert body["message"].startswith("대기 중인 작업이 이미 1개로")
