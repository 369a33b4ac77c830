from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from config.errors import ApplicationError
from gallery.selectors import images_for_jobs
from generation.models import EngineLease, Job, JobInput, JobStatus
from generation.services.jobs import job_cancel, job_retry


class JobInputInline(admin.TabularInline):
    model = JobInput
    extra = 0
    can_delete = False
    fields = ("preview", "role", "width", "height", "format", "size_bytes", "sha256")
    readonly_fields = fields

    @admin.display(description="Image")
    def preview(self, obj):
        url = reverse("admin:generation_job_input_file", args=[obj.job_id, obj.pk])
        return format_html('<a href="{0}"><img src="{0}" style="max-height:160px"></a>', url)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("short_id", "user", "kind", "provider", "status", "progress", "created_at",
                    "duration")
    list_filter = ("status", "kind", "provider", ("user", admin.RelatedOnlyFieldListFilter),
                   "created_at")
    list_select_related = ("user",)
    search_fields = ("id", "user__username", "provider_ref")
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    list_per_page = 50
    inlines = [JobInputInline]
    actions = ["cancel_jobs", "retry_jobs"]
    readonly_fields = ("id", "user", "kind", "provider", "status", "stage", "params", "progress",
                       "results", "error_code", "error_message", "retried_from", "provider_ref",
                       "provider_state", "idempotency_key", "poll_count", "next_check_at",
                       "created_at", "started_at", "stage_changed_at", "finished_at")
    fieldsets = (
        (None, {"fields": ("id", "user", "kind", "provider", "status", "stage", "progress",
                           "params", "results", "error_code", "error_message", "retried_from")}),
        ("Timing", {"fields": ("created_at", "started_at", "stage_changed_at", "finished_at")}),
        ("Provider", {"classes": ("collapse",),
                      "fields": ("provider_ref", "provider_state", "poll_count", "next_check_at",
                                 "idempotency_key")}),
    )

    @admin.display(description="Job", ordering="id")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="Duration")
    def duration(self, obj):
        if obj.started_at and obj.finished_at:
            return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"
        return "—"

    @admin.display(description="Result")
    def results(self, obj):
        images = images_for_jobs(job_ids=[obj.id]).get(obj.id, [])
        if not images:
            return "—"
        return format_html_join(" ", '<a href="{0}"><img src="{0}" style="max-height:240px"></a>',
                                ((reverse("admin:gallery_image_file", args=[i.id]),) for i in images))

    def get_urls(self):
        view = self.admin_site.admin_view(self.input_file_view)
        return [path("<uuid:job_id>/input/<int:input_id>/", view, name="generation_job_input_file"),
                *super().get_urls()]

    def input_file_view(self, request, job_id, input_id):
        job_input = JobInput.objects.filter(pk=input_id, job_id=job_id).first()
        if job_input is None or not self.has_view_permission(request):
            raise Http404
        return FileResponse(job_input.file.open("rb"), content_type=f"image/{job_input.format}")

    @admin.action(description="Cancel selected jobs")
    def cancel_jobs(self, request, queryset):
        done = 0
        for job in queryset.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]):
            try:
                job_cancel(job=job, by="admin")
                done += 1
            except ApplicationError:
                pass
        self.message_user(request, f"Canceled {done} job(s).", messages.SUCCESS)

    @admin.action(description="Retry selected jobs (as their owners)")
    def retry_jobs(self, request, queryset):
        done, refused = 0, []
        for job in queryset.select_related("user"):
            try:
                job_retry(job=job)
                done += 1
            except ApplicationError as exc:
                refused.append(f"{str(job.id)[:8]}: {exc.message}")
        self.message_user(request, f"Queued {done} retry job(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def has_add_permission(self, request):
        return False


@admin.register(EngineLease)
class EngineLeaseAdmin(admin.ModelAdmin):
    list_display = ("name", "holder", "expires_at", "requested_at")
    readonly_fields = ("name", "holder", "expires_at", "requested_at")

    def has_add_permission(self, request):
        return False
