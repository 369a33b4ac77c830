"""The job admin as an operations page: status, where a waiting job stands, what it was asked,
what it made, how to find it in the logs, and cancel / retry / delete behind a confirmation page.
A job is never edited here; every action goes through the services the API uses."""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import Event
from config.admin_lists import (
    EstimatedCountMixin,
    IndexedSearchMixin,
    date_range_filter,
    username_filter,
    values_filter,
)
from config.admin_site import SuperuserReadOnlyMixin
from config.errors import ApplicationError
from gallery.selectors import images_for_jobs
from generation.dashboard import failed_last_day, failure_codes_last_day
from generation.models import ACTIVE_STATUSES, EngineLease, Job, JobInput, JobStatus
from generation.providers.registry import PROVIDERS
from generation.selectors import job_detail_get, job_standing
from generation.services.deletion import jobs_delete
from generation.services.jobs import job_cancel, job_retry

# A bulk action over more jobs than this is refused: one page of confirmation, one request.
ACTION_MAX_JOBS = 500
TIMELINE_MAX_EVENTS = 200
WAITING_REASONS = {
    "queue": "jobs ahead of it",
    "user_concurrency": "its owner's running limit is reached",
    "provider_capacity": "the provider is busy with as many jobs as it takes",
    "provider_unavailable": "the provider could not be reached; tried again soon",
}


def _short(job_id) -> str:
    return str(job_id)[:8]


def _ids(job_ids) -> str:
    shown = ", ".join(_short(i) for i in job_ids[:10])
    return shown + (f" and {len(job_ids) - 10} more" if len(job_ids) > 10 else "")


def _jobs(count: int) -> str:
    return f"{count} job{'s' if count != 1 else ''}"


class FailedLastDayFilter(admin.SimpleListFilter):
    """The dashboard's failure links: failed or timed out in the last 24 h, by error code."""

    title = "failed in the last 24 h"
    parameter_name = "failed_24h"

    def lookups(self, request, model_admin):
        choices = [(code, f"{code} ({count})") for code, count in failure_codes_last_day()]
        chosen = self.value()
        if chosen and chosen not in {code for code, _ in choices}:
            choices.append((chosen, chosen))
        return choices

    def queryset(self, request, queryset):
        chosen = self.value()
        return failed_last_day(queryset, chosen) if chosen else queryset


