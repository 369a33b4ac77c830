"""Real worker processes on the test database: django-q2 clusters started, killed with
SIGKILL mid-job, and started again. Nothing may be lost or sent to the provider twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import user_create
from gallery.models import Image
from generation.models import Job
from tests.conftest import api_client_for, goods_form

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(storage_dir):
    """Start and stop `manage.py runworkers` clusters against this test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(), "OUTPUT_DIR": str(storage_dir),
        "LOCAL_PROVIDER_DELAY_SECONDS": "3", "Q_WORKERS": "2", "Q_TIMEOUT": "20",
        "Q_RETRY": "70", "ENGINE_TICK_SECONDS": "8", "ENGINE_STAGE_GRACE_SECONDS": "4",
        "Q_POLL_SECONDS": "0.05", "LOG_LEVEL": "WARNING",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "manage.py", "runworkers"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        started.append(process)
        return process

    def kill(process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the whole cluster: sentinel, workers, monitor
        process.wait()

    yield start, kill
    for process in started:
        if process.poll() is None:
            kill(process)


def _wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def test_jobs_survive_a_kill_9_of_the_whole_cluster_and_are_never_submitted_twice(cluster, settings):
    start, kill = cluster
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 3
    users = [user_create(username=f"user{i}", password="pw-123456789") for i in range(3)]
    for u in users:
        u.max_concurrent_jobs = 2
        u.save(update_fields=["max_concurrent_jobs"])
    clients = [api_client_for(u) for u in users]
    ids = [c.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
           for c in clients for _ in range(3)]

    first = start()
    _wait_for(lambda: Job.objects.filter(stage="waiting").count() >= 3, 30,
              "the cluster never got jobs to the provider")
    kill(first)
    submitted_before = dict(Job.objects.exclude(provider_ref="").values_list("id", "provider_state"))
    assert Job.objects.filter(status__in=["queued", "running"]).exists(), "killed too late to matter"

    start()
    _wait_for(lambda: not Job.objects.filter(status__in=["queued", "running"]).exists(), 90,
              "jobs were left unfinished after the restart")
    statuses = dict(Job.objects.filter(pk__in=ids).values_list("id", "status"))
    assert set(statuses.values()) == {"succeeded"}, statuses
    for job_id in ids:
        assert Image.objects.filter(job_id=job_id).count() == 1
    for job_id, state in submitted_before.items():
        # The provider reference stored before the kill is the one the job finished with.
        assert Job.objects.get(pk=job_id).provider_state["submitted_at"] == state["submitted_at"]


def test_two_worker_processes_keep_many_provider_jobs_in_flight(cluster, settings):
    start, _ = cluster
    user = user_create(username="busy", password="pw-123456789")
    user.max_queued_jobs = 100
    user.max_concurrent_jobs = 100
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    client = api_client_for(user)
    for _ in range(40):
        assert client.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202
    start()
    # 40 jobs each waiting 3 s at the provider: with one worker per job this would take a minute.
    peak = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and Job.objects.exclude(status="succeeded").exists():
        peak = max(peak, Job.objects.filter(stage="waiting").count())
        time.sleep(0.1)
    assert not Job.objects.exclude(status="succeeded").exists()
    assert peak >= 20, f"only {peak} jobs were ever in flight at once"
