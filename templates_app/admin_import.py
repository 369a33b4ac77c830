"""The template admin's import page: upload a CSV or a zipped folder, read the dry-run report,
confirm. The rows are read and imported by templates_app.importing, as the command line does."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from templates_app.admin_forms import TemplateImportForm
from templates_app.importing import ImportReport, rows_from_upload, templates_import

IMPORT_SALT = "templates_app.admin.import"
IMPORT_MAX_AGE_SECONDS = 3600


class TemplateImportMixin(admin.ModelAdmin):
    """For the ModelAdmin of templates: the import_view (routed at import/) and its confirmation."""

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        """An admin page's context with `extra`; the template admin provides it."""
        raise NotImplementedError

    def import_view(self, request):
        """Upload a CSV or a zipped folder → a dry-run report → confirm → the import. The file
        travels from the report to the confirmation signed in the page (no state on the server)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "payload" in request.POST:
            return self._import_confirm(request)
        form = TemplateImportForm(request.POST or None, request.FILES or None)
        report = payload = None
        can_confirm = False
        if form.is_valid():
            upload, options = form.cleaned_data["file"], form.options()
            data = upload.read()
            report, problem = _import_run(upload.name, data, options, user=request.user, dry_run=True)
            if problem:
                form.add_error("file", problem)
            else:
                payload = signing.dumps(
                    {"options": options, "name": upload.name, "data": data.hex()},
                    salt=IMPORT_SALT,
                    compress=True,
                )
                can_confirm = bool(report.created or report.updated) and not (
                    report.errors and not options["skip_invalid"]
                )
        context = self._context(
            request,
            title="Import templates",
            form=form,
            report=report,
            payload=payload,
            can_confirm=can_confirm,
            summary=_import_summary(report, dry_run=True) if report else "",
        )
        return TemplateResponse(request, "admin/templates_app/template/import.html", context)

    def _import_confirm(self, request):
        options, name, data = _import_unsign(request.POST["payload"])
        if options is None:
            messages.error(request, "That dry run is over an hour old or was altered; upload the file again.")
            return redirect("admin:templates_app_template_import")
        report, problem = _import_run(name, data, options, user=request.user, dry_run=False)
        if problem or (report.errors and not options["skip_invalid"]):
            messages.error(
                request,
                problem
                or f"Nothing was imported: {len(report.errors)} row(s) are "
                "invalid now; run the dry run again.",
            )
            return redirect("admin:templates_app_template_import")
        messages.success(request, f"Imported {name}: {_import_summary(report, dry_run=False)}")
        return redirect("admin:templates_app_template_changelist")


def _import_unsign(payload: str):
    try:
        value = signing.loads(payload, salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE_SECONDS)
        return value["options"], value["name"], bytes.fromhex(value["data"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None, None, None


def _import_run(name: str, data: bytes, options: dict, *, user, dry_run: bool):
    """(report, None), or (None, why the file cannot be read)."""
    try:
        rows = rows_from_upload(name, data)
    except ValueError as exc:
        return None, str(exc)
    report = templates_import(
        rows=rows,
        user=user,
        default_category=options["category"] or None,
        create_categories=options["create_categories"],
        update=options["update"],
        skip_invalid=options["skip_invalid"],
        set_name=options["set_name"],
        set_default=options["set_default"],
        dry_run=dry_run,
    )
    return report, None


def _import_summary(report: ImportReport, *, dry_run: bool) -> str:
    verb = "would be" if dry_run else "were"
    summary = (
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.skipped)} skipped, {len(report.errors)} refused"
    )
    if report.set_name:
        summary += f"; the set “{report.set_name}” {verb} made"
    return summary + ("; nothing is saved yet." if dry_run else ".")
