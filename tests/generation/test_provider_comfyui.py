"""The ComfyUI provider, run for real against a fake ComfyUI (HTTP and websocket on loopback),
end to end through the job API and the engine."""

from __future__ import annotations

import io
import socket
import time

import pytest
from django.utils import timezone
from PIL import Image

from generation.clients.comfyui import progress_watchers_stop
from generation.models import Job
from generation.providers import get_provider
from generation.services import engine
from tests.conftest import goods_form, png_bytes, ppl_form, run_tasks, upload
from tests.fakes.comfyui_server import FakeComfyUI

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def comfy(settings):
    fake = FakeComfyUI(duration_seconds=0.15, steps=3).start()
    settings.COMFYUI_SERVER = fake.address
    settings.PPL_PROVIDER = settings.GOODS_PROVIDER = settings.EDIT_PROVIDER = "comfyui"
    settings.COMFY_HTTP_READ_TIMEOUT = 2.0
    settings.COMFY_WS_CONNECT_TIMEOUT = 1.0
    settings.COMFY_WS_IDLE_TIMEOUT = 5.0
    yield fake
    progress_watchers_stop()
    fake.stop()


@pytest.fixture
def tasks():
    return lambda: run_tasks(wait_seconds=5)  # one tasks() run polls the job to its end


