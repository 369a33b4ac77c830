"""A job whose submit reached a paid provider but whose answer was lost (the process killed
mid-call) still gets its image: the submit's webhook URL names the job (`?job=<id>`), and the
provider's verified callback stores the reference and the result. The reconciler waits for it a
bounded time (WEBHOOK_RECOVERY_SECONDS); without a webhook the job fails `submit_interrupted`
as before. Never a second submit. Real HTTP: the fake BFL server calls our live server back."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from gallery.models import Image as GalleryImage
from generation.models import Job
from generation.providers import get_provider
from generation.services import engine
from generation.services.lifecycle import job_fail
from generation.services.submit import job_submit_begin, job_submit_end, provider_request
from tests.conftest import goods_form, run_tasks
from tests.fakes import bfl as fake_bfl

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT_PATH = "/v1/flux-kontext-max"


@pytest.fixture
def bfl(bfl, settings):
    settings.BFL_WEBHOOK_SECRET = fake_bfl.WEBHOOK_SECRET
    bfl.polls_until_done = 10_000  # polling alone never finishes a job here
    return bfl


def _submitting_goods_job(api) -> Job:
    """A goods job claimed and moved to `submitting`, as the engine leaves it just before its
    provider call."""
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 202, response.json()
    engine.jobs_dispatch()
    begun = job_submit_begin(job_id=response.json()["id"])
    assert begun is not None
    job, _ = begun
    return job


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _signed_post(client, job_id, answer: dict, *, secret: str = fake_bfl.WEBHOOK_SECRET):
    body = json.dumps(answer).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/api/v1/webhooks/bfl?job={job_id}",
        body,
        content_type="application/json",
        HTTP_X_BFL_SIGNATURE=signature,
    )


def _ready(bfl, ref: str) -> dict:
    return {"id": ref, "status": "Ready", "result": {"sample": f"{bfl.url}/delivery/{ref}/sample.png?sig=x"}}


def _age(job: Job, seconds: float) -> None:
    ago = timezone.now() - timedelta(seconds=seconds)
    Job.objects.filter(pk=job.pk, stage="submitting").update(stage_changed_at=ago)


def test_a_submit_cut_off_after_the_provider_took_it_ends_with_its_image(api, bfl, settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
    job = _submitting_goods_job(api)
    # The provider call is made and accepted, then the process dies: its answer never reaches
    # job_submit_end, so the row stays `submitting` without a reference.
    submission = get_provider("bfl").submit(provider_request(job))
    [submit] = bfl.received("POST", SUBMIT_PATH)
    assert submit.json()["webhook_url"] == f"{live_server.url}/api/v1/webhooks/bfl?job={job.id}"

    # Past the engine's grace the reconciler finds it, but waits for the webhook.
    _age(job, settings.ENGINE_STAGE_GRACE_SECONDS + 1)
    assert engine.jobs_reconcile().abandoned == 0  # awaiting the webhook (or it came already)
    _wait_for(lambda: getattr(bfl, "webhook_answers", None))
    assert bfl.webhook_answers == [200]
    recovered = Job.objects.get(pk=job.pk)
    assert (recovered.stage, recovered.provider_ref) == ("finalizing", submission.ref)
    run_tasks()
    done = Job.objects.get(pk=job.pk)
    assert done.status == "succeeded", (done.error_code, done.error_message)
    assert GalleryImage.objects.filter(job_id=job.pk).count() == 1
    assert engine.jobs_reconcile().abandoned == 0

    # The lost answer turning up after all (an engine slow rather than dead) changes nothing.
    job_submit_end(job=job, outcome=submission)
    late = Job.objects.get(pk=job.pk)
    assert (late.status, late.provider_state["sample"]) == ("succeeded", done.provider_state["sample"])
    assert len(bfl.received("POST", SUBMIT_PATH)) == 1  # one paid call, never a second


def test_the_reconciler_waits_for_the_webhook_a_bounded_time(api, bfl, settings):
    settings.PUBLIC_BASE_URL = "http://ppl.invalid"  # submits would carry a webhook
    job = _submitting_goods_job(api)
    _age(job, settings.ENGINE_STAGE_GRACE_SECONDS + 1)
    report = engine.jobs_reconcile()
    assert (report.awaiting_webhook, report.abandoned) == (1, 0)
    assert Job.objects.get(pk=job.pk).stage == "submitting"
    _age(job, settings.WEBHOOK_RECOVERY_SECONDS + 1)
    assert engine.jobs_reconcile().abandoned == 1
    failed = Job.objects.get(pk=job.pk)
    assert (failed.status, failed.error_code) == ("failed", "submit_interrupted")
    assert bfl.received("POST", SUBMIT_PATH) == []  # never sent again


@pytest.mark.parametrize("setting", ["PUBLIC_BASE_URL", "BFL_WEBHOOK_SECRET"])
def test_without_a_webhook_the_job_fails_submit_interrupted_at_once(api, bfl, settings, setting):
    settings.PUBLIC_BASE_URL = "http://ppl.invalid"
    setattr(settings, setting, "")
    job = _submitting_goods_job(api)
    _age(job, settings.ENGINE_STAGE_GRACE_SECONDS + 1)
    assert engine.jobs_reconcile().abandoned == 1
    failed = Job.objects.get(pk=job.pk)
    assert (failed.status, failed.error_code) == ("failed", "submit_interrupted")


@pytest.mark.parametrize("forgery", ["unsigned", "wrong_secret"])
def test_a_forged_webhook_naming_a_job_changes_nothing(client, api, bfl, forgery):
    job = _submitting_goods_job(api)
    if forgery == "unsigned":
        body = json.dumps(_ready(bfl, "task-0001"))
        response = client.post(f"/api/v1/webhooks/bfl?job={job.id}", body, content_type="application/json")
    else:
        response = _signed_post(client, job.id, _ready(bfl, "task-0001"), secret="another-secret")
    assert response.status_code == 401
    unchanged = Job.objects.get(pk=job.pk)
    assert (unchanged.status, unchanged.stage, unchanged.provider_ref) == ("running", "submitting", "")


def test_a_webhook_naming_another_providers_job_changes_nothing(client, api, bfl):
    job = _submitting_goods_job(api)
    Job.objects.filter(pk=job.pk).update(provider="replicate")  # the job's submit went elsewhere
    response = _signed_post(client, job.id, _ready(bfl, "task-0001"))
    assert response.status_code == 200 and response.json() == {"accepted": False}
    unchanged = Job.objects.get(pk=job.pk)
    assert (unchanged.status, unchanged.stage, unchanged.provider_ref) == ("running", "submitting", "")


def test_a_webhook_naming_a_job_with_another_reference_changes_nothing(client, api, bfl):
    job = _submitting_goods_job(api)
    job_submit_end(job=job, outcome=get_provider("bfl").submit(provider_request(job)))  # no webhook
    waiting = Job.objects.get(pk=job.pk)
    assert (waiting.stage, waiting.provider_ref) == ("waiting", "task-0001")
    response = _signed_post(client, job.id, _ready(bfl, "task-0099"))
    assert response.status_code == 200 and response.json() == {"accepted": False}
    unchanged = Job.objects.get(pk=job.pk)
    assert (unchanged.status, unchanged.stage, unchanged.provider_ref) == ("running", "waiting", "task-0001")


def test_a_reference_held_by_another_job_is_not_taken(client, api, bfl):
    first = _submitting_goods_job(api)
    job_submit_end(job=first, outcome=get_provider("bfl").submit(provider_request(first)))
    job_fail(job_id=first.pk, code="provider_failed", message="Ended.")  # moved on with task-0001
    second = _submitting_goods_job(api)
    response = _signed_post(client, second.id, _ready(bfl, "task-0001"))
    assert response.json() == {"accepted": False}
    unchanged = Job.objects.get(pk=second.pk)
    assert (unchanged.stage, unchanged.provider_ref) == ("submitting", "")


def test_a_failed_result_for_a_cut_off_submit_fails_the_job_with_its_code(client, api, bfl):
    job = _submitting_goods_job(api)
    response = _signed_post(
        client, job.id, {"id": "task-0042", "status": "Content Moderated", "result": None}
    )
    assert response.json() == {"accepted": True}
    failed = Job.objects.get(pk=job.pk)
    assert (failed.status, failed.error_code, failed.provider_ref) == ("failed", "moderated", "task-0042")
