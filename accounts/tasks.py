"""django-q2 tasks: thin wrappers around one service each."""

from accounts.events import events_sweep


def accounts_events_sweep() -> None:
    events_sweep()
