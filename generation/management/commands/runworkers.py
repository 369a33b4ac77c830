"""Start the django-q2 cluster after repairing what a previous cluster left behind.

A worker that comes up after a crash (kill -9, OOM, node loss) reconciles at once instead of
waiting for the next scheduled run: stale jobs are resumed or ended, and a patient poller
takes over from a dead one as soon as its lease runs out.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from generation.services.engine import jobs_reconcile
from generation.services.queue import enqueue


class Command(BaseCommand):
    help = "Reconcile jobs, then run the django-q2 cluster (qcluster)."

    def handle(self, *args, **options):
        report = jobs_reconcile()
        self.stdout.write(f"reconciled: {report}")
        enqueue("generation_engine_tick", True)
        call_command("qcluster")
