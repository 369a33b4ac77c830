"""What the seed endpoints answer for a job that did not succeed: their wire format (status and
body) for every code a job can end with, pinned while the statuses come from the registry."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from config.error_codes import ErrorCode
from generation.compat import TIMEOUT_MESSAGE, _unfinished
from generation.models import Job

# The seed services' answers: these five codes with their own status, any other failure 502.
SEED_STATUSES = {
    "moderated": 422,
    "provider_auth": 502,
    "provider_credits": 502,
    "provider_not_configured": 503,
    "canceled": 409,
}


def _ended(status: str, error_code: str = "", error_message: str = "") -> Job:
    return Job(
        id=uuid.uuid4(),
        kind="ppl",
        provider="local",
        status=status,
        error_code=error_code,
        error_message=error_message,
    )


@pytest.mark.parametrize("code", [code.value for code in ErrorCode])
def test_a_failed_job_answers_its_code_with_the_seed_status(code):
    with translation.override("en"):
        response = _unfinished(_ended("failed", code, "What went wrong."))
    assert response.status_code == SEED_STATUSES.get(code, 502)
    assert response.data == {"code": code, "message": "What went wrong."}


def test_a_failure_without_a_code_answers_failed_502():
    with translation.override("en"):
        response = _unfinished(_ended("failed"))
    assert response.status_code == 502
    assert response.data == {"code": "failed", "message": "The job failed."}


def test_a_canceled_job_answers_409():
    with translation.override("en"):
        response = _unfinished(_ended("canceled", "canceled", "Canceled by the user."))
    assert response.status_code == 409
    assert response.data == {"code": "canceled", "message": "Canceled by the user."}


@pytest.mark.parametrize("status", ["queued", "running", "timed_out"])
def test_a_job_not_done_in_time_answers_504_with_the_seed_message(status):
    job = _ended(status, "timed_out" if status == "timed_out" else "")
    response = _unfinished(job)
    assert response.status_code == 504
    assert response.data == {
        "code": "timeout",
        "message": TIMEOUT_MESSAGE,
        "fields": {"job_id": [str(job.id)]},
    }
