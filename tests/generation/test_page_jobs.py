"""Product-page jobs through the job API: the LLM (offline `local`, or an OpenAI-compatible
fake) writes the blocks of a template set, the page is stored, and its HTML downloads."""

from datetime import timedelta

import pytest

from generation.models import Job
from templates_app.models import Category, Template, TemplateSet
from tests.generation.test_provider_remote import finish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("starter_catalogue")]

KOREAN_PRODUCT = """제주 유기농 녹차 티백 50개입
- 제주 한라산 기슭에서 자란 유기농 찻잎만 사용했습니다.
- 깔끔하고 구수한 맛으로 하루 종일 부담 없이 즐길 수 있어요.
- 티백 하나로 뜨거운 물 200ml에 2분이면 충분합니다.
원산지: 대한민국 제주
용량: 1.5g x 50개
보관방법: 직사광선을 피해 서늘한 곳에 보관"""


def _page_job(api, **body) -> str:
    response = api.post("/api/v1/jobs/product-page", body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_a_korean_product_becomes_a_complete_page_in_the_sets_order(api):
    food = Category.objects.get(slug="food")
    job = finish(_page_job(api, product_info=KOREAN_PRODUCT, category_id=food.id), seconds=30)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    body = api.get(f"/api/v1/jobs/{job.id}").json()
    page = body["result"]["page"]
    default_set = TemplateSet.objects.get(category=food, is_default=True)
    expected = list(default_set.items.order_by("position").values_list("template_id", flat=True))
    used = [block["template_id"] for block in page["blocks"]]
    # Every template of the set is a block, in the set's order (sparse where the text is thin).
    assert used == expected
    download = api.get(page["html_url"])
    assert download.status_code == 200
    html = download.content.decode()
    assert html.lower().startswith("<!doctype html") and "녹차" in html
    assert "<script" not in html.lower()
    assert set(Template.objects.filter(id__in=used).values_list("usage_count", flat=True)) == {1}
    [listed] = api.get("/api/v1/pages").json()["results"]
    assert (listed["id"], listed["job_id"], listed["block_count"]) == (page["id"], str(job.id), len(expected))


def test_a_page_with_images_gets_them_from_the_image_provider_into_the_gallery(api):
    fashion = Category.objects.get(slug="fashion")
    job = finish(
        _page_job(
            api,
            product_info="Linen summer shirt, breathable, relaxed fit.",
            category_id=fashion.id,
            with_images=True,
        ),
        seconds=30,
    )
    assert job.status == "succeeded", (job.error_code, job.error_message)
    images = api.get(f"/api/v1/jobs/{job.id}").json()["result"]["images"]
    assert images and all(api.get(i["url"]).status_code == 200 for i in images)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category_id": 1}, "product_info"),
        ({"product_info": "x" * 20_001, "category_id": 1}, "product_info"),
        ({"product_info": "A shirt"}, "template_set_id"),
        ({"product_info": "A shirt", "template_ids": []}, "template_ids"),
        ({"product_info": "A shirt", "category_id": 1, "language": "Korean!"}, "language"),
    ],
)
def test_bad_page_requests_are_400_naming_the_field(api, body, field):
    response = api.post("/api/v1/jobs/product-page", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Job.objects.exists()


def test_an_unknown_template_set_is_404(api):
    response = api.post(
        "/api/v1/jobs/product-page", {"product_info": "A shirt", "template_set_id": 999}, format="json"
    )
    assert response.status_code == 404


def test_malformed_llm_output_fails_the_page_with_a_clear_code(api, settings):
    from tests.fakes.openai_server import FakeOpenAIServer, Reply

    with FakeOpenAIServer() as llm:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = llm.base_url
        settings.OPENAI_API_KEY = llm.api_key
        llm.responder = lambda body: Reply.text("this is not JSON at all")
        job = finish(
            _page_job(api, product_info="A shirt", category_id=Category.objects.get(slug="fashion").id),
            seconds=30,
        )
    assert (job.status, job.error_code) == ("failed", "llm_bad_output")


def test_a_page_past_its_time_budget_fails_clearly_before_the_task_timeout(api, settings):
    """The page is written inside a task; past PAGE_TIMEOUT_SECONDS it fails with its own code
    instead of being killed by django-q2 (which would leave a job the reconciler must end)."""
    from tests.fakes.openai_server import FakeOpenAIServer, Reply, page_answer

    with FakeOpenAIServer() as llm:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = llm.base_url
        settings.OPENAI_API_KEY = llm.api_key
        settings.PAGE_TIMEOUT_SECONDS = 1.0
        llm.responder = lambda body: Reply.json(page_answer(body))
        llm.queue(Reply.hang(5))  # the plan call does not come back in time
        job = finish(
            _page_job(api, product_info="A shirt", category_id=Category.objects.get(slug="fashion").id),
            seconds=30,
        )
    assert (job.status, job.error_code) == ("failed", "page_timeout")
    assert "PAGE_TIMEOUT_SECONDS" in job.error_message
    assert job.finished_at - job.started_at < timedelta(seconds=5)


def test_the_job_list_shows_page_results_at_a_fixed_number_of_queries(api, user, django_assert_num_queries):
    user.max_queued_jobs = 10
    user.save(update_fields=["max_queued_jobs"])
    food = Category.objects.get(slug="food")
    ids = [_page_job(api, product_info=f"감귤 주스 {n}호", category_id=food.id) for n in range(3)]
    assert {finish(job_id, seconds=30).status for job_id in ids} == {"succeeded"}
    api.get("/api/v1/jobs?size=1")  # the ETA samples are cached from here on
    # user, jobs with their pages, result images
    with django_assert_num_queries(3):
        one = api.get("/api/v1/jobs?size=1").json()["results"]
    with django_assert_num_queries(3):
        three = api.get("/api/v1/jobs?size=3").json()["results"]
    assert [job["id"] for job in three] == ids[::-1] and one[0]["id"] == ids[-1]
    pages = [job["result"]["page"] for job in three]
    assert len({page["id"] for page in pages}) == 3 and all(len(page["blocks"]) == 7 for page in pages)
