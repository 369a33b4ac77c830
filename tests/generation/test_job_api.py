"""The job API through HTTP, with the engine's tasks run as a worker would run them."""

import io

import pytest
from PIL import Image

from generation.models import Job, JobInput
from tests.conftest import goods_form, png_bytes, ppl_form, stored_files, upload
from tests.factories import finished_job_with_result

pytestmark = pytest.mark.django_db(transaction=True)

JOB_FIELDS = {
    "id",
    "kind",
    "status",
    "provider",
    "params",
    "created_at",
    "started_at",
    "finished_at",
    "queue_position",
    "eta_seconds",
    "waiting_reason",
    "progress",
    "retried_from",
    "translation",
    "error",
    "result",
    "inputs",
    "inputs_expired",
    "request_id",
}


def test_a_ppl_job_is_accepted_with_202_and_the_job_shape(api):
    response = api.post("/api/v1/jobs/ppl", ppl_form(seed=7), format="multipart")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == JOB_FIELDS
    assert body["kind"] == "ppl" and body["status"] == "queued" and body["provider"] == "local"
    assert body["params"] == {
        "prompt": "Place the bottle on the table",
        "aspect_ratio": "1:1",
        "output_format": "png",
        "safety_tolerance": 2,
        "seed": 7,
    }
    assert body["queue_position"] == 1 and body["waiting_reason"] == "queue"
    assert body["eta_seconds"] >= 1
    assert response["Location"] == f"/api/v1/jobs/{body['id']}"


def test_a_ppl_job_finishes_with_a_real_composition_that_its_owner_downloads(api, tasks):
    job_id = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "succeeded", body
    assert body["progress"] == 100 and body["error"] is None
    [image] = body["result"]["images"]
    assert (image["width"], image["height"], image["format"]) == (1024, 1024, "png")
    download = api.get(image["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(b"".join(download.streaming_content))).convert("RGB")
    assert picture.size == (1024, 1024)
    reds = sum(1 for r, g, b in picture.get_flattened_data() if r > 150 and g < 90 and b < 90)
    assert reds > 2000, "the red product is composed into the scene"


def test_a_goods_job_finishes_as_a_jpeg_when_asked(api, tasks):
    job_id = api.post(
        "/api/v1/jobs/goods", goods_form(goods_type="t_shirt", output_format="jpg"), format="multipart"
    ).json()["id"]
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "succeeded", body
    [image] = body["result"]["images"]
    assert image["format"] == "jpeg"
    download = api.get(image["url"])
    assert download["Content-Type"] == "image/jpeg"


def test_another_users_job_and_image_answer_404(api, other_api, tasks):
    job_id = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    tasks()
    image_url = api.get(f"/api/v1/jobs/{job_id}").json()["result"]["images"][0]["url"]
    assert other_api.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert other_api.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 404
    assert other_api.post(f"/api/v1/jobs/{job_id}/retry").status_code == 404
    assert other_api.get(image_url).status_code == 404
    assert other_api.get("/api/v1/jobs").json()["results"] == []


def test_anonymous_requests_are_401(client):
    for method, path in [
        ("get", "/api/v1/jobs"),
        ("post", "/api/v1/jobs/ppl"),
        ("post", "/api/v1/jobs/goods"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prompt": None}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"input_image_1": None}, "input_image_1"),
        ({"input_image_1": upload("scene.png", b"this is not an image", "image/png")}, "input_image_1"),
        ({"input_image_2": upload("p.gif", png_bytes(fmt="GIF"), "image/gif")}, "input_image_2"),
        ({"input_image_2": upload("p.png", b"")}, "input_image_2"),
        ({"aspect_ratio": "7:3"}, "aspect_ratio"),
        ({"output_format": "webp"}, "output_format"),
        ({"safety_tolerance": "3"}, "safety_tolerance"),
        ({"seed": "-1"}, "seed"),
        ({"seed": "abc"}, "seed"),
    ],
)
def test_bad_ppl_input_is_400_naming_the_field_and_stores_nothing(api, storage_dir, overrides, field):
    response = api.post("/api/v1/jobs/ppl", ppl_form(**overrides), format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"], body
    assert field in body["message"]
    assert Job.objects.count() == 0
    assert stored_files(storage_dir) == []


def test_an_upload_over_the_byte_limit_is_refused(api, settings, storage_dir):
    settings.MAX_UPLOAD_BYTES = 50_000
    big = png_bytes((900, 900), fmt="BMP")  # ~2.4 MB, whatever the format: the size is checked first
    response = api.post(
        "/api/v1/jobs/ppl", ppl_form(input_image_1=upload("big.png", big)), format="multipart"
    )
    assert response.status_code == 400
    assert "at most" in response.json()["fields"]["input_image_1"][0]
    assert Job.objects.count() == 0 and stored_files(storage_dir) == []


def test_a_decompression_bomb_is_refused(api, settings):
    settings.INPUT_MAX_PIXELS = 1_000_000
    bomb = png_bytes((1500, 1500), (0, 0, 0))  # small file, 2.25 million pixels
    response = api.post(
        "/api/v1/jobs/ppl", ppl_form(input_image_1=upload("bomb.png", bomb)), format="multipart"
    )
    assert response.status_code == 400
    assert "pixels" in response.json()["fields"]["input_image_1"][0]


def test_a_large_input_is_scaled_to_1024_on_its_long_side_before_the_provider(api):
    big = upload("big.jpg", png_bytes((2048, 1536), (10, 200, 10), "JPEG"), "image/jpeg")
    assert api.post("/api/v1/jobs/ppl", ppl_form(input_image_1=big), format="multipart").status_code == 202
    scene = JobInput.objects.get(role="input_image_1")
    assert (scene.width, scene.height, scene.format) == (1024, 768, "jpeg")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"goods_type": "spaceship"}, "goods_type"),
        ({"goods_type": None}, "goods_type"),
        ({"character_image": None}, "character_image"),
        ({"safety_tolerance": "7"}, "safety_tolerance"),
    ],
)
def test_bad_goods_input_is_400_naming_the_field(api, overrides, field):
    response = api.post("/api/v1/jobs/goods", goods_form(**overrides), format="multipart")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Job.objects.count() == 0


