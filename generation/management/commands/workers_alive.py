"""Liveness probe of a worker container: is this host's django-q2 cluster alive and not hung?

Exit 0 when the cluster's heartbeat file is fresh and, if tasks are waiting in the broker, one
of its workers started a task within WORKER_STALL_SECONDS. Exit 1 otherwise, with the reason.
The heartbeat is a local file, so a database outage alone does not restart healthy workers.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from generation.heartbeat import broker_tasks_waiting, file_age_seconds, heartbeat_file, progress_file


class Command(BaseCommand):
    help = "Exit 1 when this host's worker cluster is dead or hung (for a liveness probe)."

    def handle(self, *args, **options):
        ttl = settings.CLUSTER_HEARTBEAT_TTL_SECONDS
        beat = file_age_seconds(heartbeat_file())
        if beat is None or beat > ttl:
            seen = "never" if beat is None else f"{beat:.0f} s ago"
            self._fail(f"no cluster heartbeat within {ttl} s (last: {seen}; {heartbeat_file()})")
        waiting = self._tasks_waiting()
        stall = settings.WORKER_STALL_SECONDS
        progress = file_age_seconds(progress_file())
        if waiting and (progress is None or progress > stall):
            self._fail(
                f"hung: {waiting} task(s) waiting and no task started for "
                f"{'ever' if progress is None else f'{progress:.0f} s'} (limit {stall} s)"
            )
        last = "none yet" if progress is None else f"{progress:.0f} s ago"
        self.stdout.write(
            f"alive: heartbeat {beat:.1f} s ago, {waiting} task(s) waiting, last task start {last}"
        )

    def _tasks_waiting(self) -> int:
        try:
            return broker_tasks_waiting()
        except Exception as exc:  # the broker's health is /healthz's business, not liveness's
            self.stderr.write(f"broker not reachable ({type(exc).__name__}); judging by the heartbeat only")
            return 0

    def _fail(self, message: str) -> None:
        self.stderr.write(f"NOT ALIVE: {message}")
        raise SystemExit(1)
