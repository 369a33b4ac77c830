"""Real worker processes on the test database: `runworkers` (the engine process beside a
django-q2 cluster) started, killed with SIGKILL or stopped with SIGTERM mid-job, and started
again. Nothing may be lost or sent to the provider twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts.services import user_create
from gallery.models import Image
from generation.models import EngineLease, Job
from tests.conftest import api_client_for, database_url, goods_form
from tests.fakes import bfl as fake_bfl

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(storage_dir):
    """Start and stop `manage.py runworkers` clusters against this test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OUTPUT_DIR": str(storage_dir),
        "LOCAL_PROVIDER_DELAY_SECONDS": "3",
        "Q_WORKERS": "2",
        "Q_TIMEOUT": "20",
        "Q_RETRY": "70",
        "ENGINE_STAGE_GRACE_SECONDS": "4",
        "Q_POLL_SECONDS": "0.05",
        "LOG_LEVEL": "WARNING",
    }
    started: list[subprocess.Popen] = []

    def start(**extra_env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runworkers"],
            cwd=ROOT,
            env={**env, **extra_env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
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
    """Wait on a condition; the deadline is generous because the machine may be loaded."""
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
    ids = [
        c.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
        for c in clients
        for _ in range(3)
    ]

    first = start()
    _wait_for(
        lambda: Job.objects.filter(stage="waiting").count() >= 3,
        120,
        "the cluster never got jobs to the provider",
    )
    kill(first)
    submitted_before = dict(Job.objects.exclude(provider_ref="").values_list("id", "provider_state"))
    assert Job.objects.filter(status__in=["queued", "running"]).exists(), "killed too late to matter"

    start()
    _wait_for(
        lambda: not Job.objects.filter(status__in=["queued", "running"]).exists(),
        180,
        "jobs were left unfinished after the restart",
    )
    statuses = dict(Job.objects.filter(pk__in=ids).values_list("id", "status"))
    assert set(statuses.values()) == {"succeeded"}, statuses
    for job_id in ids:
        assert Image.objects.filter(job_id=job_id).count() == 1
    for job_id, state in submitted_before.items():
        # The provider reference stored before the kill is the one the job finished with.
        assert Job.objects.get(pk=job_id).provider_state["submitted_at"] == state["submitted_at"]


def test_two_worker_processes_keep_many_provider_jobs_in_flight(cluster, settings):
    """The engine process polls every in-flight job, so the two task processes only run short
    steps: the 10 jobs are at the provider together, not two at a time (five times the two
    task processes prove the same as forty)."""
    start, _ = cluster
    user = user_create(username="busy", password="pw-123456789")
    user.max_queued_jobs = 100
    user.max_concurrent_jobs = 100
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    client = api_client_for(user)
    for _ in range(10):
        assert client.post("/api/v1/jobs/goods", goods_form(), format="multipart").status_code == 202
    # Each job would wait ten minutes at the provider: two at a time, the first could not end
    # before all ten were there, however loaded the machine.
    start(LOCAL_PROVIDER_DELAY_SECONDS="600")
    _wait_for(
        lambda: Job.objects.filter(stage="waiting").count() == 10,
        120,
        "the 10 jobs were never at the provider together",
    )
    # Proven: now the provider has them ready (the offline provider reads when from the job's
    # provider state at each poll), rather than sitting out the wait.
    for job in Job.objects.filter(stage="waiting"):
        job.provider_state = {**job.provider_state, "ready_at": job.provider_state["submitted_at"]}
        job.save(update_fields=["provider_state"])
    _wait_for(
        lambda: Job.objects.filter(status="succeeded").count() == 10, 240, "the jobs did not all finish"
    )
    assert Image.objects.count() == 10


@pytest.fixture
def bfl(settings):
    with fake_bfl.FakeBfl(polls_until_done=3, max_active=1000) as fake:
        settings.GOODS_PROVIDER = "bfl"
        settings.BFL_API_BASE = fake.url
        settings.BFL_API_KEY = fake_bfl.KEY
        settings.BFL_MAX_CONCURRENT = 1000
        yield fake


def test_sigterm_mid_load_stops_within_10_s_and_loses_no_job_nor_pays_twice(cluster, bfl):
    start, _ = cluster
    user = user_create(username="busy", password="pw-123456789")
    user.max_queued_jobs = 100
    user.max_concurrent_jobs = 100
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    client = api_client_for(user)
    ids = [
        client.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"] for _ in range(12)
    ]
    provider_env = {
        "GOODS_PROVIDER": "bfl",
        "BFL_API_BASE": bfl.url,
        "BFL_API_KEY": fake_bfl.KEY,
        "BFL_MAX_CONCURRENT": "1000",
        "BFL_RESULT_HOSTS": "127.0.0.1",
        "ALLOWED_FETCH_HOSTS": bfl.url.removeprefix("http://"),
    }
    first = start(**provider_env)
    _wait_for(lambda: Job.objects.filter(stage="waiting").count() >= 5, 120, "no job reached the provider")
    assert Job.objects.filter(status__in=["queued", "running"]).exists(), "stopped too late to matter"
    stopped_at = time.monotonic()
    os.killpg(first.pid, signal.SIGTERM)  # what Kubernetes sends the pod
    first.wait(timeout=30)
    assert time.monotonic() - stopped_at < 10
    with pytest.raises(ProcessLookupError):
        os.killpg(first.pid, 0)  # nothing of it is left running
    assert not EngineLease.objects.filter(name="engine").exclude(holder="").exists()  # handed back

    start(**provider_env)
    _wait_for(
        lambda: not Job.objects.filter(pk__in=ids, status__in=["queued", "running"]).exists(),
        180,
        "jobs were left unfinished after the restart",
    )
    jobs = Job.objects.filter(pk__in=ids)
    refs = list(jobs.exclude(provider_ref="").values_list("provider_ref", flat=True))
    errors = list(jobs.exclude(status="succeeded").values_list("error_code", flat=True))
    # A submit cut off mid-call ends as submit_interrupted (never sent again); all others succeed.
    assert set(errors) <= {"submit_interrupted"}, errors
    # One paid call per job at most: the provider made a task for each reference we hold, and
    # beyond those only for the submits that were cut off.
    assert len(set(refs)) == len(refs) and set(refs) <= set(bfl.tasks)
    assert len(bfl.tasks) <= len(refs) + len(errors)
    for job_id in jobs.filter(status="succeeded").values_list("id", flat=True):
        assert Image.objects.filter(job_id=job_id).count() == 1
