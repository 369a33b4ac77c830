"""Replicate, BFL and Together adapters end to end through the job engine, against fake
servers on loopback that speak each provider's contract, failure modes included."""

from __future__ import annotations

import base64
import io
import json
import time

import pytest
from django.utils import timezone
from PIL import Image, ImageOps

from gallery.models import Image as GalleryImage
from generation.models import Job
from generation.services import engine
from tests.conftest import goods_form, png_bytes, ppl_form, run_tasks, run_until_finished, upload
from tests.fakes import bfl as fake_bfl
from tests.fakes import replicate as fake_replicate

pytestmark = pytest.mark.django_db(transaction=True)


def finish(job_id: str, seconds: float = 10, *, poll_now: bool = True) -> Job:
    """Run the engine's tasks as a worker would until the job ends (or time is up); see
    run_until_finished for `poll_now`."""
    return run_until_finished(job_id, seconds, poll_now=poll_now)


def stored_image(job: Job) -> Image.Image:
    image = GalleryImage.objects.get(job_id=job.id)
    with image.file.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read())).convert("RGB")


def _ppl(api, **overrides) -> str:
    response = api.post("/api/v1/jobs/ppl", ppl_form(**overrides), format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _goods(api, **overrides) -> str:
    response = api.post("/api/v1/jobs/goods", goods_form(**overrides), format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


# --- Replicate --------------------------------------------------------------------------------


def test_a_ppl_job_runs_on_replicate_and_lands_its_image(api, replicate):
    job = finish(_ppl(api, seed=11))
    assert job.status == "succeeded", (job.error_code, job.error_message)
    [create] = replicate.received("POST", "/v1/models/flux-kontext-apps/multi-image-kontext-max/predictions")
    sent = create.json()["input"]
    assert sent["prompt"] == "Place the bottle on the table"
    assert sent["input_image_1"].startswith("data:image/jpeg;base64,")
    assert sent["input_image_2"].startswith("data:image/png;base64,")
    assert (sent["aspect_ratio"], sent["output_format"], sent["safety_tolerance"], sent["seed"]) == (
        "1:1",
        "png",
        2,
        11,
    )
    scene = Image.open(io.BytesIO(base64.b64decode(sent["input_image_1"].split(",")[1]))).convert("RGB")
    assert stored_image(job).getpixel((5, 5)) == ImageOps.mirror(scene).getpixel((5, 5))


def test_the_replicate_model_is_a_setting(api, replicate, settings):
    settings.REPLICATE_PPL_MODEL = "flux-kontext-apps/multi-image-kontext-pro"
    assert finish(_ppl(api)).status == "succeeded"
    assert replicate.received("POST", "/v1/models/flux-kontext-apps/multi-image-kontext-pro/")


def test_progress_from_replicate_logs_reaches_the_job(api, replicate):
    replicate.polls_until_done = 3
    job_id = _ppl(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    Job.objects.filter(pk=job_id).update(next_check_at=timezone.now())  # skip the first wait
    engine.jobs_poll_due()
    assert 0 < Job.objects.get(pk=job_id).progress < 100


def test_a_missing_token_fails_the_job_at_once_naming_the_variable(api, replicate, settings):
    settings.REPLICATE_API_TOKEN = ""
    job = finish(_ppl(api))
    assert (job.status, job.error_code) == ("failed", "provider_not_configured")
    assert "REPLICATE_API_TOKEN" in job.error_message
    assert replicate.received("POST", "/v1/") == []


@pytest.mark.parametrize(("status", "code"), [(402, "provider_credits"), (500, "provider_unavailable")])
def test_replicate_refusals_end_the_job_with_a_clear_code(api, replicate, status, code):
    replicate.create_failures = [status]
    job = finish(_ppl(api))
    assert (job.status, job.error_code) == ("failed", code)
    # A 500 on a create may have been processed: it is never sent again (no double charge).
    assert len(replicate.received("POST", "/v1/models/")) == 1


def test_a_bad_token_is_provider_auth(api, replicate, settings):
    settings.REPLICATE_API_TOKEN = "r8_wrong"
    job = finish(_ppl(api))
    assert (job.status, job.error_code) == ("failed", "provider_auth")
    assert "r8_wrong" not in job.error_message


def test_a_throttled_create_is_retried_after_retry_after(api, replicate):
    replicate.create_failures = [429, 503]
    replicate.retry_after = "0"
    job = finish(_ppl(api))
    assert job.status == "succeeded"
    assert len(replicate.received("POST", "/v1/models/")) == 3


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        ("moderated", "moderated"),
        ("failed", "provider_failed"),
        ("canceled", "provider_canceled"),
        ("malformed", "provider_bad_response"),
        ("no_output", "provider_bad_response"),
    ],
)
def test_replicate_outcomes_map_to_job_errors(api, replicate, outcome, code):
    replicate.outcome = outcome
    job = finish(_ppl(api))
    assert (job.status, job.error_code) == ("failed", code)
    assert not GalleryImage.objects.filter(job_id=job.id).exists()


def test_canceling_a_running_replicate_job_cancels_the_prediction(api, replicate):
    replicate.polls_until_done = 100
    job_id = _ppl(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    assert api.post(f"/api/v1/jobs/{job_id}/cancel").json()["status"] == "canceled"
    run_tasks()
    assert replicate.received("POST", "/v1/predictions/pred0001/cancel")


def test_replicate_calls_back_and_the_webhook_finishes_the_job(api, replicate, settings, live_server):
    replicate.polls_until_done = 10_000  # polling alone would never finish it
    settings.PUBLIC_BASE_URL = live_server.url
    settings.REPLICATE_WEBHOOK_SECRET = fake_replicate.SECRET
    job = finish(_ppl(api), seconds=15, poll_now=False)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    [create] = replicate.received("POST", "/v1/models/")
    assert create.json()["webhook"] == f"{live_server.url}/api/v1/webhooks/replicate?job={job.id}"
    assert replicate.webhook_answers == [200]


def _signed(body: bytes, *, secret=fake_replicate.SECRET, timestamp=None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "HTTP_WEBHOOK_ID": "msg_1",
        "HTTP_WEBHOOK_TIMESTAMP": str(timestamp),
        "HTTP_WEBHOOK_SIGNATURE": fake_replicate.sign(secret, "msg_1", timestamp, body),
    }


def _waiting_replicate_job(api, replicate) -> str:
    replicate.polls_until_done = 10_000
    job_id = _ppl(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    return job_id


@pytest.mark.parametrize("forgery", ["wrong_secret", "stale", "tampered", "unsigned"])
def test_a_forged_replicate_webhook_is_refused_and_changes_nothing(client, api, replicate, settings, forgery):
    settings.REPLICATE_WEBHOOK_SECRET = fake_replicate.SECRET
    job_id = _waiting_replicate_job(api, replicate)
    body = replicate.webhook_body("pred0001")
    headers = {
        "wrong_secret": _signed(body, secret="whsec_" + base64.b64encode(b"another-key").decode()),
        "stale": _signed(body, timestamp=int(time.time()) - 3600),
        "tampered": _signed(body),  # signed over the real body, sent with a changed one
        "unsigned": {},
    }[forgery]
    sent = body.replace(b"succeeded", b"failed") if forgery == "tampered" else body
    response = client.post("/api/v1/webhooks/replicate", sent, content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.stage) == ("running", "waiting")


def test_a_repeated_replicate_delivery_changes_nothing(client, api, replicate, settings):
    settings.REPLICATE_WEBHOOK_SECRET = fake_replicate.SECRET
    job_id = _waiting_replicate_job(api, replicate)
    body = replicate.webhook_body("pred0001")
    first = client.post("/api/v1/webhooks/replicate", body, content_type="application/json", **_signed(body))
    assert first.json() == {"accepted": True}
    run_tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"
    again = client.post("/api/v1/webhooks/replicate", body, content_type="application/json", **_signed(body))
    assert again.status_code == 200 and again.json() == {"accepted": False}
    assert GalleryImage.objects.filter(job_id=job_id).count() == 1


# --- BFL --------------------------------------------------------------------------------------


def test_a_goods_job_runs_on_bfl_through_the_returned_polling_url(api, bfl):
    bfl.polls_until_done = 2
    job = finish(_goods(api, goods_type="t_shirt", prompt="pastel colours", output_format="jpg", seed=5))
    assert job.status == "succeeded", (job.error_code, job.error_message)
    [submit] = bfl.received("POST", "/v1/flux-kontext-max")
    sent = submit.json()
    assert submit.headers["x-key"] == fake_bfl.KEY
    assert "t-shirt" in sent["prompt"].lower() and "pastel colours" in sent["prompt"]
    assert (sent["output_format"], sent["seed"], sent["safety_tolerance"]) == ("jpeg", 5, 2)
    assert len(bfl.received("GET", "/eu1/v1/get_result")) == 2
    assert GalleryImage.objects.get(job_id=job.id).format == "jpeg"


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        ("Error", "provider_failed"),
        ("Request Moderated", "moderated"),
        ("Content Moderated", "moderated"),
        ("Task not found", "provider_task_lost"),
        ("404", "provider_task_lost"),
        ("malformed", "provider_bad_response"),
    ],
)
def test_every_bfl_status_ends_the_job_with_its_code(api, bfl, outcome, code):
    bfl.outcome = outcome
    job = finish(_goods(api))
    assert (job.status, job.error_code) == ("failed", code)


def test_an_expired_bfl_sample_fails_with_result_expired(api, bfl):
    bfl.sample_expired = True
    job = finish(_goods(api))
    assert (job.status, job.error_code) == ("failed", "provider_result_expired")


def test_bfl_credits_and_keys(api, bfl, settings):
    bfl.submit_failures = [402]
    assert finish(_goods(api)).error_code == "provider_credits"
    settings.BFL_API_KEY = ""
    job = finish(_goods(api))
    assert job.error_code == "provider_not_configured" and "BFL_API_KEY" in job.error_message


def test_jobs_over_the_bfl_cap_wait_in_our_queue_instead_of_drawing_429s(db, bfl, settings):
    from accounts.services import user_create
    from tests.conftest import api_client_for

    settings.BFL_MAX_CONCURRENT = 1
    bfl.polls_until_done = 10_000
    first = api_client_for(user_create(username="u1", password="pw-123456789"))
    second = api_client_for(user_create(username="u2", password="pw-123456789"))
    _goods(first)
    waiting = _goods(second)
    run_tasks(max_tasks=10)
    body = second.get(f"/api/v1/jobs/{waiting}").json()
    assert (body["status"], body["waiting_reason"]) == ("queued", "provider_capacity")
    assert len(bfl.received("POST", "/v1/flux-kontext-max")) == 1


def test_bfl_calls_back_with_a_signed_webhook(api, bfl, settings, live_server):
    bfl.polls_until_done = 10_000
    settings.PUBLIC_BASE_URL = live_server.url
    settings.BFL_WEBHOOK_SECRET = fake_bfl.WEBHOOK_SECRET
    job = finish(_goods(api), seconds=15, poll_now=False)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert bfl.webhook_answers == [200]


def test_a_forged_bfl_webhook_is_refused(client, api, bfl, settings):
    settings.BFL_WEBHOOK_SECRET = fake_bfl.WEBHOOK_SECRET
    bfl.polls_until_done = 10_000
    job_id = _goods(api)
    engine.jobs_dispatch()
    engine.job_submit(job_id=job_id)
    body = json.dumps({"id": "task-0001", "status": "Ready", "result": {"sample": "http://evil.test/x.png"}})
    response = client.post(
        "/api/v1/webhooks/bfl",
        body,
        content_type="application/json",
        HTTP_X_BFL_SIGNATURE="sha256=" + "0" * 64,
    )
    assert response.status_code == 401
    assert Job.objects.get(pk=job_id).stage == "waiting"


# --- Together and edits -----------------------------------------------------------------------


def _edit(api, **fields) -> str:
    form = {
        "prompt": "배경을 흰색으로 바꿔 주세요",
        "image": upload("photo.png", png_bytes((200, 150))),
        **fields,
    }
    response = api.post(
        "/api/v1/jobs/edit", {k: v for k, v in form.items() if v is not None}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_an_edit_with_a_korean_prompt_runs_on_together(api, together, settings):
    job = finish(_edit(api))
    assert job.status == "succeeded", (job.error_code, job.error_message)
    [call] = together.received("POST", "/v1/images/generations")
    sent = call.json()
    assert sent["model"] == settings.TOGETHER_EDIT_MODEL
    assert sent["image_url"].startswith("data:image/png;base64,")
    assert job.translation["source_language"] == "ko"
    assert sent["prompt"] == job.params["prompt_en"]
    body = api.get(f"/api/v1/jobs/{job.id}").json()
    assert body["translation"]["note"] and body["result"]["images"]


def test_a_together_url_answer_is_downloaded(api, together):
    together.answer = "url"
    job = finish(_edit(api, prompt="make it brighter"))
    assert job.status == "succeeded"
    assert job.translation["translated"] is False and job.params["prompt_en"] == "make it brighter"


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda fake, s: setattr(fake, "served_models", set()), "provider_not_found"),
        (lambda fake, s: setattr(fake, "answer", "malformed"), "provider_bad_response"),
        (lambda fake, s: setattr(fake, "failures", [402]), "provider_credits"),
        (lambda fake, s: setattr(s, "TOGETHER_API_KEY", ""), "provider_not_configured"),
    ],
)
def test_together_failures_end_the_edit_with_their_code(api, together, settings, setup, code):
    setup(together, settings)
    job = finish(_edit(api))
    assert (job.status, job.error_code) == ("failed", code)


