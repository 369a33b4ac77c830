"""The seed services' endpoints: a normal job for the caller, answered with the image bytes."""

import io
import threading

import pytest
from PIL import Image

from generation.models import Job
from tests.conftest import goods_form, ppl_form, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    """A stand-in worker thread running queued tasks while the request waits."""
    stop = threading.Event()

    def loop():
        from django.db import connection

        while not stop.is_set():
            run_tasks(max_tasks=20)
            stop.wait(0.05)
        connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def test_the_seed_ppl_endpoint_answers_the_image_bytes(api, worker):
    response = api.post("/api/ppl-gen/generate", ppl_form(output_format="jpg"), format="multipart")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG" and image.size == (1024, 1024)
    assert Job.objects.get().status == "succeeded"


def test_the_seed_goods_endpoint_takes_image_and_goods_type(api, worker):
    form = goods_form(goods_type="sticker")
    form["image"] = form.pop("character_image")
    response = api.post("/api/goods-gen/generate", form, format="multipart")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Job.objects.get().params["goods_type"] == "sticker"


def test_a_seed_request_that_outlasts_the_wait_answers_504_with_the_seed_message(api, settings):
    settings.SEED_ENDPOINT_WAIT_SECONDS = 1  # and no worker is running
    response = api.post("/api/ppl-gen/generate", ppl_form(), format="multipart")
    assert response.status_code == 504
    assert response.json()["message"] == "이미지 생성 시간이 초과되었습니다"


def test_seed_endpoints_validate_like_the_job_api(api):
    response = api.post("/api/ppl-gen/generate", ppl_form(prompt=None), format="multipart")
    assert response.status_code == 400 and "prompt" in response.json()["fields"]
    assert not Job.objects.exists()


def test_seed_endpoints_need_a_signed_in_caller(client):
    assert client.post("/api/ppl-gen/generate").status_code == 401


def test_seed_endpoints_are_deprecated_in_the_schema(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert paths["/api/ppl-gen/generate"]["post"]["deprecated"] is True
    assert paths["/api/goods-gen/generate"]["post"]["deprecated"] is True


def test_seed_display_list_turns_product_info_into_html(api, worker, starter_catalogue):
    from templates_app.models import Category

    response = api.post(
        "/api/generation/display-list",
        {
            "productInfo": "Wireless earbuds\n- 30 hour battery\n- Noise cancelling",
            "categoryId": Category.objects.get(slug="electronics").id,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert "30 hour battery" in response.json()["html"]


def test_seed_service_and_actuator_health_answer_without_a_token(client):
    assert client.get("/api/generation/").json()["status"] == "running"
    response = client.get("/api/generation/actuator/health")
    assert response.status_code in (200, 503)
    assert response.json()["status"] in ("UP", "DOWN")


def test_seed_image_and_upload_refuse_unsafe_urls(api):
    for path, body in (
        ("/api/generation/image", {"imageUrl": "http://169.254.169.254/latest", "prompt": "x"}),
        ("/api/generation/upload-image", {"url": "http://127.0.0.1:1/x.png"}),
    ):
        response = api.post(path, body, format="json")
        assert response.status_code == 400, (path, response.json())
    assert not Job.objects.exists()
