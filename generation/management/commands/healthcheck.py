"""Print the /healthz checks for an operator: one line per check, exit status 1 on FAIL."""

import json

from django.core.management.base import BaseCommand

from config.health import health_report

_MARK = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}


class Command(BaseCommand):
    help = "Run the health checks behind /healthz and print them (exit 1 when a required one fails)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the /healthz JSON body")

    def handle(self, *args, **options):
        report = health_report(fresh=True)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            width = max(len(c.name) for c in report.checks)
            for check in report.checks:
                optional = "" if check.required else " (optional)"
                line = (
                    f"{_MARK[check.status]}  {check.name:<{width}}  {check.ms:7.1f} ms  "
                    f"{check.message}{optional}"
                )
                styles = {"ok": self.style.SUCCESS, "warn": self.style.WARNING}
                style = styles.get(check.status, self.style.ERROR)
                self.stdout.write(style(line))
            self.stdout.write(f"overall: {report.status.upper()} in {report.duration_ms} ms")
        if not report.is_healthy:
            raise SystemExit(1)