def test_an_edit_can_start_from_one_of_the_users_gallery_images(api, other_api, tasks):
    done = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    tasks()
    image_id = api.get(f"/api/v1/jobs/{done}").json()["result"]["images"][0]["id"]
    job = finish(_edit(api, image=None, image_id=image_id, prompt="black and white"))
    assert job.status == "succeeded" and job.params["source"] == "gallery"
    foreign = other_api.post("/api/v1/jobs/edit", {"image_id": image_id, "prompt": "x"}, format="json")
    assert foreign.status_code == 400 and "image_id" in foreign.json()["fields"]


@pytest.mark.parametrize(
    "fields",
    [
        {"prompt": "x"},
        {
            "prompt": "x",
            "image_url": "https://example.com/a.png",
            "image_id": "00000000-0000-0000-0000-000000000000",
        },
    ],
)
def test_an_edit_needs_exactly_one_source_image(api, fields):
    response = api.post("/api/v1/jobs/edit", fields, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) & {"image", "image_url", "image_id"}
    assert not Job.objects.exists()


def test_the_local_provider_carries_out_edit_words(api):
    job = finish(_edit(api, prompt="make it black and white"))
    assert job.status == "succeeded"
    r, g, b = stored_image(job).getpixel((10, 10))
    assert r == g == b


