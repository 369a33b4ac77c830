"""Start the engine process and the django-q2 cluster after repairing what a previous cluster
left behind.

A worker that comes up after a crash (kill -9, OOM, node loss) reconciles at once instead of
waiting for the next scheduled run: stale jobs are resumed or ended, and its engine takes over
from a dead one as soon as that one's lease runs out (a live one keeps it; this one stands by).
The cluster is restarted in place when its task processes stop taking work
(generation/watchdog.py). SIGTERM (to this process or its group) stops both.
"""

import gc
import multiprocessing
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from generation.engine import engine_run
from generation.services.engine import jobs_reconcile
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
    for module in (
        "generation.tasks",
        "gallery.tasks",
        "gallery.imaging",
        "gallery.services.images",
        "generation.providers.local_imaging",
        "generation.providers.local_goods",
    ):
        import_module(module)
    gc.collect()
    gc.freeze()


class Command(BaseCommand):
    help = "Reconcile jobs, then run the engine process and the django-q2 cluster (qcluster)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-engine",
            action="store_true",
            help="Task processes only: the engine runs elsewhere (manage.py runengine).",
        )

    def handle(self, *args, **options):
        report = jobs_reconcile()
        self.stdout.write(f"reconciled: {report}")
        companions = []
        if not options["without_engine"]:
            connections.close_all()  # the engine must not share this process's connection
            engine = multiprocessing.get_context("fork").Process(target=engine_run, name="engine")
            engine.start()
            companions.append(engine)
        prepare_for_fork()
        # `qcluster`, restarted in place (engine included) when it stops taking work
        cluster_run_watched(companions=companions)
