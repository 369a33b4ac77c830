"""What the web app needs of the job API (issue 10 §4): job inputs with their files and
thumbnails, result thumbnails, several statuses/kinds/ids in one list, bulk cancel, and a
retry with changed settings. Through HTTP, with the engine's tasks run as a worker would."""

import io
import uuid

import pytest
from PIL import Image

from gallery.imaging import image_prepare_output
from gallery.models import Image as GalleryImage
from gallery.services import image_create
from generation.models import Job
from tests.conftest import goods_form, png_bytes, ppl_form
from tests.factories import finished_job_with_result

pytestmark = pytest.mark.django_db(transaction=True)


def _goods(api) -> str:
    return api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]


def _picture(response) -> Image.Image:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return Image.open(io.BytesIO(data))


@pytest.fixture
def roomy(user):
    """Alice may queue and run plenty of jobs at once."""
    user.max_queued_jobs = 30
    user.max_concurrent_jobs = 30
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    return user


# --- inputs and thumbnails ---------------------------------------------------------------------


def test_a_job_shows_its_inputs_and_the_owner_fetches_them_and_their_thumbnails(api):
    body = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()
    inputs = {item["role"]: item for item in body["inputs"]}
    assert set(inputs) == {"input_image_1", "input_image_2"}
    scene = inputs["input_image_1"]
    assert (scene["width"], scene["height"], scene["image_id"]) == (640, 480, None)
    assert scene["url"] == f"http://testserver/api/v1/jobs/{body['id']}/inputs/input_image_1"
    assert scene["thumbnail_url"] == f"{scene['url']}/thumbnail"

    original = api.get(scene["url"])
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"
    assert original["Cache-Control"].startswith("private")
    assert _picture(original).size == (640, 480)
    thumbnail = api.get(scene["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"
    assert thumbnail["Cache-Control"].startswith("private")
    assert _picture(thumbnail).size == (320, 240)
    again = api.get(scene["thumbnail_url"], HTTP_IF_NONE_MATCH=thumbnail["ETag"])
    assert again.status_code == 304


def test_another_users_job_inputs_answer_404_and_anonymous_401(api, other_api, client):
    body = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()
    for item in body["inputs"]:
        assert other_api.get(item["url"]).status_code == 404
        assert other_api.get(item["thumbnail_url"]).status_code == 404
        assert client.get(item["url"]).status_code == 401
    assert api.get(f"/api/v1/jobs/{body['id']}/inputs/character_image").status_code == 404


def test_an_edit_from_a_gallery_image_links_its_input_to_that_image_while_it_exists(api, user, tasks):
    picture = image_create(
        owner=user, prepared=image_prepare_output(png_bytes((200, 100)), fmt="png"), source="upload"
    )
    job = api.post(
        "/api/v1/jobs/edit", {"image_id": str(picture.id), "prompt": "make it red"}, format="json"
    ).json()
    assert job["params"]["image_id"] == str(picture.id)
    [source] = job["inputs"]
    assert (source["role"], source["image_id"]) == ("image", str(picture.id))
    uploaded = api.post(
        "/api/v1/jobs/edit", {"image": io.BytesIO(png_bytes()), "prompt": "x"}, format="multipart"
    ).json()
    assert uploaded["inputs"][0]["image_id"] is None
    GalleryImage.objects.filter(pk=picture.pk).delete()  # gone for good: no link to follow
    assert api.get(f"/api/v1/jobs/{job['id']}").json()["inputs"][0]["image_id"] is None


def test_result_images_have_a_thumbnail_the_owner_fetches(api, other_api, tasks):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks()
    [image] = api.get(f"/api/v1/jobs/{job_id}").json()["result"]["images"]
    assert image["thumbnail_url"] == f"http://testserver/api/v1/images/{image['id']}/thumbnail"
    response = api.get(image["thumbnail_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert max(_picture(response).size) == 320
    assert other_api.get(image["thumbnail_url"]).status_code == 404


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_by_several_statuses_kinds_and_ids(api, roomy, settings, tasks):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    running = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks(max_tasks=5)
    queued = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    canceled = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    api.post(f"/api/v1/jobs/{canceled}/cancel")
    assert Job.objects.get(pk=running).status == "running"

    def ids(query: str) -> list[str]:
        response = api.get(f"/api/v1/jobs?{query}")
        assert response.status_code == 200, response.json()
        return [job["id"] for job in response.json()["results"]]

    assert ids("status=queued,running") == [queued, running]
    assert ids("status=queued&status=canceled") == [canceled, queued]
    assert ids("kind=goods") == [canceled, running]
    assert ids("kind=goods,ppl&status=running") == [running]
    assert ids(f"ids={running},{canceled},{uuid.uuid4()}") == [canceled, running]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=queued,lost", "status"),
        ("status=", "status"),
        ("kind=ppl,video", "kind"),
        ("ids=not-a-uuid", "ids"),
        ("ids=" + ",".join(str(uuid.uuid4()) for _ in range(101)), "ids"),
    ],
)
def test_bad_list_filters_are_400_naming_the_parameter(api, query, field):
    response = api.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_hundred_ids_are_accepted(api):
    query = ",".join(str(uuid.uuid4()) for _ in range(100))
    assert api.get(f"/api/v1/jobs?ids={query}").json()["results"] == []


def test_the_list_with_inputs_and_results_costs_the_same_queries_for_2_or_12_jobs(
    api, user, django_assert_num_queries
):
    for _ in range(6):
        finished_job_with_result(user=user, kind="goods")
        finished_job_with_result(user=user, kind="ppl")
    assert Job.objects.filter(status="succeeded").count() == 12
    api.get("/api/v1/jobs?size=1")  # the ETA samples are cached from here on
    # user, jobs, result images, inputs
    with django_assert_num_queries(4):
        small = api.get("/api/v1/jobs?size=2").json()["results"]
    with django_assert_num_queries(4):
        large = api.get("/api/v1/jobs?size=12").json()["results"]
    assert len(small) == 2 and len(large) == 12
    assert all(job["inputs"] and job["result"]["images"] for job in large)


# --- bulk cancel -----------------------------------------------------------------------------------


def test_bulk_cancel_by_ids_reports_changed_unchanged_and_not_found(api, other_api, roomy, tasks):
    done = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks()
    assert Job.objects.get(pk=done).status == "succeeded"
    waiting = [_goods(api) for _ in range(2)]
    theirs = other_api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    unknown = str(uuid.uuid4())
    response = api.post("/api/v1/jobs/cancel", {"ids": [*waiting, done, theirs, unknown]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"changed": waiting, "unchanged": [done], "not_found": [theirs, unknown]}
    assert set(Job.objects.filter(pk__in=waiting).values_list("status", flat=True)) == {"canceled"}
    assert Job.objects.get(pk=theirs).status == "queued"


def test_bulk_cancel_of_queued_jobs_leaves_the_running_one_alone(api, roomy, settings, tasks):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    roomy.max_concurrent_jobs = 1
    roomy.save(update_fields=["max_concurrent_jobs"])
    running = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks(max_tasks=5)
    waiting = [_goods(api) for _ in range(2)]
    response = api.post("/api/v1/jobs/cancel", {"status": "queued"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"changed": waiting, "unchanged": [], "not_found": []}
    assert Job.objects.get(pk=running).status == "running"
    # Running ones too, when asked: through the same cancel as one job (the slot is freed).
    both = api.post("/api/v1/jobs/cancel", {"status": ["queued", "running"]}, format="json").json()
    assert both == {"changed": [running], "unchanged": [], "not_found": []}
    job = Job.objects.get(pk=running)
    assert (job.status, job.error_code) == ("canceled", "canceled")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ids"),
        ({"status": "succeeded"}, "status"),
        ({"status": ["queued", "failed"]}, "status"),
        ({"ids": []}, "ids"),
        ({"ids": ["nope"]}, "ids"),
        ({"ids": [str(uuid.uuid4()) for _ in range(101)]}, "ids"),
    ],
)
def test_bad_bulk_cancel_requests_are_400_naming_the_field(api, body, field):
    api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    response = api.post("/api/v1/jobs/cancel", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Job.objects.get().status == "queued"


# --- retry with changes ------------------------------------------------------------------------


def _finished_ppl(api) -> dict:
    job = api.post("/api/v1/jobs/ppl", ppl_form(seed=7), format="multipart").json()
    api.post(f"/api/v1/jobs/{job['id']}/cancel")
    return job


def test_a_retry_may_change_settings_and_keeps_the_inputs(api, tasks):
    job = _finished_ppl(api)
    response = api.post(
        f"/api/v1/jobs/{job['id']}/retry",
        {"prompt": "On a marble counter", "aspect_ratio": "4:3", "seed": None},
        format="json",
    )
    assert response.status_code == 202
    retry = response.json()
    assert retry["retried_from"] == job["id"] and retry["status"] == "queued"
    assert retry["params"] == {
        **job["params"],
        "prompt": "On a marble counter",
        "aspect_ratio": "4:3",
        "seed": None,
    }
    assert [i["role"] for i in retry["inputs"]] == [i["role"] for i in job["inputs"]]
    tasks()
    assert api.get(f"/api/v1/jobs/{retry['id']}").json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x" * 2001}, "prompt"),
        ({"aspect_ratio": "7:3"}, "aspect_ratio"),
        ({"output_format": "gif"}, "output_format"),
        ({"safety_tolerance": 3}, "safety_tolerance"),  # PPL: 0-2
        ({"seed": -1}, "seed"),
        ({"goods_type": "mug"}, "goods_type"),  # not a setting of a PPL job
        ({"input_image_1": "x"}, "input_image_1"),
    ],
)
def test_a_bad_change_to_a_retry_is_400_naming_the_field_and_makes_no_job(api, body, field):
    job = _finished_ppl(api)
    response = api.post(f"/api/v1/jobs/{job['id']}/retry", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Job.objects.count() == 1


def test_a_goods_retry_may_change_the_goods_type_within_its_own_safety_range(api):
    job = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()
    api.post(f"/api/v1/jobs/{job['id']}/cancel")
    retry = api.post(
        f"/api/v1/jobs/{job['id']}/retry", {"goods_type": "poster", "safety_tolerance": 6}, format="json"
    ).json()
    assert (retry["params"]["goods_type"], retry["params"]["safety_tolerance"]) == ("poster", 6)


def test_a_retry_with_the_same_idempotency_key_returns_the_same_new_job(api):
    job = _finished_ppl(api)
    path = f"/api/v1/jobs/{job['id']}/retry"
    first = api.post(path, {"prompt": "Again"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = api.post(path, {"prompt": "Again"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    other = api.post(path, {"prompt": "Different"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Job.objects.count() == 2


def test_an_edit_retried_with_a_new_prompt_is_translated_again(api, tasks):
    job = api.post(
        "/api/v1/jobs/edit", {"image": io.BytesIO(png_bytes()), "prompt": "make it blue"}, format="multipart"
    ).json()
    tasks()
    done = api.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "succeeded" and done["params"]["prompt_en"] == "make it blue"
    same = api.post(f"/api/v1/jobs/{job['id']}/retry", format="json").json()
    assert same["translation"] == done["translation"]  # the same prompt keeps its translation
    changed = api.post(f"/api/v1/jobs/{job['id']}/retry", {"prompt": "make it green"}, format="json").json()
    assert "prompt_en" not in changed["params"] and changed["translation"] is None
    tasks()
    finished = api.get(f"/api/v1/jobs/{changed['id']}").json()
    assert finished["params"]["prompt_en"] == "make it green"
    assert finished["translation"]["text"] == "make it green"


def test_the_active_jobs_list_costs_the_same_queries_for_one_or_three_waiting_jobs(
    api, roomy, settings, tasks, django_assert_num_queries
):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    roomy.max_concurrent_jobs = 1
    roomy.save(update_fields=["max_concurrent_jobs"])
    running = _goods(api)
    tasks(max_tasks=5)
    waiting = [_goods(api)]
    api.get("/api/v1/jobs?status=queued,running")  # the ETA samples are cached from here on
    # user, jobs with their queue figures, inputs
    with django_assert_num_queries(3):
        one = api.get("/api/v1/jobs?status=queued,running").json()["results"]
    waiting += [_goods(api), _goods(api)]
    with django_assert_num_queries(3):
        three = api.get("/api/v1/jobs?status=queued,running").json()["results"]
    assert [job["id"] for job in one] == [waiting[0], running]
    assert [job["id"] for job in three] == [*reversed(waiting), running]
    queued = three[:3]
    assert [job["queue_position"] for job in queued] == [3, 2, 1]
    assert {job["waiting_reason"] for job in queued} == {"user_concurrency"}
    etas = [job["eta_seconds"] for job in queued]
    assert etas == sorted(etas, reverse=True) and etas[-1] >= 1  # later jobs wait longer
    assert three[3]["eta_seconds"] >= 1 and three[3]["queue_position"] is None


def test_bulk_cancel_of_ids_in_a_status_leaves_the_others_unchanged(api, roomy, settings, tasks):
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    roomy.max_concurrent_jobs = 1
    roomy.save(update_fields=["max_concurrent_jobs"])
    running = _goods(api)
    tasks(max_tasks=5)
    waiting = _goods(api)
    asked = {"ids": [running, waiting], "status": "queued"}
    body = api.post("/api/v1/jobs/cancel", asked, format="json").json()
    assert body == {"changed": [waiting], "unchanged": [running], "not_found": []}
    assert Job.objects.get(pk=running).status == "running"


@pytest.mark.usefixtures("starter_catalogue")
def test_a_page_retry_may_change_its_text_but_not_its_templates(api):
    from templates_app.models import Category

    food = Category.objects.get(slug="food")
    job = api.post(
        "/api/v1/jobs/product-page", {"product_info": "감귤 주스", "category_id": food.id}, format="json"
    ).json()
    api.post(f"/api/v1/jobs/{job['id']}/cancel")
    refused = api.post(f"/api/v1/jobs/{job['id']}/retry", {"template_ids": [1]}, format="json")
    assert refused.status_code == 400 and "template_ids" in refused.json()["fields"]
    bad = api.post(f"/api/v1/jobs/{job['id']}/retry", {"language": "Korean!"}, format="json")
    assert bad.status_code == 400 and "language" in bad.json()["fields"]
    changes = {"product_info": "제주 감귤 주스 1L", "language": "ko"}
    retry = api.post(f"/api/v1/jobs/{job['id']}/retry", changes, format="json").json()
    assert retry["params"]["product_info"] == "제주 감귤 주스 1L" and retry["params"]["language"] == "ko"
    assert retry["params"]["template_ids"] == job["params"]["template_ids"]
