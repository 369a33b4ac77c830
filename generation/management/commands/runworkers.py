"""Start the django-q2 cluster after repairing what a previous cluster left behind.

A worker that comes up after a crash (kill -9, OOM, node loss) reconciles at once instead of
waiting for the next scheduled run: stale jobs are resumed or ended, and a patient poller
takes over from a dead one as soon as its lease runs out. The cluster is restarted in place
when its task processes stop taking work (generation/watchdog.py).
"""

import gc
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand

from generation.services.engine import jobs_reconcile
from generation.services.queue import enqueue
from generation.watchdog import cluster_run_watched


def prepare_for_fork() -> None:
    """Load in the cluster's parent what every task process would otherwise load on its own.

    django-q2 forks its task processes from this one: code and data loaded here are shared
    between them instead of being paid for once per process, and `gc.freeze()` keeps the
    collector from writing to those shared objects (which would copy their pages into every
    process again).
    """
    from django.utils.module_loading import import_string
    from PIL import Image

    from generation.providers.registry import PROVIDERS, provider_name_for_kind

    Image.init()  # every decoder and encoder plugin, imported on first use otherwise
    selected = {provider_name_for_kind(kind) for kind in ("ppl", "goods", "edit", "page")}
    for name in selected | {settings.PAGE_IMAGE_PROVIDER}:
        if name in PROVIDERS:
            import_string(PROVIDERS[name])
    for module in ("generation.tasks", "gallery.tasks", "gallery.imaging", "gallery.services.images",
                   "generation.providers.local_imaging", "generation.providers.local_goods"):
        import_module(module)
    gc.collect()
    gc.freeze()


class Command(BaseCommand):
    help = "Reconcile jobs, then run the django-q2 cluster (qcluster)."

    def handle(self, *args, **options):
        report = jobs_reconcile()
        self.stdout.write(f"reconciled: {report}")
        enqueue("generation_engine_tick", True)
        prepare_for_fork()
        cluster_run_watched()  # `qcluster`, restarted in place when it stops taking work
