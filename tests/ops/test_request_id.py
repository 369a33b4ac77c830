"""One request id per HTTP request: echoed, generated when absent or insane, on every log line
of the request, and on the job's events wherever the worker logs them."""

from __future__ import annotations

import logging
import re

import pytest

from generation.models import Job
from tests.conftest import goods_form

pytestmark = pytest.mark.django_db


def test_a_sane_incoming_request_id_is_echoed(client):
    response = client.get("/healthz/live", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("incoming", [None, "short", "x" * 65, "bad id with spaces", "a\nforged=1 line"])
def test_a_missing_or_insane_request_id_is_replaced_by_a_fresh_one(client, incoming):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    response = client.get("/healthz/live", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db(transaction=True)  # the engine enqueues its tasks on commit
def test_the_job_and_all_its_events_carry_the_request_id(api, tasks, caplog):
    caplog.set_level(logging.INFO, logger="generation.events")
    response = api.post(
        "/api/v1/jobs/goods", goods_form(), format="multipart", HTTP_X_REQUEST_ID="req-test-00000042"
    )
    assert response["X-Request-ID"] == "req-test-00000042"
    job = Job.objects.get(pk=response.json()["id"])
    assert job.request_id == "req-test-00000042"
    tasks()  # the worker's side: dispatch, submit, poll, finalize
    events = [(r.event, r.request_id) for r in caplog.records if getattr(r, "job_id", None) == str(job.id)]
    names = [name for name, _ in events]
    assert names[0] == "enqueue" and names[1] == "job_start" and names[-1] == "job_complete"
    assert {request_id for _, request_id in events} == {"req-test-00000042"}


def test_log_lines_written_during_a_request_carry_its_id_and_an_access_line_is_written(api, caplog):
    caplog.set_level(logging.INFO)
    api.get("/api/v1/jobs", HTTP_X_REQUEST_ID="req-test-access-1")
    access = [r for r in caplog.records if r.name == "studio.request"]
    assert len(access) == 1
    record = access[0]
    assert record.request_id == "req-test-access-1" and record.status == 200
    assert record.route == "generation:job-list" and record.duration_ms >= 0