def test_a_korean_edit_prompt_is_translated_by_the_llm_before_together(api, together, settings):
    from tests.fakes.openai_server import FakeOpenAIServer, Reply

    with FakeOpenAIServer() as llm:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = llm.base_url
        settings.OPENAI_API_KEY = llm.api_key
        llm.queue(Reply.text("Change the background to white"))
        job = finish(_edit(api))
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert (
        together.received("POST", "/v1/images/generations")[0].json()["prompt"]
        == "Change the background to white"
    )
    shown = api.get(f"/api/v1/jobs/{job.id}").json()["translation"]
    assert shown["translated"] is True and shown["source_language"] == "ko"
    assert shown["text"] == "Change the background to white"
    assert "배경" in llm.chat_requests[0]["messages"][-1]["content"]


def test_a_worker_dying_while_the_llm_translates_leaves_a_job_that_is_sent_again(api, together, settings):
    """The translation runs before the job is marked `submitting`, so the reconciler resends a
    job whose worker died during it instead of failing it as possibly paid for."""
    from tests.fakes.openai_server import FakeOpenAIServer, Reply

    stages = []

    def translate(body):
        stages.append(Job.objects.get().stage)  # what a reconciler would see if we died now
        return Reply.text("Change the background to white")

    with FakeOpenAIServer() as llm:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = llm.base_url
        settings.OPENAI_API_KEY = llm.api_key
        llm.responder = translate
        job = finish(_edit(api))
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert stages == ["pending"]
    assert len(together.received("POST", "/v1/images/generations")) == 1


