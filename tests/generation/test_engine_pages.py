"""Product pages are written by the engine (an asyncio task of its loop), not inside a task
process, and their budget holds whatever call hangs: the image calls are cancelled with it."""

import re
import time
from datetime import timedelta

import pytest

from gallery.models import Image as GalleryImage
from generation.models import Job
from templates_app.models import Category
from tests.conftest import run_tasks
from tests.fakes import together as fake_together
from tests.fakes.server import json_reply
from tests.generation.test_provider_remote import finish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("starter_catalogue")]


def _page_job(api, **body) -> str:
    body = {
        "product_info": "Linen summer shirt, breathable, relaxed fit.",
        "category_id": Category.objects.get(slug="fashion").id,
        **body,
    }
    response = api.post("/api/v1/jobs/product-page", body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_a_page_is_written_by_the_engine_without_a_submit_task(api):
    job_id = _page_job(api)
    ran: list[str] = []
    deadline = time.monotonic() + 30
    while not Job.objects.get(pk=job_id).is_finished and time.monotonic() < deadline:
        ran += run_tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"
    assert "engine" in ran and "generation_job_submit" not in ran


@pytest.mark.parametrize("answer", ["base64", "url"])
def test_a_pages_block_images_come_from_together_text_to_image(api, settings, answer):
    with fake_together.FakeTogether() as fake:
        fake.answer = answer
        settings.PAGE_IMAGE_PROVIDER = "together"
        settings.TOGETHER_API_BASE = f"{fake.url}/v1"
        settings.TOGETHER_API_KEY = fake_together.KEY
        settings.TOGETHER_RESULT_HOSTS = ["127.0.0.1"]
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        job = finish(_page_job(api, with_images=True), seconds=30)
        calls = fake.received("POST", "/v1/images/generations")
    assert job.status == "succeeded", job.error_message
    images = GalleryImage.objects.filter(job_id=job.id, source="page")
    assert calls and images.count() == len(calls)
    for call in calls:
        body = call.json()
        assert "image_url" not in body and body["prompt"] and body["response_format"] == "base64"
        assert body["model"] == settings.TOGETHER_IMAGE_MODEL
    assert {(image.width, image.height) for image in images} == {(64, 48)}


class _HangingImages(fake_together.FakeTogether):
    """Text-to-image calls that answer only after `hang_seconds`."""

    def __init__(self, hang_seconds: float) -> None:
        super().__init__()
        self.hang_seconds = hang_seconds
        self.routes.insert(0, ("POST", re.compile(r"^/v1/images/generations$"), self.hang))

    def hang(self, request):
        time.sleep(self.hang_seconds)
        return json_reply({"error": {"message": "too late", "type": "server_error"}}, 500)


@pytest.mark.slow  # waits out the page budget (2 s); the hanging calls are cancelled with it
def test_a_page_whose_image_call_hangs_fails_at_its_budget(api, settings):
    with _HangingImages(hang_seconds=8) as fake:
        settings.PAGE_IMAGE_PROVIDER = "together"
        settings.TOGETHER_API_BASE = f"{fake.url}/v1"
        settings.TOGETHER_API_KEY = fake_together.KEY
        settings.PAGE_TIMEOUT_SECONDS = 2.0
        job = finish(_page_job(api, with_images=True), seconds=30)
    assert (job.status, job.error_code) == ("failed", "page_timeout")
    assert job.finished_at - job.started_at < timedelta(seconds=5)
