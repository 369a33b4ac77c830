"""Run the engine process alone (its own Deployment, or beside `runworkers --without-engine`)."""

from django.core.management.base import BaseCommand

from generation.engine import engine_run


class Command(BaseCommand):
    help = "Run the engine: polls in-flight provider jobs and writes product pages (one asyncio loop)."

    def handle(self, *args, **options):
        engine_run()
