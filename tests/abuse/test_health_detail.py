"""Anonymous /healthz says ok/warn/fail per check and nothing more; the messages (host names,
pids, disk figures, provider errors) are for staff or the metrics token."""

import pytest

from accounts.services import user_create
from config.health import health_cache_clear

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_health(settings, tmp_path):
    settings.WORKER_STATE_DIR = str(tmp_path / "worker-state")
    settings.HEALTHZ_DISK_MIN_FREE_MB = 10**12  # failing, with figures in its message
    settings.METRICS_TOKEN = "ops-secret-token"
    health_cache_clear()
    yield
    health_cache_clear()


def _checks(response) -> dict:
    assert response.status_code == 503  # the disk check fails (and no worker runs)
    return response.json()["checks"]


def test_anonymous_healthz_gives_only_the_status_of_each_check(client):
    checks = _checks(client.get("/healthz"))
    assert checks["disk"] == {"status": "fail", "required": True}
    assert all(set(check) == {"status", "required"} for check in checks.values())
    assert "MB" not in client.get("/healthz").content.decode()


@pytest.mark.parametrize("header", ["", "Bearer wrong-token", "Bearer ops-secret-tokenX", "Basic b3BzOnB3"])
def test_a_wrong_or_missing_token_gives_no_detail(client, header):
    checks = _checks(client.get("/healthz", HTTP_AUTHORIZATION=header))
    assert "message" not in checks["disk"]


def test_the_metrics_token_gives_the_detail(client):
    checks = _checks(client.get("/healthz", HTTP_AUTHORIZATION="Bearer ops-secret-token"))
    assert "HEALTHZ_DISK_MIN_FREE_MB" in checks["disk"]["message"] and "ms" in checks["disk"]


def test_staff_signed_in_to_the_admin_see_the_detail_and_other_users_do_not(client):
    user_create(username="dora", password="correct horse battery")
    user_create(username="erin", password="correct horse battery", is_staff=True)
    client.login(username="dora", password="correct horse battery")
    assert "message" not in _checks(client.get("/healthz"))["disk"]
    client.login(username="erin", password="correct horse battery")
    assert "HEALTHZ_DISK_MIN_FREE_MB" in _checks(client.get("/healthz"))["disk"]["message"]
