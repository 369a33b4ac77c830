"""Run the engine process alone (its own Deployment, beside `runworkers --without-engine`), or
check that this host's engine is alive (`--alive`, for a liveness probe)."""

from django.core.management.base import BaseCommand

from generation.engine import engine_run
from generation.engine.loop import HEARTBEAT_SECONDS, engine_heartbeat_file
from generation.heartbeat import file_age_seconds

ALIVE_SECONDS = 6 * HEARTBEAT_SECONDS


class Command(BaseCommand):
    help = "Run the engine: dispatch, submit and poll provider jobs, write product pages (one asyncio loop)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--alive",
            action="store_true",
            help=f"Exit 1 unless this host's engine loop beat within {ALIVE_SECONDS:g} s.",
        )

    def handle(self, *args, **options):
        if not options["alive"]:
            engine_run()
            return
        age = file_age_seconds(engine_heartbeat_file())
        if age is None or age > ALIVE_SECONDS:
            last = "never" if age is None else f"{age:.0f} s ago"
            self.stderr.write(f"NOT ALIVE: engine loop last beat {last}")
            raise SystemExit(1)
        self.stdout.write(f"alive: engine loop beat {age:.1f} s ago")
