"""Enqueueing django-q2 tasks. Always after commit: the Redis broker is not transactional,
and a task must never see a row its transaction has not committed yet.

Best-effort: a broker that cannot be reached after the commit is logged (warning), never raised.
The committed rows are the truth, and every task enqueued here is one the reconciler enqueues
again for rows left waiting (generation/services/reconcile.py), so a lost enqueue only delays
work, while raising would turn a write that succeeded into an error for the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def _send(task: str, args: tuple[object, ...], options: Mapping[str, object]) -> None:
    try:
        async_task(f"generation.tasks.{task}", *args, **options)
    except Exception as exc:  # the broker is down (Redis refused, timed out; the ORM broker's DB)
        logger.warning(
            "task not enqueued (%s): the reconciler will pick the work up",
            type(exc).__name__,
            extra={"event": "enqueue_failed", "task": task, "error": type(exc).__name__},
        )


def enqueue(task: str, *args: object, timeout: int | None = None) -> None:
    options = {"timeout": timeout} if timeout else {}
    transaction.on_commit(lambda: _send(task, args, options))
