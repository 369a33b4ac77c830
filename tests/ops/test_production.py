"""Production settings and real processes: `check --deploy` is clean with the production knobs,
the local defaults still serve plain http, and a real worker cluster turns health and the worker
liveness probe on and off as it starts and stops."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.health import health_cache_clear
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "REQUIRE_SECRET_KEY": "true",
    "ALLOWED_HOSTS": "studio.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://studio.example.com",
    "SECURE_COOKIES": "true",
    "HSTS_SECONDS": "31536000",
    "HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
    "Q_BROKER": "redis",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def _manage(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "DATABASE_URL", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.subprocess
def test_check_deploy_is_clean_with_the_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.subprocess
def test_https_off_keeps_plain_http_cookies_and_no_redirect(settings):
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)",
        env={"HTTPS": "off"},
    )
    assert result.stdout.split() == ["False", "False", "0"], result.stderr


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


@pytest.mark.subprocess
@pytest.mark.django_db(transaction=True)
def test_a_real_cluster_turns_health_and_worker_liveness_on_and_off(client, tmp_path, settings):
    state = tmp_path / "state"
    settings.WORKER_STATE_DIR = str(state)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WORKER_STATE_DIR": str(state),
        "OUTPUT_DIR": str(tmp_path / "out"),
        "LOG_LEVEL": "WARNING",
        "Q_WORKERS": "1",
        "Q_TIMEOUT": "20",
        "Q_RETRY": "70",
        "ENGINE_TICK_SECONDS": "5",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    def healthz_status() -> int:
        health_cache_clear()
        return client.get("/healthz").status_code

    def alive() -> subprocess.CompletedProcess:
        return _manage(
            "workers_alive", env={"WORKER_STATE_DIR": str(state), "DATABASE_URL": env["DATABASE_URL"]}
        )

    assert healthz_status() == 503
    assert alive().returncode == 1
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "runworkers"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: healthz_status() == 200, 30)
        result = alive()
        assert result.returncode == 0 and result.stdout.startswith("alive:"), result.stderr
        cluster.send_signal(signal.SIGTERM)  # what Kubernetes and docker stop send to PID 1
        seconds = _wait_for(lambda: healthz_status() == 503, 15)
        assert seconds < 10
        cluster.wait(timeout=30)
        result = alive()
        assert result.returncode == 1 and "no cluster heartbeat" in result.stderr
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