def test_an_llm_failure_fails_the_edit_with_its_code(api, together, settings):
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = ""
    job = finish(_edit(api))
    assert (job.status, job.error_code) == ("failed", "llm_not_configured")
    assert "OPENAI_API_KEY" in job.error_message
    assert together.received("POST", "/v1/") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.png",
        "http://10.0.0.1/a.png",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.png",
        "http://localhost/a.png",
        "ftp://example.com/a.png",
    ],
)
def test_an_edit_from_an_unsafe_url_is_refused_naming_image_url(api, url):
    response = api.post("/api/v1/jobs/edit", {"image_url": url, "prompt": "brighter"}, format="json")
    assert response.status_code == 400
    assert "image_url" in response.json()["fields"]
    assert not Job.objects.exists()


def test_an_edit_from_an_allowed_url_fetches_the_image(api, settings):
    from tests.fakes.server import FakeServer, Reply
    from tests.fakes.server import png_bytes as fake_png

    with FakeServer() as host:
        host.route(
            "GET", r"/photo\.png", lambda request: Reply(200, fake_png(), {"Content-Type": "image/png"})
        )
        settings.ALLOWED_FETCH_HOSTS = [host.url.removeprefix("http://")]
        response = api.post(
            "/api/v1/jobs/edit", {"image_url": f"{host.url}/photo.png", "prompt": "brighter"}, format="json"
        )
    assert response.status_code == 202, response.json()
    assert finish(response.json()["id"]).status == "succeeded"
