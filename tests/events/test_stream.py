"""GET /api/v1/events through a real ASGI server, on each wake-up backend (poll; PostgreSQL
LISTEN/NOTIFY; Redis pub/sub): order, owner only, replay by Last-Event-ID, reset, restarts."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.events import event_publish, events_sweep
from accounts.models import Event
from accounts.services import user_create
from tests.events.conftest import DEADLINE_SECONDS, AsgiServer

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(transactional_db):
    return user_create(username="alice", password=PASSWORD)


@pytest.fixture
def bob(transactional_db):
    return user_create(username="bob", password=PASSWORD)


def publish(user, n: int, *, type="job.stage") -> Event:
    return event_publish(
        user_id=user.id, type=type, object_type="job", object_id=f"job-{n}", payload={"n": n}
    )


def test_events_arrive_in_order_for_their_owner_and_never_for_another_user(open_stream, alice, bob):
    alices, bobs = open_stream(alice), open_stream(bob)
    published = {alice.id: [], bob.id: []}
    for n in range(6):
        user = alice if n % 3 else bob
        published[user.id].append(publish(user, n).id)

    got = alices.frames(4)
    assert [f.id for f in got] == published[alice.id]
    assert [json.loads(f.data)["n"] for f in got] == [1, 2, 4, 5]
    assert [f.event for f in got] == ["job.stage"] * 4
    assert [f.id for f in bobs.frames(2)] == published[bob.id]
    assert alices.nothing_more() and bobs.nothing_more()


def test_a_client_that_reconnects_with_its_last_event_id_gets_exactly_the_three_it_missed(open_stream, alice):
    first = open_stream(alice)
    seen = publish(alice, 0)
    assert first.frames(1)[0].id == seen.id
    first.close()

    missed = [publish(alice, n).id for n in (1, 2, 3)]
    again = open_stream(alice, last_event_id=seen.id)
    assert [f.id for f in again.frames(3)] == missed
    live = publish(alice, 4)
    assert [f.id for f in again.frames(1)] == [live.id]  # then live, with nothing twice
    assert again.nothing_more()


def test_last_event_id_in_the_query_replays_too(open_stream, alice):
    seen = publish(alice, 0)
    missed = publish(alice, 1)
    stream = open_stream(alice, query=f"?last_event_id={seen.id}")
    assert [f.id for f in stream.frames(1)] == [missed.id]


def test_an_id_past_the_retention_window_gets_one_reset(open_stream, alice):
    old = publish(alice, 0)
    publish(alice, 1)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert events_sweep() == 1

    stream = open_stream(alice, last_event_id=old.pk - 1)
    reset = stream.frames(1)[0]
    assert (reset.event, reset.data) == ("reset", "{}")
    live = publish(alice, 2)
    assert [f.id for f in stream.frames(1)] == [live.id]


def test_an_id_newer_than_the_log_gets_a_reset(open_stream, alice):
    newest = publish(alice, 0)
    stream = open_stream(alice, last_event_id=newest.id + 1000)
    assert stream.frames(1)[0].event == "reset"


def test_a_web_process_restart_in_the_middle_loses_nothing(server, open_stream, alice):
    stream = open_stream(alice)
    seen = publish(alice, 0)
    assert stream.frames(1)[0].id == seen.id
    during = [publish(alice, 1).id]
    server.stop()  # the process goes, with its hub and every stream
    during.append(publish(alice, 2).id)
    restarted = AsgiServer()
    try:
        during.append(publish(alice, 3).id)
        again = open_stream(alice, last_event_id=seen.id, base=restarted)
        assert [f.id for f in again.frames(3)] == during
        live = publish(alice, 4)
        assert [f.id for f in again.frames(1)] == [live.id]
        again.close()
    finally:
        restarted.stop()


@pytest.mark.parametrize("backend", ["poll"], indirect=True)
def test_types_filters_the_stream(open_stream, alice):
    stream = open_stream(alice, query="?types=job.succeeded,image.created")
    publish(alice, 0, type="job.progress")
    wanted = publish(alice, 1, type="image.created")
    assert [(f.id, f.event) for f in stream.frames(1)] == [(wanted.id, "image.created")]


@pytest.mark.parametrize("backend", ["poll"], indirect=True)
def test_a_quiet_stream_sends_heartbeats(settings, open_stream, alice):
    settings.EVENT_HEARTBEAT_SECONDS = 0.1
    stream = open_stream(alice)
    assert stream.nothing_more(0.5)
    assert ": ping" in stream.comments


@pytest.mark.parametrize("backend", ["poll"], indirect=True)
def test_anonymous_gets_401_json_and_a_bad_id_400_naming_it(open_stream, alice):
    anonymous = open_stream(None)
    assert anonymous.status == 401
    assert json.loads(anonymous.body)["code"] == "not_authenticated"
    bad = open_stream(alice, query="?last_event_id=x")
    assert bad.status == 400 and "last_event_id" in bad.body.decode()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_an_event_committed_after_a_later_one_still_arrives_first(open_stream, alice):
    """Ids are taken at insert: a slow transaction's event (lower id) must not be overtaken."""
    stream = open_stream(alice)
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            slow.append(publish(alice, 0).id)
            inserted.set()
            release.wait(DEADLINE_SECONDS)
        connection.close()

    slow: list[int] = []
    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(DEADLINE_SECONDS)
    fast = publish(alice, 1)
    assert stream.nothing_more(0.5), "the later event waits for the earlier id"
    release.set()
    writer.join(DEADLINE_SECONDS)
    assert [f.id for f in stream.frames(2)] == [slow[0], fast.id]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_session_idle_in_a_transaction_does_not_hold_streams_back(open_stream, alice, bob):
    """Only transactions that inserted events can still commit a missing id: another open
    transaction (here one that wrote a user row and idles) must not delay a rolled-back id."""
    stream = open_stream(alice)
    holding, release = threading.Event(), threading.Event()

    def idle_writer() -> None:
        with transaction.atomic():
            type(bob).objects.filter(pk=bob.pk).update(first_name="idle")
            holding.set()
            release.wait(DEADLINE_SECONDS * 2)
        connection.close()

    writer = threading.Thread(target=idle_writer)
    writer.start()
    try:
        assert holding.wait(DEADLINE_SECONDS)
        with pytest.raises(RuntimeError), transaction.atomic():
            publish(alice, 0)  # takes an id, then rolls back: a gap
            raise RuntimeError
        after_gap = publish(alice, 1)
        assert [f.id for f in stream.frames(1)] == [after_gap.id]
    finally:
        release.set()
        writer.join(DEADLINE_SECONDS)
