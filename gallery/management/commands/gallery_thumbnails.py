"""Make the thumbnails images stored before thumbnails existed lack (idempotent)."""

from django.core.management.base import BaseCommand

from gallery.services.thumbnails import thumbnails_backfill


class Command(BaseCommand):
    help = "Create missing thumbnails for gallery images."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=10_000, help="At most this many images per run.")

    def handle(self, *args, limit, **options):
        made, failed = thumbnails_backfill(limit=limit)
        self.stdout.write(f"Made {made} thumbnail(s); {failed} image(s) could not be read.")
