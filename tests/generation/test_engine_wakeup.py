"""The engine's dispatch wake-up: while an engine holds its lease, a new job's dispatch request
reaches it as a notification on the dispatch channel (Redis pub/sub, or PostgreSQL's NOTIFY),
and the engine claims and sends the job itself; no django-q2 task is queued on the way. The
engine's periodic read of the request flag is put an hour away, so only the wake-up can
deliver the request within the test's deadline."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from accounts import channels
from generation.engine import Engine
from generation.engine import loop as engine_loop
from generation.models import Job
from generation.services import wakeups
from generation.services.wakeups import engine_lease_held
from tests.generation import test_engine_submit
from tests.generation.test_engine_submit import RunningEngine, _create, _task_names, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TEST_REDIS_URL = "redis://127.0.0.1:6379/2"


class CountingEngine(Engine):
    """An engine that counts the wake-ups it received and the dispatch turns it ran while
    listening (the turn its subscription itself asks for is the first of those)."""

    def __init__(self) -> None:
        super().__init__()
        self.wakeups = 0
        self.turns_listening = 0

    def dispatch_woken(self) -> None:
        self.wakeups += 1
        super().dispatch_woken()

    async def dispatch_turn(self) -> int:
        listening = self._listening
        started = await super().dispatch_turn()
        if listening:
            self.turns_listening += 1
        return started


@pytest.fixture(params=["redis", "postgres"])
def notify(request, settings, monkeypatch):
    name = request.param
    if name == "redis":
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError:
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings.EVENT_REDIS_URL = TEST_REDIS_URL
    elif connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    settings.EVENT_NOTIFY = name
    # Pub/sub channels are server-wide (not per Redis DB), NOTIFY's per database server: a
    # channel of this test's own, so no other process's dispatch request wakes this engine.
    channel = f"studio_dispatch_test_{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(wakeups, "DISPATCH_CHANNEL", channel)
    monkeypatch.setattr(engine_loop, "DISPATCH_CHANNEL", channel)
    monkeypatch.setattr(engine_loop, "LISTENING_SECONDS", 3600.0)  # the flag's periodic read
    monkeypatch.setattr(test_engine_submit, "Engine", CountingEngine)  # what RunningEngine runs
    channels._redis.cache_clear()
    yield name
    channels._redis.cache_clear()


def test_a_job_created_while_an_engine_holds_the_lease_is_claimed_through_the_wakeup(api, notify):
    with RunningEngine() as running:
        engine = running.engine
        assert isinstance(engine, CountingEngine)
        assert wait_for(engine_lease_held)
        # Subscribed, holding the lease, and one dispatch turn over since (a wake-up that came
        # before the lease was taken passes no turn): from now on the dispatcher waits for a
        # wake-up, its read of the request flag an hour away.
        assert wait_for(lambda: engine._listening and engine.has_lease)
        running.loop.call_soon_threadsafe(engine.dispatch_woken)
        assert wait_for(lambda: engine.turns_listening >= 1 and not engine._dispatch_wake.is_set())
        wakeups_before = engine.wakeups

        job_id = _create(api)

        assert wait_for(lambda: bool(Job.objects.get(pk=job_id).provider_ref), 60)  # claimed and sent
        assert engine.wakeups > wakeups_before  # a notification on the channel woke it
        # Neither a dispatch task nor a submit task was queued: the engine claimed and sent it.
        assert not {"generation_jobs_dispatch", "generation_job_submit"} & set(_task_names())