def _post(api, kind: str, form: dict) -> str:
    response = api.post(f"/api/v1/jobs/{kind}", form, format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _start(api, kind: str = "goods", **overrides) -> Job:
    """Queue a job through the API and send it to ComfyUI, step by step as the worker would."""
    job_id = _post(api, kind, (goods_form if kind == "goods" else ppl_form)(**overrides))
    assert [str(i) for i in engine.jobs_dispatch()] == [job_id]
    engine.job_submit(job_id=job_id)
    return Job.objects.get(pk=job_id)


def _poll_until(job_id, done, timeout: float = 5.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        Job.objects.filter(pk=job_id).update(next_check_at=timezone.now())
        engine.jobs_poll_due()
        job = Job.objects.get(pk=job_id)
        if done(job):
            return job
        assert time.monotonic() < deadline, f"job still {job.status}/{job.stage} at {job.progress}%"
        time.sleep(0.05)


def _picture(api, body) -> Image.Image:
    [image] = body["result"]["images"]
    download = api.get(image["url"])
    return Image.open(io.BytesIO(b"".join(download.streaming_content))).convert("RGB")


def test_a_goods_job_finishes_with_comfyuis_image_from_the_patched_workflow(api, comfy, tasks):
    job_id = _post(api, "goods", goods_form(goods_type="mug", prompt="with a red handle", seed=42))
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "succeeded", body
    picture = _picture(api, body)
    assert picture.size == (1024, 1024)  # goods default 1:1 → the empty latent's size
    assert picture.getpixel((2, 2)) == (0, 0, 0), "the character's white background, processed"
    [sent] = comfy.prompts
    graph = sent["prompt"]
    assert "_studio" not in graph
    assert graph["10"]["inputs"]["image"] == f"ppl-studio/{job_id.replace('-', '')}-character_image.png"
    assert graph["10"]["inputs"]["image"] in comfy.uploads
    assert "coffee mug" in graph["20"]["inputs"]["text"]
    assert graph["20"]["inputs"]["text"].endswith("with a red handle")
    assert graph["31"]["inputs"]["seed"] == 42
    assert graph["31"]["inputs"]["latent_image"] == ["30", 0]
    assert (graph["30"]["inputs"]["width"], graph["30"]["inputs"]["height"]) == (1024, 1024)
    job = Job.objects.get(pk=job_id)
    assert sent["client_id"] == job.provider_state["client_id"]
    assert job.provider_state["seed"] == 42


def test_a_ppl_job_sends_both_images_and_a_recorded_random_seed(api, comfy, tasks):
    job_id = _post(api, "ppl", ppl_form(aspect_ratio="match_input_image"))
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "succeeded", body
    assert _picture(api, body).size == (640, 480)  # sampled at the scene's size
    graph = comfy.prompts[0]["prompt"]
    hex_id = job_id.replace("-", "")
    assert graph["10"]["inputs"]["image"] == f"ppl-studio/{hex_id}-input_image_1.jpg"
    assert graph["13"]["inputs"]["image"] == f"ppl-studio/{hex_id}-input_image_2.png"
    assert graph["20"]["inputs"]["text"].startswith("Place the bottle on the table")
    assert graph["31"]["inputs"]["latent_image"] == ["12", 0]
    assert graph["31"]["inputs"]["seed"] == Job.objects.get(pk=job_id).provider_state["seed"]


def test_an_edit_job_sends_the_english_prompt(api, comfy, tasks):
    response = api.post(
        "/api/v1/jobs/edit",
        {"image": upload(), "prompt": "Make the sky orange", "aspect_ratio": "16:9", "seed": 3},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    tasks()
    body = api.get(f"/api/v1/jobs/{response.json()['id']}").json()
    assert body["status"] == "succeeded", body
    assert _picture(api, body).size == (1360, 768)
    graph = comfy.prompts[0]["prompt"]
    assert graph["20"]["inputs"]["text"] == "Make the sky orange"
    assert graph["31"]["inputs"]["latent_image"] == ["30", 0]


def test_websocket_progress_shows_on_the_running_job(api, comfy):
    comfy.duration_seconds, comfy.steps = 0.8, 8
    job = _start(api)
    seen = []
    job = _poll_until(job.id, lambda j: seen.append((j.status, j.progress)) or j.stage != "waiting")
    assert any(status == "running" and 0 < progress < 100 for status, progress in seen), seen
    assert job.provider_state["client_id"] in comfy.ws_client_ids
    assert job.stage == "finalizing"
    engine.job_finalize(job_id=job.id)
    assert Job.objects.get(pk=job.id).status == "succeeded"


def test_without_the_websocket_polling_history_alone_finishes_the_job(api, comfy, tasks):
    comfy.ws_enabled = False
    job_id = _post(api, "goods", goods_form())
    tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"
    assert comfy.ws_client_ids == []


def test_an_execution_error_fails_the_job_with_comfyuis_message(api, comfy, tasks):
    comfy.outcome = "error"
    job_id = _post(api, "goods", goods_form())
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "provider_failed"
    assert "CUDA out of memory" in body["error"]["message"]
    assert "KSampler" in body["error"]["message"]


def test_a_prompt_interrupted_at_comfyui_fails_the_job(api, comfy, tasks):
    comfy.outcome = "interrupted"
    job_id = _post(api, "goods", goods_form())
    tasks()
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.error_code) == ("failed", "provider_failed")
    assert "interrupted" in job.error_message


def test_a_workflow_refused_with_node_errors_fails_with_provider_rejected_naming_the_node(api, comfy, tasks):
    comfy.node_errors = {
        "31": {
            "errors": [
                {
                    "type": "value_not_in_list",
                    "message": "Value not in list",
                    "details": "sampler_name: 'euler' not in []",
                    "extra_info": {},
                }
            ],
            "dependent_outputs": ["50"],
            "class_type": "KSampler",
        }
    }
    job_id = _post(api, "goods", goods_form())
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "provider_rejected"
    assert "node 31 (KSampler): Value not in list" in body["error"]["message"]


def test_cancelling_a_running_job_interrupts_it_at_comfyui(api, comfy, tasks):
    comfy.duration_seconds, comfy.steps = 5, 50  # interrupts are noticed between steps
    job = _start(api)
    comfy.wait_for(lambda: comfy.running_prompt_id() == job.provider_ref)
    assert api.post(f"/api/v1/jobs/{job.id}/cancel").status_code == 200
    tasks()
    assert comfy.interrupts == [{"prompt_id": job.provider_ref}]
    assert comfy.deleted == []
    assert Job.objects.get(pk=job.id).status == "canceled"
    comfy.wait_for(lambda: comfy.running_prompt_id() is None)


def test_cancelling_a_job_still_pending_at_comfyui_deletes_it_from_the_queue(api, comfy, tasks):
    comfy.paused = True
    job = _start(api)
    assert comfy.pending_prompt_ids() == [job.provider_ref]
    assert api.post(f"/api/v1/jobs/{job.id}/cancel").status_code == 200
    tasks()
    assert comfy.deleted == [job.provider_ref]
    assert comfy.pending_prompt_ids() == [] and comfy.interrupts == []


def test_a_job_waiting_in_comfyuis_queue_reports_its_place_and_no_progress(api, comfy):
    comfy.paused = True
    job = _start(api)
    job = _poll_until(job.id, lambda j: j.poll_count >= 1)
    assert job.status == "running" and job.progress == 0
    assert job.provider_state["comfy_status"] == "pending"
    assert job.provider_state["comfy_queue_position"] == 1


def test_a_prompt_comfyui_forgot_fails_the_job_instead_of_waiting_out_the_timeout(api, comfy):
    comfy.paused = True
    job = _start(api)
    comfy.queue_change({"clear": True})  # what a restart of ComfyUI does to its queue
    job = _poll_until(job.id, lambda j: j.status != "running")
    assert (job.status, job.error_code) == ("failed", "provider_failed")
    assert "no longer knows this prompt" in job.error_message


def test_a_missing_comfyui_server_fails_the_job_naming_the_variable(api, comfy, settings, tasks):
    settings.COMFYUI_SERVER = ""
    job_id = _post(api, "goods", goods_form())
    tasks()
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "provider_not_configured"
    assert "COMFYUI_SERVER" in body["error"]["message"]
    assert comfy.requests == []


def test_a_server_error_on_upload_is_retried_and_the_job_finishes(api, comfy, tasks):
    comfy.failures["/upload/image"] = [500]
    job_id = _post(api, "goods", goods_form())
    tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"
    assert comfy.requests.count(("POST", "/upload/image")) == 2


def test_a_server_error_on_prompt_fails_the_job_without_queueing_twice(api, comfy, tasks):
    comfy.failures["/prompt"] = [500]
    job_id = _post(api, "goods", goods_form())
    tasks()
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.error_code) == ("failed", "provider_unavailable")
    assert comfy.requests.count(("POST", "/prompt")) == 1 and comfy.prompts == []


def test_an_answer_that_is_not_json_fails_the_job_as_a_bad_response(api, comfy, tasks):
    comfy.malformed.add("/prompt")
    job_id = _post(api, "goods", goods_form())
    tasks()
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.error_code) == ("failed", "provider_bad_response")


