"""Find (and with --delete, remove) files in the gallery's storage folders that no row references.

Only the folders in GALLERY_ORPHAN_PREFIXES (images/, thumbs/, inputs/) are scanned. Apps that
reference files in them register a check in gallery.references (generation: a job input is
referenced by its JobInput row until the retention sweep expires it). Files younger than
--min-age-minutes are left alone: a job writes its result file a moment before the row that names it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gallery.services import storage_orphans_sweep


class Command(BaseCommand):
    help = "Report files in the gallery's storage folders that no image references; --delete removes them."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the orphans found.")
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="Only files older than this count as orphans (default 60).",
        )
        parser.add_argument(
            "--prefix",
            action="append",
            dest="prefixes",
            help="Scan only this folder (inside GALLERY_ORPHAN_PREFIXES); repeatable.",
        )

    def handle(self, *args, delete, min_age_minutes, prefixes, **options):
        if min_age_minutes < 0:
            raise CommandError("--min-age-minutes must be 0 or more.")
        allowed = [p.rstrip("/") + "/" for p in settings.GALLERY_ORPHAN_PREFIXES]
        for prefix in prefixes or []:
            if not any((prefix.rstrip("/") + "/").startswith(a) for a in allowed):
                raise CommandError(f"{prefix!r} is not inside the gallery's folders ({', '.join(allowed)}).")
        report = storage_orphans_sweep(
            remove=delete, min_age=timedelta(minutes=min_age_minutes), prefixes=prefixes
        )
        for name, size in report.orphans:
            self.stdout.write(f"{'removed' if delete else 'orphan'}  {size:>10}  {name}")
        self.stdout.write(
            f"Scanned {report.scanned} file(s) in {', '.join(prefixes or allowed)}: "
            f"{len(report.orphans)} orphan(s), {report.orphan_bytes} bytes"
            + (f", {report.removed} removed" if delete else " (run with --delete to remove them)")
            + (f"; {report.too_young} recent unreferenced file(s) left alone" if report.too_young else "")
            + "."
        )
