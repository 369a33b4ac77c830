"""Job input files: swept JOB_INPUT_RETENTION_DAYS after the job ended (the job keeps its record),
counted in the owner's storage quota, seen by the orphan-file command; a canceled Together job's
parked result is removed."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from generation.models import Job, JobInput, JobKind
from generation.services import engine
from generation.tasks import generation_job_inputs_sweep
from tests.conftest import png_bytes, ppl_form, run_tasks, upload
from tests.factories import finished_job_with_result
from tests.fakes import together as fake_together

pytestmark = pytest.mark.django_db


def _finished_ppl(user, *, ended_days_ago: float = 0) -> Job:
    """A finished PPL job with its two input files really stored (and its result image row)."""
    job = finished_job_with_result(
        user=user, kind=JobKind.PPL, finished_at=timezone.now() - timedelta(days=ended_days_ago)
    )
    for row in JobInput.objects.filter(job=job):
        data = png_bytes((64, 48))
        row.file.name = default_storage.save(f"inputs/{job.id.hex}-{row.role}.png", ContentFile(data))
        row.size_bytes = len(data)
        row.save()
    return job


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The hourly task, its after-commit file removals run (the test's transaction never commits)."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            generation_job_inputs_sweep()

    return run


def _input_paths(storage_dir, job) -> list:
    return [storage_dir / row.file.name for row in JobInput.objects.filter(job=job)]


def test_the_sweep_removes_old_inputs_and_the_job_says_they_expired(api, user, sweep, storage_dir, settings):
    settings.JOB_INPUT_RETENTION_DAYS = 30
    old = _finished_ppl(user, ended_days_ago=31)
    recent = _finished_ppl(user, ended_days_ago=29)
    old_files, recent_files = _input_paths(storage_dir, old), _input_paths(storage_dir, recent)
    assert len(old_files) == 2 and all(p.exists() for p in old_files + recent_files)

    sweep()

    assert not any(p.exists() for p in old_files) and all(p.exists() for p in recent_files)
    body = api.get(f"/api/v1/jobs/{old.id}").json()
    assert body["status"] == "succeeded" and body["inputs_expired"] is True and body["result"]["images"]
    assert sorted(i["role"] for i in body["inputs"]) == ["input_image_1", "input_image_2"]
    assert all(i["url"] is None and i["thumbnail_url"] is None and i["width"] for i in body["inputs"])
    assert api.get(f"/api/v1/jobs/{old.id}/inputs/input_image_1").status_code == 404
    kept = api.get(f"/api/v1/jobs/{recent.id}").json()
    assert kept["inputs_expired"] is False and all(i["url"] for i in kept["inputs"])
    retry = api.post(f"/api/v1/jobs/{old.id}/retry", {}, format="json")
    assert retry.status_code == 409 and retry.json()["code"] == "job_inputs_expired"

    sweep()  # nothing left to do, nothing else touched
    assert all(p.exists() for p in recent_files)


def test_a_file_a_kept_retry_shares_outlives_its_original(api, user, sweep, storage_dir, settings):
    settings.JOB_INPUT_RETENTION_DAYS = 30
    original = _finished_ppl(user, ended_days_ago=40)
    response = api.post(f"/api/v1/jobs/{original.id}/retry", {}, format="json")
    assert response.status_code == 202, response.json()
    files = _input_paths(storage_dir, original)

    sweep()

    original.refresh_from_db()
    assert original.inputs_expired_at is not None
    assert all(p.exists() for p in files)  # the retry still uses them
    assert api.get(f"/api/v1/jobs/{response.json()['id']}/inputs/input_image_1").status_code == 200


def test_inputs_count_toward_the_storage_quota_until_they_expire(api, user, sweep, settings):
    settings.STORAGE_QUOTA_MB = 0
    before = api.get("/api/v1/images/usage").json()["used_bytes"]
    job = _finished_ppl(user, ended_days_ago=60)
    input_bytes = sum(JobInput.objects.filter(job=job).values_list("size_bytes", flat=True))
    usage = api.get("/api/v1/images/usage").json()
    results = usage["used_bytes"] - before - input_bytes
    assert input_bytes > 0 and results > 0  # the result image and its thumbnail, plus the inputs

    settings.STORAGE_QUOTA_MB = 1
    JobInput.objects.filter(job=job).update(size_bytes=2 * 1024 * 1024)  # as if they were large
    refused = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart")
    assert refused.status_code == 409 and refused.json()["code"] == "storage_quota_exceeded"

    sweep()  # the inputs expire: their bytes no longer count
    assert api.get("/api/v1/images/usage").json()["used_bytes"] == before + results
    assert api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").status_code == 202


def _age(path, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_gallery_orphans_removes_input_files_no_kept_job_names(api, user, storage_dir):
    job = _finished_ppl(user)
    kept = _input_paths(storage_dir, job)
    stray = storage_dir / "inputs/2026/01/not-ours.png"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"stray")
    for path in [*kept, stray]:
        _age(path, 24)

    out = StringIO()
    call_command("gallery_orphans", "--delete", "--prefix", "inputs/", stdout=out)

    assert "not-ours.png" in out.getvalue() and "1 removed" in out.getvalue()
    assert not stray.exists() and all(p.exists() for p in kept)


@pytest.mark.django_db(transaction=True)
def test_a_canceled_together_job_leaves_no_parked_result(api, user, settings):
    with fake_together.FakeTogether() as fake:
        settings.EDIT_PROVIDER = "together"
        settings.TOGETHER_API_BASE = f"{fake.url}/v1"
        settings.TOGETHER_API_KEY = fake_together.KEY
        response = api.post(
            "/api/v1/jobs/edit",
            {"prompt": "make it brighter", "image": upload("photo.png", png_bytes((200, 150)))},
            format="multipart",
        )
        assert response.status_code == 202, response.json()
        job_id = response.json()["id"]
        engine.jobs_dispatch()
        engine.job_submit(job_id=job_id)
        parked = Job.objects.get(pk=job_id).provider_state["parked"]
        assert default_storage.exists(parked)

        assert api.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200
        run_tasks()

    assert Job.objects.get(pk=job_id).status == "canceled"
    assert not default_storage.exists(parked)