def test_a_hanging_history_poll_times_out_and_is_tried_again(api, comfy, settings):
    settings.COMFY_HTTP_READ_TIMEOUT = 0.1
    comfy.hangs["/history"] = 1.0
    job = _start(api)
    job = _poll_until(job.id, lambda j: j.poll_count >= 1)
    assert (job.status, job.stage) == ("running", "waiting")
    comfy.hangs.clear()
    job = _poll_until(job.id, lambda j: j.stage != "waiting")
    assert job.stage == "finalizing"


def test_the_probe_reports_the_gpu_and_fails_on_a_dead_port(comfy, settings):
    ok, message = get_provider("comfyui").probe()
    assert ok and "RTX 4090" in message and "20.0 of 24.0 GiB VRAM free" in message
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    settings.COMFYUI_SERVER = f"127.0.0.1:{dead_port}"
    started = time.monotonic()
    ok, message = get_provider("comfyui").probe()
    assert not ok and f"127.0.0.1:{dead_port}" in message
    assert time.monotonic() - started < 2


def test_the_probe_says_when_comfyui_is_not_configured(settings):
    settings.COMFYUI_SERVER = ""
    assert get_provider("comfyui").probe() == (False, "COMFYUI_SERVER is not set.")


def test_a_server_given_as_a_url_works_too(api, comfy, settings, tasks):
    settings.COMFYUI_SERVER = f"http://{comfy.address}/"
    job_id = _post(api, "goods", goods_form(goods_type="sticker"))
    tasks()
    assert Job.objects.get(pk=job_id).status == "succeeded"


def test_the_output_comes_from_the_uploaded_input(api, comfy, tasks):
    job_id = _post(
        api,
        "goods",
        goods_form(
            character_image=upload("c.png", png_bytes((200, 200), (10, 20, 30))),
            aspect_ratio="match_input_image",
        ),
    )
    tasks()
    picture = _picture(api, api.get(f"/api/v1/jobs/{job_id}").json())
    assert picture.size == (200, 200) and picture.getpixel((100, 100)) == (245, 235, 225)
