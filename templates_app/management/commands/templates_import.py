"""Import block templates from a CSV file or a folder of HTML files (see templates_app.importing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from templates_app.importing import rows_from_csv, rows_from_folder, templates_import


class Command(BaseCommand):
    help = (
        "Import templates from a CSV file (columns: html, block_type, name, category, slots, "
        "description, metadata, thumbnail_url, is_active) or from a folder of .html files with a "
        "sidecar .json or JSON front matter. All or nothing unless --skip-invalid."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", type=Path, help="a CSV file, e.g. the seed's data.csv")
        source.add_argument("--folder", type=Path, help="a folder of NAME.html files")
        parser.add_argument("--category", help="category slug or name for rows that name none")
        parser.add_argument(
            "--create-categories", action="store_true", help="create categories that do not exist"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="revise templates that exist (same category and name) instead of skipping them",
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, report the rest"
        )
        parser.add_argument(
            "--set", dest="set_name", default="", help="also make a template set of them, in order"
        )
        parser.add_argument("--default-set", action="store_true", help="make that set the category's default")
        parser.add_argument("--dry-run", action="store_true", help="validate everything, change nothing")

    def handle(self, *args, **options):
        try:
            if options["csv"]:
                path = options["csv"]
                if not path.is_file():
                    raise ValueError(f"{path} is not a file.")
                rows = rows_from_csv(path.read_text(encoding="utf-8-sig"), source=path.name)
            else:
                rows = rows_from_folder(options["folder"])
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc))
        report = templates_import(
            rows=rows,
            default_category=options["category"],
            create_categories=options["create_categories"],
            update=options["update"],
            skip_invalid=options["skip_invalid"],
            set_name=options["set_name"],
            set_default=options["default_set"],
            dry_run=options["dry_run"],
        )
        for line in report.created:
            self.stdout.write(f"created  {line}")
        for line in report.updated:
            self.stdout.write(f"updated  {line}")
        for line in report.skipped:
            self.stdout.write(f"skipped  {line}")
        for line in report.errors:
            self.stderr.write(f"invalid  {line}")
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                f"{len(report.errors)} invalid row(s); nothing was imported "
                "(fix them, or use --skip-invalid)."
            )
        verb = "would be" if options["dry_run"] else "were"
        summary = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.skipped)} skipped, {len(report.errors)} invalid; changes {verb} saved"
        )
        if report.set_name:
            summary += f"; set '{report.set_name}'"
        self.stdout.write(self.style.SUCCESS(summary + "."))
