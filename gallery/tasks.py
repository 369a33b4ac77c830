"""django-q2 tasks: thin wrappers around one service each."""

from datetime import timedelta

from django.conf import settings

from gallery.models import AuditLog
from gallery.services import trash_purge

# Under Q_TIMEOUT: whatever is left waits for the next hourly run.
SWEEP_BUDGET_SECONDS = 20


def gallery_trash_sweep() -> None:
    trash_purge(
        older_than=timedelta(days=settings.TRASH_RETENTION_DAYS),
        action=AuditLog.Action.SWEEP,
        budget_seconds=min(SWEEP_BUDGET_SECONDS, settings.Q_TIMEOUT * 0.6),
    )
