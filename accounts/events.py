"""The event outbox: every change a user can see is written as an `Event` row in the transaction
of the change (`event_publish`), and streamed to the user by /api/v1/events (accounts/streams.py).

The table is the truth. A wake-up (PostgreSQL NOTIFY, Redis pub/sub) only tells the web
processes to read it now instead of at their next EVENT_POLL_SECONDS: a lost one delays an event,
never loses it.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.channels import channel_wake
from accounts.models import Event

logger = logging.getLogger(__name__)

CHANNEL = "studio_events"
_SWEEP_BATCH = 5000

# When each job's last progress event went out, in this process (one engine polls a job at a
# time; a hand-over costs at most one extra event).
_progress_published: dict[str, float] = {}


def event_publish(
    *, user_id: int, type: str, object_type: str, object_id: str = "", payload: dict[str, Any]
) -> Event | None:
    """Write an event in the caller's transaction; the streams are woken when it commits.
    Progress is coalesced to one event per job every EVENT_PROGRESS_MIN_MS (None when dropped)."""
    if type == "job.progress" and not _progress_is_due(object_id, payload.get("progress", 0)):
        return None
    if object_type == "job" and type != "job.progress":
        _progress_published.pop(str(object_id), None)
    event = Event.objects.create(
        user_id=user_id, type=type, object_type=object_type, object_id=str(object_id), payload=payload
    )
    channel_wake(CHANNEL)
    return event


def _progress_is_due(job_id: str, progress: int) -> bool:
    now = time.monotonic()
    last = _progress_published.get(str(job_id))
    if progress < 100 and last is not None and (now - last) * 1000 < settings.EVENT_PROGRESS_MIN_MS:
        return False
    if len(_progress_published) > 10_000:
        _progress_published.clear()
    _progress_published[str(job_id)] = now
    return True


def events_sweep() -> int:
    """Delete events older than EVENT_RETENTION_HOURS, in batches; returns how many."""
    cutoff = timezone.now() - timedelta(hours=settings.EVENT_RETENTION_HOURS)
    deleted = 0
    while True:
        ids = list(
            Event.objects.filter(created_at__lt=cutoff)
            .order_by("id")
            .values_list("id", flat=True)[:_SWEEP_BATCH]
        )
        if not ids:
            return deleted
        deleted += Event.objects.filter(id__in=ids).delete()[0]


# --- reads (the streams') ------------------------------------------------------------------------


def event_id_bounds() -> tuple[int | None, int | None]:
    """The oldest and the newest event id still in the log."""
    ids = Event.objects.order_by("id").values_list("id", flat=True)
    return ids.first(), ids.last()


def events_after(
    *, after_id: int, user_id: int | None = None, up_to_id: int | None = None, limit: int = 500
) -> list[tuple[int, int, str, dict[str, Any]]]:
    """(id, user_id, type, payload) of the events after `after_id`, oldest first."""
    events = Event.objects.filter(id__gt=after_id)
    if user_id is not None:
        events = events.filter(user_id=user_id)
    if up_to_id is not None:
        events = events.filter(id__lte=up_to_id)
    return list(events.order_by("id").values_list("id", "user_id", "type", "payload")[:limit])


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        row = cursor.fetchone()
        assert row is not None
        now: datetime = row[0]
        return now


def writers_open_since(when: datetime) -> bool:
    """PostgreSQL: is a transaction that has inserted events, and began at or before `when`, still
    open? (A missing event id older than every such transaction was rolled back: it will never
    appear.) An insert holds ROW EXCLUSIVE on the event table from before it takes its id until
    its transaction ends, so the locks name exactly the transactions that may still commit an
    earlier id; other open transactions (a session idle in a transaction, an autovacuum) do not
    hold the streams back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
            " WHERE l.locktype = 'relation' AND l.relation = %s::regclass AND l.mode = 'RowExclusiveLock'"
            " AND l.granted AND a.pid <> pg_backend_pid() AND a.xact_start <= %s)",
            [connection.ops.quote_name(Event._meta.db_table), when],
        )
        row = cursor.fetchone()
        assert row is not None
        return bool(row[0])
