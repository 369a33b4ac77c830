"""Enqueueing django-q2 tasks. Always after commit: the Redis broker is not transactional,
and a task must never see a row its transaction has not committed yet."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task


def enqueue(task: str, *args, timeout: int | None = None) -> None:
    options = {"timeout": timeout} if timeout else {}
    transaction.on_commit(lambda: async_task(f"generation.tasks.{task}", *args, **options))
