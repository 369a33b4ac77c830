"""/healthz, /healthz/live and `manage.py healthcheck`: required checks give 503, optional ones
warn, results are cached briefly, every selected provider is checked and probed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.conf import Conf

from config.health import health_cache_clear
from generation.models import Job
from generation.providers.base import Provider, ProviderNotConfigured
from tests.ops.conftest import beat, expire_heartbeats


class UnreachableProvider(Provider):
    """A selected provider whose server does not answer its cheap probe."""

    name = "unreachable"
    kinds = frozenset({"ppl"})

    def probe(self):
        return False, "GET http://127.0.0.1:9/system_stats: connection refused"


class KeylessProvider(Provider):
    name = "keyless"
    kinds = frozenset({"ppl"})

    def check_configured(self) -> None:
        raise ProviderNotConfigured("KEYLESS_API_KEY", "keyless")


@pytest.fixture(autouse=True)
def _detail_for_operators(client, settings):
    """These tests read each check's message: they ask with the metrics token, as an operator
    would (anonymous callers see only the statuses: tests/abuse/test_health_detail.py)."""
    settings.METRICS_TOKEN = "ops-test-token"
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer ops-test-token"


def test_healthz_is_200_with_each_check_when_the_platform_is_up(client, workers_up):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for name in (
        "database",
        "migrations",
        "broker",
        "workers",
        "disk",
        "storage",
        "cache",
        "provider:local",
        "llm:local",
    ):
        check = body["checks"][name]
        assert check["status"] == "ok", (name, check)
        assert check["message"] and isinstance(check["ms"], float)
    assert body["checks"]["queue_backlog"]["required"] is False


def test_too_little_free_disk_makes_healthz_503_and_says_why(client, workers_up, settings):
    settings.HEALTHZ_DISK_MIN_FREE_MB = 10**12
    response = client.get("/healthz")
    assert response.status_code == 503
    disk = response.json()["checks"]["disk"]
    assert disk["status"] == "fail" and "HEALTHZ_DISK_MIN_FREE_MB" in disk["message"]


def test_without_a_live_worker_heartbeat_healthz_is_503(client, workers_up):
    expire_heartbeats()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "manage.py runworkers" in response.json()["checks"]["workers"]["message"]


def test_web_readiness_stays_200_without_workers_but_not_without_what_serving_needs(
    client, workers_up, settings
):
    expire_heartbeats()
    response = client.get("/healthz?scope=web")
    assert response.status_code == 200  # the web pod keeps taking jobs; they wait for workers
    assert response.json()["checks"]["workers"]["status"] == "fail"
    settings.HEALTHZ_DISK_MIN_FREE_MB = 10**12
    health_cache_clear()  # the report is reused for a few seconds
    response = client.get("/healthz?scope=web")
    assert response.status_code == 503 and response.json()["checks"]["disk"]["status"] == "fail"


def test_a_cluster_that_stops_removes_its_heartbeat_at_once(client, db):
    cluster = beat()
    assert client.get("/healthz").status_code == 200
    beat(cluster_id=cluster, status=Conf.STOPPING)
    from config.health import health_cache_clear

    health_cache_clear()
    assert client.get("/healthz").status_code == 503


def test_a_failing_optional_check_warns_and_stays_200(client, workers_up, user, settings):
    settings.HEALTHZ_QUEUE_WAIT_WARN_SECONDS = 60
    Job.objects.create(
        user=user, kind="goods", provider="local", created_at=timezone.now() - timedelta(minutes=5)
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warn"
    assert body["checks"]["queue_backlog"]["status"] == "warn"
    assert "waited" in body["checks"]["queue_backlog"]["message"]


def test_a_selected_provider_without_its_key_fails_health_naming_the_variable(
    client, workers_up, select_provider
):
    select_provider(KeylessProvider)
    response = client.get("/healthz")
    assert response.status_code == 503
    check = response.json()["checks"]["provider:keyless"]
    assert check["status"] == "fail" and "KEYLESS_API_KEY" in check["message"]


def test_a_selected_provider_that_does_not_answer_its_probe_fails_health(client, workers_up, select_provider):
    select_provider(UnreachableProvider)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "connection refused" in response.json()["checks"]["provider:unreachable"]["message"]


def test_results_are_reused_for_a_few_seconds(client, workers_up, settings):
    first = client.get("/healthz").json()
    settings.HEALTHZ_DISK_MIN_FREE_MB = 10**12  # not seen until the cache expires
    second = client.get("/healthz")
    assert second.status_code == 200
    assert second.json()["cached"] is True and second.json()["checked_at"] == first["checked_at"]


def test_liveness_answers_without_touching_the_database(client):
    # No database fixture here: any database access would raise.
    response = client.get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_healthcheck_command_prints_every_check_and_exits_1_on_fail(settings, db):
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("healthcheck", stdout=out)  # no worker heartbeat: FAIL
    assert exited.value.code == 1
    text = out.getvalue()
    assert "FAIL  workers" in text and "OK    database" in text and "overall: FAIL" in text

    beat()
    out = StringIO()
    call_command("healthcheck", "--json", stdout=out)
    assert '"status": "ok"' in out.getvalue()
