"""Error bodies carry their figures, and Accept-Language: ko gives Korean messages."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from generation.models import Job
from tests.conftest import goods_form

pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def fill_queue(user, *, waiting: int, running: int = 0) -> None:
    for _ in range(running):
        Job.objects.create(
            user=user, kind="goods", provider="local", status="running", started_at=timezone.now()
        )
    for _ in range(waiting):
        Job.objects.create(user=user, kind="goods", provider="local")


def test_queue_full_carries_the_limit_and_the_waiting_count(api, user):
    fill_queue(user, waiting=3, running=1)
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "queue_full"
    assert body["limit"] == 3 and body["waiting"] == 3
    assert body["running"] == 1 and body["max_concurrent"] == 1
    assert body["message"].startswith("You already have 3 job(s) waiting")


def test_queue_full_in_korean_gives_the_figures_in_korean(api, user):
    fill_queue(user, waiting=3, running=1)
    body = api.post("/api/v1/jobs/goods", goods_form(), format="multipart", **KO).json()
    assert body["code"] == "queue_full"
    assert body["message"].startswith("대기 중인 작업이 이미 3개로")
    assert body["limit"] == 3  # the figures do not change with the language


def test_storage_quota_exceeded_carries_used_and_quota_bytes(api, user, settings):
    from gallery.models import Image

    settings.STORAGE_QUOTA_MB = 1
    Image.objects.create(
        owner=user,
        file="images/x.png",
        width=1,
        height=1,
        format="png",
        size_bytes=3 * 2**20,
        sha256="0" * 64,
        source="upload",
    )
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart", **KO)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "storage_quota_exceeded"
    assert body["used_bytes"] == 3 * 2**20 and body["quota_bytes"] == 2**20
    assert body["message"] == (
        "저장 공간을 모두 사용했습니다(3.0 MB / 1.0 MB, 휴지통과 썸네일 포함). "
        "이미지를 삭제하고 휴지통을 비운 뒤 다시 시도하세요."
    )


def test_english_stays_the_default_without_accept_language(api):
    body = api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000").json()
    assert body == {"code": "not_found", "message": body["message"]}
    assert body["message"].isascii()


@pytest.mark.parametrize("header", ["ko", "ko-KR,ko;q=0.9,en;q=0.8"])
def test_not_found_in_korean(api, header):
    response = api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "찾을 수 없습니다."}


def test_not_authenticated_in_korean():
    response = APIClient().get("/api/v1/jobs", **KO)
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "로그인이 필요합니다."}


def test_a_validation_error_in_korean_names_the_field_in_korean(api):
    response = api.post("/api/v1/jobs/goods", goods_form(goods_type="kettle"), format="multipart", **KO)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["goods_type"]
    assert body["message"].startswith("입력값을 확인하세요. goods_type: ")
    assert "유효하지 않" in body["fields"]["goods_type"][0]  # DRF's own Korean catalogue


def test_a_finished_job_cannot_be_canceled_in_korean(api, user):
    job = Job.objects.create(
        user=user,
        kind="goods",
        provider="local",
        status="succeeded",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    response = api.post(f"/api/v1/jobs/{job.id}/cancel", **KO)
    assert response.status_code == 409
    assert response.json()["message"] == "이미 끝난 작업이라 취소할 수 없습니다."


def test_a_reused_idempotency_key_in_korean(api):
    api.post("/api/v1/jobs/goods", goods_form(), format="multipart", HTTP_IDEMPOTENCY_KEY="k")
    response = api.post(
        "/api/v1/jobs/goods",
        goods_form(goods_type="poster"),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k",
        **KO,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json()["message"] and "이미" in response.json()["message"]


def test_throttled_sign_in_in_korean_says_how_long_to_wait(user, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 1
    client = APIClient()
    client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, format="json")
    response = client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, format="json", **KO)
    assert response.status_code == 429
    seconds = response.json()["retry_after_seconds"]
    assert response.json()["message"] == f"요청이 너무 많습니다. {seconds}초 후에 다시 시도하세요."


def test_a_wrong_password_in_korean():
    response = APIClient().post(
        "/api/v1/auth/token", {"username": "nobody", "password": "x"}, format="json", **KO
    )
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "아이디 또는 비밀번호가 올바르지 않습니다.",
    }


def test_the_seed_timeout_wording_is_the_korean_timed_out_message():
    from config.errors import localized_message

    assert localized_message("timed_out", "Timed out.", language="ko") == "이미지 생성 시간이 초과되었습니다"
    assert localized_message("timed_out", "Timed out.", language="en") == "Timed out."


def test_an_unknown_code_keeps_the_english_message():
    from config.errors import localized_message

    assert localized_message("brand_new_code", "Something new.", language="ko") == "Something new."


def test_every_korean_message_renders_with_its_figures():
    from config.error_codes import ErrorCode
    from config.errors import localized_message

    figures = {
        "limit": 2,
        "waiting": 2,
        "running": 1,
        "max_concurrent": 1,
        "used_bytes": 5 * 2**20,
        "quota_bytes": 2**20,
        "retry_after_seconds": 30,
    }
    for code in ErrorCode:
        text = localized_message(code, "English.", figures, language="ko")
        assert text != "English." and "{" not in text, code
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text), code
