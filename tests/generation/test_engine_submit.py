"""The engine sends claimed jobs to their providers itself (tasks of its asyncio loop) and is the
dispatcher of record while it holds its lease: no task process is needed between a job's
creation and its provider call, and a stop mid-call never pays twice (calls are counted at the
fake provider on loopback)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connections
from django_q.models import OrmQ

from generation.engine import Engine, engine_run_once
from generation.engine import loop as engine_loop
from generation.models import Job
from generation.services import engine
from generation.services.wakeups import engine_lease_held
from tests.conftest import goods_form
from tests.fakes import bfl as fake_bfl

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = ("POST", "/v1/flux-kontext-max")


class GatedBfl(fake_bfl.FakeBfl):
    """BFL whose submits are held until `gate` is set (a provider slow to accept)."""

    def __init__(self) -> None:
        super().__init__(polls_until_done=10_000)
        self.gate = threading.Event()
        self.gate.set()

    def submit(self, request, model):
        self.gate.wait(60)
        return super().submit(request, model)


@pytest.fixture
def bfl(settings):
    with GatedBfl() as fake:
        settings.GOODS_PROVIDER = "bfl"
        settings.BFL_API_BASE = fake.url
        settings.BFL_API_KEY = fake_bfl.KEY
        settings.BFL_RESULT_HOSTS = ["127.0.0.1"]
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        yield fake
        fake.gate.set()


class RunningEngine:
    """An engine running its loop in a thread, as `runengine` does in its process."""

    def __enter__(self) -> RunningEngine:
        started = threading.Event()

        def main() -> None:
            async def run() -> None:
                self.loop = asyncio.get_running_loop()
                self.engine = Engine()
                started.set()
                await self.engine.run()

            try:
                asyncio.run(run())
            finally:
                connections.close_all()

        self.thread = threading.Thread(target=main, daemon=True)
        self.thread.start()
        assert started.wait(30)
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.engine.stop)
            self.thread.join(60)
        assert not self.thread.is_alive()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _create(api) -> str:
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _task_names() -> list[str]:
    from django_q.signing import SignedPackage

    return [SignedPackage.loads(q.payload)["func"].rsplit(".", 1)[-1] for q in OrmQ.objects.all()]


def test_a_pending_job_is_sent_by_the_engine_with_no_task_process(api, bfl):
    job_id = _create(api)
    engine.jobs_dispatch()  # claimed by a task process (no engine alive): a submit task is queued…
    assert "generation_job_submit" in _task_names()
    OrmQ.objects.all().delete()  # … and lost with its worker
    assert engine_run_once() == 1
    job = Job.objects.get(pk=job_id)
    assert job.stage == "waiting" and job.provider_ref
    assert len(bfl.received(*SUBMIT)) == 1
    engine_run_once()
    assert len(bfl.received(*SUBMIT)) == 1


def test_one_engine_turn_dispatches_a_requested_job_and_sends_it(api, bfl):
    job_id = _create(api)
    OrmQ.objects.all().delete()  # the dispatch task was lost: the request flag remains
    engine_run_once()
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.stage) == ("running", "waiting") and job.provider_ref
    assert len(bfl.received(*SUBMIT)) == 1


def test_a_running_engine_claims_and_sends_a_new_job_without_any_task(api, user, bfl):
    user.max_concurrent_jobs = 3
    user.save(update_fields=["max_concurrent_jobs"])
    with RunningEngine():
        assert wait_for(engine_lease_held)  # the engine is the dispatcher of record
        job_ids = [_create(api) for _ in range(3)]
        assert wait_for(lambda: len(bfl.received(*SUBMIT)) == 3)
        assert wait_for(
            lambda: all(j.stage == "waiting" and j.provider_ref for j in Job.objects.filter(pk__in=job_ids))
        )
        # Neither a dispatch task nor a submit task was ever queued: the engine did both.
        assert not {"generation_jobs_dispatch", "generation_job_submit"} & set(_task_names())
    assert len(bfl.received(*SUBMIT)) == 3


def test_an_engine_stopped_mid_call_abandons_a_paid_job_and_never_sends_it_again(api, bfl, monkeypatch):
    monkeypatch.setattr(engine_loop, "SUBMIT_GRACE_SECONDS", 0.2)
    bfl.gate.clear()  # BFL takes the request and does not answer
    with RunningEngine() as running:
        job_id = _create(api)
        assert wait_for(lambda: len(bfl.received(*SUBMIT)) == 1)
        running.stop()  # SIGTERM: the call is cut short after its grace
    bfl.gate.set()
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.error_code) == ("failed", "submit_interrupted")
    engine.jobs_reconcile()
    while engine_run_once():
        pass
    assert len(bfl.received(*SUBMIT)) == 1
    assert Job.objects.get(pk=job_id).status == "failed"


def test_an_engine_stopping_lets_a_call_under_way_answer_and_keeps_its_reference(api, bfl, monkeypatch):
    monkeypatch.setattr(engine_loop, "SUBMIT_GRACE_SECONDS", 60)
    bfl.gate.clear()
    with RunningEngine() as running:
        job_id = _create(api)
        assert wait_for(lambda: len(bfl.received(*SUBMIT)) == 1)
        running.loop.call_soon_threadsafe(running.engine.stop)
        bfl.gate.set()  # BFL answers while the engine is stopping
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.stage) == ("running", "waiting") and job.provider_ref
    assert len(bfl.received(*SUBMIT)) == 1


def test_a_call_cut_short_on_a_free_provider_is_sent_again_once(api, settings, monkeypatch):
    """The local provider costs nothing: a job whose engine stopped mid-call is sent again."""
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 60
    calls: list[str] = []
    from generation.providers.local import LocalProvider

    original = LocalProvider.asubmit

    async def slow_asubmit(self, request):
        calls.append(str(request.job_id))
        if len(calls) == 1:
            await asyncio.sleep(60)  # the first call does not answer before the engine stops
        return await original(self, request)

    monkeypatch.setattr(LocalProvider, "asubmit", slow_asubmit)
    monkeypatch.setattr(engine_loop, "SUBMIT_GRACE_SECONDS", 0.2)
    with RunningEngine() as running:
        job_id = _create(api)
        assert wait_for(lambda: len(calls) == 1)
        running.stop()
    assert Job.objects.get(pk=job_id).stage == "pending"  # resubmitted: handed back
    engine_run_once()
    job = Job.objects.get(pk=job_id)
    assert job.stage == "waiting" and job.provider_ref and calls == [job_id, job_id]


@pytest.mark.slow
def test_thirty_jobs_at_once_are_each_sent_once(api, user, bfl, settings):
    settings.BFL_MAX_CONCURRENT = 1000
    user.max_queued_jobs = 100
    user.max_concurrent_jobs = 100
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    bfl.max_active = 1000
    job_ids = [_create(api) for _ in range(30)]
    with RunningEngine():
        assert wait_for(lambda: Job.objects.filter(pk__in=job_ids, stage="waiting").count() == 30, 60), list(
            Job.objects.filter(pk__in=job_ids).values_list("status", "stage", "error_code", "error_message")
        )
    assert len(bfl.received(*SUBMIT)) == 30