def test_goods_accept_a_safety_tolerance_up_to_6(api):
    response = api.post("/api/v1/jobs/goods", goods_form(safety_tolerance="6"), format="multipart")
    assert response.status_code == 202


def test_the_fourth_waiting_job_is_refused_with_429_queue_full(api, storage_dir):
    for _ in range(3):
        assert api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").status_code == 202
    files_before = len(stored_files(storage_dir))
    response = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart")
    assert response.status_code == 429
    assert response.json()["code"] == "queue_full"
    assert "3" in response.json()["message"]
    assert Job.objects.count() == 3
    assert len(stored_files(storage_dir)) == files_before


def test_a_per_user_queue_override_beats_the_global_default(api, user):
    user.max_queued_jobs = 1
    user.save(update_fields=["max_queued_jobs"])
    assert api.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202
    assert api.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 429


def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_job(api):
    first = api.post("/api/v1/jobs/goods", goods_form(), format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/jobs/goods", goods_form(), format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


def test_an_idempotency_key_reused_for_a_different_request_is_409(api):
    api.post("/api/v1/jobs/goods", goods_form(), format="multipart", HTTP_IDEMPOTENCY_KEY="k-2")
    response = api.post(
        "/api/v1/jobs/goods", goods_form(goods_type="poster"), format="multipart", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_the_job_list_is_newest_first_filtered_and_paged(api, tasks, user):
    user.max_queued_jobs = 10
    user.save(update_fields=["max_queued_jobs"])
    ids = [api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"] for _ in range(3)]
    api.post(f"/api/v1/jobs/{ids[0]}/cancel")
    page1 = api.get("/api/v1/jobs?size=2").json()
    assert [j["id"] for j in page1["results"]] == [ids[2], ids[1]]
    assert page1["has_next"] is True
    page2 = api.get("/api/v1/jobs?size=2&page=2").json()
    assert [j["id"] for j in page2["results"]] == [ids[0]] and page2["has_next"] is False
    by_cursor = api.get(f"/api/v1/jobs?size=2&cursor={page1['next_cursor']}").json()
    assert [j["id"] for j in by_cursor["results"]] == [ids[0]]
    canceled = api.get("/api/v1/jobs?status=canceled").json()["results"]
    assert [j["id"] for j in canceled] == [ids[0]]
    assert api.get("/api/v1/jobs?kind=ppl").json()["results"] == []


@pytest.mark.parametrize(
    "query", ["size=0", "size=101", "page=0", "status=lost", "kind=video", "cursor=nonsense"]
)
def test_bad_list_parameters_are_400_naming_the_field(api, query):
    response = api.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["fields"]


def test_the_list_query_count_does_not_grow_with_the_page_size(api, user, django_assert_max_num_queries):
    for _ in range(12):
        finished_job_with_result(user=user)
    assert Job.objects.filter(status="succeeded").count() == 12
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/jobs?size=2").json()["results"]) == 2
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/jobs?size=12").json()["results"]) == 12


def test_canceling_a_waiting_job_ends_it_without_running_it(api, tasks):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    response = api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    assert response.json()["error"]["code"] == "canceled"
    tasks()
    job = Job.objects.get(pk=job_id)
    assert job.status == "canceled" and job.started_at is None and job.provider_ref == ""


def test_canceling_a_running_job_ends_it_and_frees_the_slot(api, tasks, settings):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    first = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    second = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks(max_tasks=5)
    assert api.get(f"/api/v1/jobs/{first}").json()["status"] == "running"
    waiting = api.get(f"/api/v1/jobs/{second}").json()
    assert waiting["status"] == "queued" and waiting["waiting_reason"] == "user_concurrency"
    assert api.post(f"/api/v1/jobs/{first}/cancel").json()["status"] == "canceled"
    tasks(max_tasks=5)
    assert Job.objects.get(pk=first).status == "canceled"
    assert api.get(f"/api/v1/jobs/{first}").json()["result"] is None
    assert api.get(f"/api/v1/jobs/{second}").json()["status"] == "running"


def test_canceling_a_finished_job_is_409(api, tasks):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks()
    response = api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "job_finished"


def test_retry_makes_a_new_job_from_the_same_inputs(api, tasks):
    job_id = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    api.post(f"/api/v1/jobs/{job_id}/cancel")
    response = api.post(f"/api/v1/jobs/{job_id}/retry")
    assert response.status_code == 202
    retry = response.json()
    assert retry["retried_from"] == job_id and retry["id"] != job_id
    assert retry["params"] == api.get(f"/api/v1/jobs/{job_id}").json()["params"]
    original = {(i.role, i.sha256) for i in JobInput.objects.filter(job_id=job_id)}
    assert {(i.role, i.sha256) for i in JobInput.objects.filter(job_id=retry["id"])} == original
    tasks()
    assert api.get(f"/api/v1/jobs/{retry['id']}").json()["status"] == "succeeded"


def test_retrying_a_job_that_is_still_waiting_is_409(api):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    response = api.post(f"/api/v1/jobs/{job_id}/retry")
    assert response.status_code == 409
    assert response.json()["code"] == "job_not_finished"


def test_an_unknown_job_id_is_404_with_the_error_shape(api):
    response = api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Job not found."}
