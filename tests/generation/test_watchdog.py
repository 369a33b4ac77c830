"""The runworkers watchdog restarts a hung cluster in place (generation/watchdog.py).

A cluster whose processes are alive but take no work is what a killed queue-lock holder leaves
behind; SIGSTOP on every django-q2 process under `runworkers` makes exactly that state on
purpose: the sentinel sees its processes alive, tasks pile up in the broker and none starts.
The engine process is left running, as it would be: it dispatches, submits and polls the new
jobs and hands their finalize steps to the (hung) task processes.

Nothing here depends on how fast the machine is: each step waits on a condition (a job's
status, a line in the log) under a deadline far above what it takes on a loaded machine, and
the watchdog's own clock (WORKER_RESTART_SECONDS) is the only span the test has to sit out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

import psutil
import pytest

from accounts.services import user_create
from generation.models import EngineLease, Job
from generation.services.wakeups import ENGINE
from tests.conftest import api_client_for, database_url, goods_form
from tests.generation.test_worker_processes import ROOT, _wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.subprocess]

# Deadlines, not expected durations: alone on an idle machine the whole test takes ~30 s.
DEADLINE_SECONDS = 180


def _engine_pid() -> int | None:
    holder = EngineLease.objects.filter(name=ENGINE).values_list("holder", flat=True).first()
    return int(holder.split(":")[1]) if holder else None  # host:pid:nonce (engine_holder_id)


def test_a_cluster_that_stops_taking_work_is_restarted_in_place_and_its_jobs_finish(storage_dir, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OUTPUT_DIR": str(storage_dir),
        "LOCAL_PROVIDER_DELAY_SECONDS": "1",
        "Q_WORKERS": "2",
        "Q_TIMEOUT": "10",
        "Q_RETRY": "100",
        "WORKER_RESTART_SECONDS": "15",  # the least Q_TIMEOUT=10 allows
        "WORKER_STATE_DIR": str(tmp_path / "state"),
        "ENGINE_STAGE_GRACE_SECONDS": "4",
        "Q_POLL_SECONDS": "0.05",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    user = user_create(username="watched", password="pw-123456789")
    client = api_client_for(user)
    log = tmp_path / "runworkers.log"
    with log.open("wb") as out:
        main = subprocess.Popen(
            [sys.executable, "manage.py", "runworkers"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        first = client.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
        _wait_for(
            lambda: Job.objects.get(pk=first).status == "succeeded",
            DEADLINE_SECONDS,
            "the cluster never worked",
        )

        engine_pid = _engine_pid()
        assert engine_pid, "no engine holds the lease"
        old = psutil.Process(main.pid).children(recursive=True)
        frozen = [p for p in old if p.pid != engine_pid]
        assert frozen and len(frozen) < len(old), "runworkers started no cluster beside its engine"
        for process in frozen:
            process.send_signal(signal.SIGSTOP)
        ids = [
            client.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"] for _ in range(2)
        ]

        _wait_for(
            lambda: "worker cluster hung, restarting it" in log.read_text(),
            DEADLINE_SECONDS,
            "the hung cluster was not restarted",
        )
        _wait_for(
            lambda: Job.objects.filter(pk__in=ids, status="succeeded").count() == 2,
            DEADLINE_SECONDS,
            "the jobs of the hung cluster never finished after its restart",
        )
        assert main.poll() is None, "runworkers exited instead of restarting in place"
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in old), (
            "the hung processes (or the old engine) were left behind"
        )
        output = log.read_text()
        assert output.count("worker cluster hung, restarting it") == 1, (
            "a healthy fresh cluster was restarted"
        )
        assert output.count("reconciled:") == 2  # the fresh runworkers reconciled at start
    finally:
        print(log.read_text()[-4000:])  # shown when the test fails
        with contextlib.suppress(ProcessLookupError):
            os.killpg(main.pid, signal.SIGKILL)
        main.wait()