class JobInputInline(admin.TabularInline):
    model = JobInput
    extra = 0
    can_delete = False
    fields = ("preview", "role", "from_gallery", "dimensions", "size", "sha256_short")
    readonly_fields = fields
    verbose_name = "input image"

    @admin.display(description="Image")
    def preview(self, obj):
        url = reverse("admin:generation_job_input_file", args=[obj.job_id, obj.pk])
        return format_html(
            '<a href="{0}"><img src="{0}" alt="{1}" style="max-height:120px"></a>', url, obj.role
        )

    @admin.display(description="From the gallery")
    def from_gallery(self, obj):
        """An edit's source picked from the owner's gallery: that image's page."""
        params = obj.job.params
        if obj.role != "image" or params.get("source") != "gallery" or not params.get("image_id"):
            return "—"
        url = reverse("admin:gallery_image_change", args=[params["image_id"]])
        return format_html('<a href="{}">image {}</a>', url, _short(params["image_id"]))

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height} {obj.format}"

    @admin.display(description="Bytes")
    def size(self, obj):
        return filesizeformat(obj.size_bytes)

    @admin.display(description="SHA-256")
    def sha256_short(self, obj):
        return format_html('<span title="{}">{}…</span>', obj.sha256, obj.sha256[:12])

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(IndexedSearchMixin, EstimatedCountMixin, admin.ModelAdmin):
    list_display = (
        "short_id",
        "status_badge",
        "user",
        "kind",
        "provider",
        "progress",
        "created_at",
        "duration",
    )
    # Typed-in or fixed filters (config.admin_lists): the stock ones SELECT DISTINCT over every job.
    list_filter = (
        "status",
        "kind",
        values_filter("provider", lambda: PROVIDERS),
        FailedLastDayFilter,
        username_filter("user", title="user"),
        date_range_filter("created_at"),
    )
    list_select_related = ("user",)
    search_fields = ("=user__username", "=request_id")  # answered by IndexedSearchMixin
    search_exact_fields = ("request_id",)
    search_help_text = "A username, a request id, or the start of a job id."
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    list_per_page = 50
    inlines = [JobInputInline]
    actions = ["cancel_jobs", "retry_jobs", "delete_jobs"]
    change_form_template = "admin/generation/job/change_form.html"
    readonly_fields = (
        "id",
        "user",
        "kind",
        "provider",
        "status_badge",
        "stage",
        "progress",
        "queue_state",
        "error_code",
        "error_message",
        "params_table",
        "translation_table",
        "results",
        "page_link",
        "retried_from",
        "retries",
        "request_trace",
        "timeline",
        "provider_ref",
        "provider_state",
        "idempotency_key",
        "poll_count",
        "next_check_at",
        "created_at",
        "started_at",
        "stage_changed_at",
        "finished_at",
        "duration",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "status_badge",
                    "queue_state",
                    "stage",
                    "progress",
                    "error_code",
                    "error_message",
                    "user",
                    "kind",
                    "provider",
                )
            },
        ),
        ("What was asked", {"fields": ("params_table", "translation_table")}),
        ("What it made", {"fields": ("results", "page_link")}),
        ("Retries", {"fields": ("retried_from", "retries")}),
        ("Timing", {"fields": ("created_at", "started_at", "stage_changed_at", "finished_at", "duration")}),
        ("Logs and events", {"fields": ("request_trace", "timeline")}),
        (
            "Provider",
            {
                "classes": ("collapse",),
                "fields": (
                    "provider_ref",
                    "provider_state",
                    "poll_count",
                    "next_check_at",
                    "idempotency_key",
                ),
            },
        ),
    )

    # --- list columns and page fields -------------------------------------------------------

    @admin.display(description="Job", ordering="id")
    def short_id(self, obj):
        return _short(obj.id)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="job-status job-status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description="Duration")
    def duration(self, obj):
        if obj.started_at and obj.finished_at:
            return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"
        return "—"

    @admin.display(description="Where it stands")
    def queue_state(self, obj):
        if obj.is_finished:
            return "Finished."
        info = job_standing(job=job_detail_get(user=obj.user, job_id=obj.id), user=obj.user)
        if obj.status == JobStatus.QUEUED:
            reason = info.waiting_reason
            why = WAITING_REASONS.get(reason, reason) if reason is not None else None
            return format_html(
                "Waiting: position {} for {}; {} ({}). Result in about {} s.",
                info.queue_position,
                obj.provider,
                why,
                info.waiting_reason,
                info.eta_seconds,
            )
        return format_html("Running ({}), result in about {} s.", obj.get_stage_display(), info.eta_seconds)

    @admin.display(description="Parameters")
    def params_table(self, obj):
        return _table(obj.params) if obj.params else "—"

    @admin.display(description="Translation")
    def translation_table(self, obj):
        return _table(obj.translation) if obj.translation else "—"

    @admin.display(description="Result images")
    def results(self, obj):
        images = images_for_jobs(job_ids=[obj.id]).get(obj.id, [])
        if not images:
            return "—"
        return format_html(
            '<div class="job-thumbs">{}</div>',
            format_html_join(
                "",
                '<figure><a href="{}"><img src="{}" alt="result {}"></a>'
                "<figcaption>{}{}</figcaption></figure>",
                (
                    (
                        reverse("admin:gallery_image_change", args=[image.id]),
                        reverse("admin:gallery_image_thumbnail", args=[image.id]),
                        index + 1,
                        _short(image.id),
                        " · in the trash" if image.deleted_at else "",
                    )
                    for index, image in enumerate(images)
                ),
            ),
        )

    @admin.display(description="Product page")
    def page_link(self, obj):
        page_id = (obj.provider_state or {}).get("page_id")
        if not page_id:
            return "—"
        url = reverse("admin:templates_app_page_change", args=[page_id])
        return format_html('<a href="{}">page {}</a>', url, _short(page_id))

    @admin.display(description="Its retries")
    def retries(self, obj):
        retries = list(obj.retries.order_by("created_at").values_list("id", "status"))
        if not retries:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (reverse("admin:generation_job_change", args=[job_id]), _short(job_id), status)
                for job_id, status in retries
            ),
        )

    @admin.display(description="Request id and logs")
    def request_trace(self, obj):
        where = f"{settings.LOG_FILE_PATH}*" if settings.LOG_TO_FILE else "<web and worker logs>"
        lines = [f"grep -hF '{obj.id}' {where}"]
        if obj.request_id:
            lines.insert(0, f"grep -hF '{obj.request_id}' {where}")
        commands = format_html_join("", '<code class="job-grep">{}</code>', ((line,) for line in lines))
        return format_html("{}<br>{}", obj.request_id or "(none: made by the platform)", commands)

    @admin.display(description="Event timeline")
    def timeline(self, obj):
        events = _job_events(obj)
        if not events:
            return f"— (events are kept {settings.EVENT_RETENTION_HOURS} h)"
        return format_html(
            '<ol class="job-timeline">{}</ol>',
            format_html_join(
                "",
                '<li><time datetime="{}">{}</time><strong>{}</strong> {}</li>',
                (
                    (
                        event.created_at.isoformat(),
                        event.created_at.strftime("%H:%M:%S.%f")[:-3],
                        event.type,
                        _event_summary(event.payload),
                    )
                    for event in events
                ),
            ),
        )

    # --- pages --------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.input_file_view)
        return [
            path("<uuid:job_id>/input/<int:input_id>/", view, name="generation_job_input_file"),
            *super().get_urls(),
        ]

    def input_file_view(self, request, job_id, input_id):
        job_input = JobInput.objects.filter(pk=input_id, job_id=job_id).first()
        if job_input is None or not self.has_view_permission(request):
            raise Http404
        return FileResponse(job_input.file.open("rb"), content_type=f"image/{job_input.format}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        context = {**(extra_context or {}), "show_delete": False}
        if job is not None:
            context["job_buttons"] = [
                (name, label, style)
                for name, label, style, allowed in (
                    ("cancel_jobs", "Cancel this job…", "danger", not job.is_finished),
                    ("retry_jobs", "Retry as its owner…", "", job.is_finished),
                    ("delete_jobs", "Delete for good…", "danger", job.is_finished),
                )
                if allowed and name in self.get_actions(request)
            ]
        return super().change_view(request, object_id, form_url, context)

    # --- actions: a confirmation page first, then one summary message -------------------------

    @admin.action(description="Cancel selected jobs…", permissions=["operate"])
    def cancel_jobs(self, request, queryset):
        jobs = self._selected(request, queryset)
        if jobs is None:
            return None
        chosen = [job for job in jobs if job.status in ACTIVE_STATUSES]
        skipped = [job for job in jobs if job.status not in ACTIVE_STATUSES]
        if not self._confirmed(request):
            return self._confirmation(
                request,
                "cancel_jobs",
                "Cancel jobs",
                chosen,
                skipped,
                "already finished: nothing to cancel",
                "Yes, cancel",
            )
        done, late = [], []
        for job in chosen:
            try:
                job_cancel(job=job, by="admin")
            except ApplicationError:  # it finished meanwhile
                late.append(job.id)
                continue
            done.append(job.id)
            self.log_change(request, job, f"Canceled by {request.user.get_username()} in the admin.")
        text = f"Canceled {_jobs(len(done))}" + (f": {_ids(done)}" if done else "")
        not_done = [job.id for job in skipped] + late
        if not_done:
            text += f". Not canceled (already finished): {_ids(not_done)}"
        self.message_user(request, text + ".", messages.SUCCESS if done else messages.WARNING)
        return self._after(request)

    @admin.action(description="Retry selected jobs as their owners…", permissions=["operate"])
    def retry_jobs(self, request, queryset):
        jobs = self._selected(request, queryset)
        if jobs is None:
            return None
        chosen = [job for job in jobs if job.is_finished]
        skipped = [job for job in jobs if not job.is_finished]
        if not self._confirmed(request):
            return self._confirmation(
                request, "retry_jobs", "Retry jobs", chosen, skipped, "still waiting or running", "Yes, retry"
            )
        done, refused = [], []
        for job in chosen:
            try:
                new, _ = job_retry(job=job)
            except ApplicationError as exc:
                refused.append(f"{_short(job.id)} ({exc.message})")
                continue
            done.append(new.id)
            who = request.user.get_username()
            self.log_change(request, job, f"Retried as {new.id} by {who} in the admin.")
            self.log_addition(request, new, f"Retry of {job.id} by {who} in the admin.")
        text = f"Queued {_jobs(len(done))} as retries" + (f": {_ids(done)}" if done else "")
        if skipped:
            text += f". Not retried (still active): {_ids([job.id for job in skipped])}"
        if refused:
            text += f". Refused: {'; '.join(refused[:5])}" + (" …" if len(refused) > 5 else "")
        self.message_user(request, text + ".", messages.SUCCESS if done else messages.WARNING)
        return self._after(request)

    @admin.action(description="Delete selected jobs and their input files…", permissions=["delete"])
    def delete_jobs(self, request, queryset):
        jobs = self._selected(request, queryset)
        if jobs is None:
            return None
        chosen = [job for job in jobs if job.is_finished]
        skipped = [job for job in jobs if not job.is_finished]
        if not self._confirmed(request):
            return self._confirmation(
                request,
                "delete_jobs",
                "Delete jobs for good",
                chosen,
                skipped,
                "still waiting or running: cancel it first",
                "Yes, delete",
                note="Their input files go too (unless a retry still uses them). "
                "Result images stay in their owners' galleries.",
            )
        # Logged before the rows go, as Django's own delete does.
        self.log_deletions(request, Job.objects.filter(pk__in=[job.id for job in chosen]))
        result = jobs_delete(job_ids=[job.id for job in chosen])
        deleted = result.deleted
        text = f"Deleted {_jobs(len(deleted))}" + (f": {_ids(deleted)}" if deleted else "")
        text += f", {result.files_removed} input file{'s' if result.files_removed != 1 else ''} removed"
        kept = [job.id for job in skipped] + result.kept_active
        if kept:
            text += f". Kept (still active): {_ids(kept)}"
        self.message_user(request, text + ".", messages.SUCCESS if result.deleted else messages.WARNING)
        return HttpResponseRedirect(reverse("admin:generation_job_changelist"))

    def _selected(self, request, queryset) -> list[Job] | None:
        jobs = list(queryset.select_related("user").order_by("created_at")[: ACTION_MAX_JOBS + 1])
        if len(jobs) > ACTION_MAX_JOBS:
            self.message_user(
                request,
                f"Select at most {ACTION_MAX_JOBS} jobs for one action (filter the list first).",
                messages.ERROR,
            )
            return None
        return jobs

    @staticmethod
    def _confirmed(request) -> bool:
        return request.POST.get("confirm") == "yes"

    def _confirmation(self, request, action, title, chosen, skipped, skip_reason, button, note=""):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.model._meta,
            "action": action,
            "chosen": chosen,
            "skipped": skipped,
            "skip_reason": skip_reason,
            "button": f"{button} {_jobs(len(chosen))}",
            "note": note,
            "selected_ids": [str(job.id) for job in chosen + skipped],
            "next": request.POST.get("next", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/generation/job/action_confirmation.html", context)

    def _after(self, request):
        """Back to the job page the buttons were on, else to the list."""
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return None

    # --- permissions: nobody edits a job; deleting is for superusers ---------------------------

    def has_operate_permission(self, request):
        """Cancel and retry: staff with the change permission on jobs."""
        return request.user.has_perm("generation.change_job")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and (obj is None or obj.is_finished)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # delete_jobs removes the input files too
        return actions

    def delete_model(self, request, obj):
        jobs_delete(job_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        jobs_delete(job_ids=list(queryset.values_list("pk", flat=True)))


def _table(data: dict):
    """A JSON object as a two-column table; nested values as compact JSON."""
    return format_html(
        '<table class="job-params"><tbody>{}</tbody></table>',
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            (
                (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                for key, value in data.items()
            ),
        ),
    )


def _job_events(job) -> list[Event]:
    """The job's events from the outbox (as long as they are kept), oldest first."""
    return list(
        Event.objects.filter(object_type="job", object_id=str(job.id)).order_by("id")[:TIMELINE_MAX_EVENTS]
    )


def _event_summary(payload: dict) -> str:
    shown = {key: value for key, value in (payload or {}).items() if key not in {"id", "kind"}}
    return json.dumps(shown, ensure_ascii=False, default=str)[:300]


@admin.register(EngineLease)
class EngineLeaseAdmin(SuperuserReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "holder", "expires_at", "requested_at")
