"""A job's input files are written before the transaction that takes the user's lock, and a
create that is refused or rolled back leaves none behind."""

from __future__ import annotations

import pytest

from generation.models import Job, JobInput
from tests.conftest import goods_form, ppl_form, stored_files
from tests.factories import ImageFactory, JobFactory


def test_a_create_refused_for_a_full_queue_leaves_no_file(api, user, storage_dir):
    JobFactory.create_batch(3, user=user)  # the queue limit is 3
    response = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart")
    assert response.status_code == 429 and response.json()["code"] == "queue_full"
    assert stored_files(storage_dir) == []
    assert Job.objects.filter(user=user).count() == 3


def test_a_create_refused_over_the_storage_quota_removes_the_inputs_it_wrote(api, user, storage_dir):
    user.storage_quota_mb = 1
    user.save(update_fields=["storage_quota_mb"])
    ImageFactory(owner=user, size_bytes=2 * 1024 * 1024)
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "storage_quota_exceeded"
    assert stored_files(storage_dir) == []
    assert not Job.objects.filter(user=user).exists() and not JobInput.objects.exists()


@pytest.mark.parametrize("form", [ppl_form, goods_form])
def test_an_accepted_create_keeps_its_inputs_in_storage(api, storage_dir, form):
    response = api.post(f"/api/v1/jobs/{form.__name__.split('_')[0]}", form(), format="multipart")
    assert response.status_code == 202
    rows = JobInput.objects.filter(job_id=response.json()["id"])
    assert rows.exists()
    assert {path.name for path in stored_files(storage_dir)} >= {row.file.name.split("/")[-1] for row in rows}
