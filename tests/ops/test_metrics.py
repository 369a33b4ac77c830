"""/metrics: Prometheus text, guarded by a bearer token or an address allow-list, with the
job figures of finished jobs and request latency by route."""

from __future__ import annotations

import re

import pytest

from tests.conftest import goods_form

pytestmark = pytest.mark.django_db


def _sample(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def test_an_address_outside_the_allow_list_gets_403_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200


def test_with_a_token_configured_a_missing_or_wrong_token_gets_401(client, settings):
    settings.METRICS_TOKEN = "metrics-token-value-1"
    settings.METRICS_ALLOWED_IPS = []
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    good = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-value-1")
    assert good.status_code == 200 and good["Content-Type"].startswith("text/plain")


@pytest.mark.django_db(transaction=True)  # the engine enqueues its tasks on commit
def test_metrics_show_a_finished_jobs_counts_durations_and_request_latency(api, client, tasks, settings):
    settings.METRICS_TOKEN = "metrics-token-value-1"
    assert api.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202
    tasks()
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-value-1").content.decode()

    assert _sample(text, "studio_jobs", kind="goods", provider="local", status="succeeded") == 1
    assert (
        _sample(text, "studio_job_duration_seconds_count", kind="goods", provider="local", status="succeeded")
        == 1
    )
    assert (
        _sample(
            text,
            "studio_job_duration_seconds_bucket",
            kind="goods",
            provider="local",
            status="succeeded",
            le="+Inf",
        )
        == 1
    )
    assert _sample(text, "studio_job_queue_wait_seconds_count", kind="goods", provider="local") == 1
    assert _sample(text, "studio_storage_bytes", area="images", state="active") > 0
    assert (
        _sample(
            text,
            "studio_http_request_duration_seconds_count",
            method="POST",
            route="generation:job-goods-create",
            status="202",
        )
        >= 1
    )
    for family in (
        "studio_queue_depth",
        "studio_jobs_in_flight",
        "studio_provider_errors_total",
        "studio_worker_clusters",
        "studio_broker_tasks_waiting",
    ):
        assert f"# TYPE {family.removesuffix('_total')}" in text, family


def test_a_failed_job_is_counted_by_provider_and_error_code(api, client, tasks, user):
    from generation.models import Job
    from generation.services.lifecycle import job_fail

    api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    job = Job.objects.get(user=user)
    Job.objects.filter(pk=job.pk).update(status="running", started_at=job.created_at)
    job_fail(job_id=job.pk, code="provider_auth", message="The provider refused the key.")
    text = client.get("/metrics").content.decode()  # loopback is allowed by default
    assert _sample(text, "studio_provider_errors_total", provider="local", code="provider_auth") == 1
