"""Project-level model admins, loaded by config.apps.StudioAdminConfig after every app's own:
users (their limits and gallery usage join accounts and gallery, which accounts must not import),
and the internal models of django-q2 and the token blacklist, explained and kept from staff."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django_q.admin import FailAdmin, QueueAdmin, ScheduleAdmin, TaskAdmin
from django_q.models import Failure, OrmQ, Schedule, Success
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from accounts.selectors import user_job_limits
from config.admin_site import SuperuserReadOnlyMixin
from gallery.selectors import storage_quota_bytes, storage_usage, storage_used_by_owners

# --- users ------------------------------------------------------------------------------------


def _limit(override, default) -> str:
    return f"{override} (override)" if override is not None else f"{default} (default)"


def _quota_text(megabytes: int) -> str:
    return "unlimited" if megabytes == 0 else filesizeformat(megabytes * 1024 * 1024)


class UserChangeList(ChangeList):
    """Reads the storage used by the users of the page in one query."""

    def get_results(self, request):
        super().get_results(request)
        used = storage_used_by_owners(owner_ids=[user.pk for user in self.result_list])
        for user in self.result_list:
            user.storage_used_bytes = used.get(user.pk, 0)


_BASE_FIELDSETS = BaseUserAdmin.fieldsets or ()  # Django's own (always set; typed optional)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "email",
        "is_staff",
        "queue_limit",
        "concurrency_limit",
        "storage",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    readonly_fields = ("limits_applied", "storage_usage")
    fieldsets = (
        _BASE_FIELDSETS[0],
        (
            "Limits",
            {
                "fields": (
                    "limits_applied",
                    "storage_usage",
                    "max_queued_jobs",
                    "max_concurrent_jobs",
                    "storage_quota_mb",
                ),
                "description": "Leave a limit empty to apply the default.",
            },
        ),
        *_BASE_FIELDSETS[1:],
    )

    def get_changelist(self, request, **kwargs):
        return UserChangeList

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        texts = {
            "max_queued_jobs": f"Jobs this user may have waiting at once. Empty: the default, "
            f"{settings.MAX_PER_USER_QUEUE}.",
            "max_concurrent_jobs": f"Jobs this user may have running at once (at least 1). Empty: the "
            f"default, {settings.MAX_PER_USER_CONCURRENT}.",
            "storage_quota_mb": f"Gallery storage in MB (originals, thumbnails and trash); 0 means "
            f"unlimited. Empty: the default, {_quota_text(settings.STORAGE_QUOTA_MB)}.",
        }
        for name, text in texts.items():
            if name in form.base_fields:
                form.base_fields[name].help_text = text
        return form

    @admin.display(description="Queue limit", ordering="max_queued_jobs")
    def queue_limit(self, obj):
        return _limit(obj.max_queued_jobs, settings.MAX_PER_USER_QUEUE)

    @admin.display(description="Running limit", ordering="max_concurrent_jobs")
    def concurrency_limit(self, obj):
        return _limit(obj.max_concurrent_jobs, settings.MAX_PER_USER_CONCURRENT)

    @admin.display(description="Storage used / quota")
    def storage(self, obj):
        used = getattr(obj, "storage_used_bytes", None)
        if used is None:
            used = storage_usage(user=obj).used_bytes
        return _usage_html(used, storage_quota_bytes(user=obj), obj.storage_quota_mb is None)

    @admin.display(description="Limits that apply")
    def limits_applied(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        limits = user_job_limits(user=obj)
        quota_mb = obj.storage_quota_mb if obj.storage_quota_mb is not None else settings.STORAGE_QUOTA_MB
        return format_html(
            "Waiting jobs: {} · running jobs: {} · storage: {}",
            _limit(obj.max_queued_jobs, limits.max_queued),
            _limit(obj.max_concurrent_jobs, limits.max_concurrent),
            f"{_quota_text(quota_mb)} ({'default' if obj.storage_quota_mb is None else 'override'})",
        )

    @admin.display(description="Gallery storage used")
    def storage_usage(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        usage = storage_usage(user=obj)
        return format_html(
            "{} — {} image(s), {} in the trash (originals, thumbnails and trash count)",
            _usage_html(usage.used_bytes, usage.quota_bytes, obj.storage_quota_mb is None),
            usage.active_images,
            usage.trash_images,
        )


def _usage_html(used: int, quota: int | None, is_default: bool):
    if quota is None:
        return format_html("{} of unlimited", filesizeformat(used))
    source = "default" if is_default else "override"
    if used >= quota:
        return format_html(
            '<strong class="over-quota">{} of {} ({}) · over quota</strong>',
            filesizeformat(used),
            filesizeformat(quota),
            source,
        )
    return format_html(
        "{} of {} ({}) · {}%", filesizeformat(used), filesizeformat(quota), source, round(100 * used / quota)
    )


# --- internal models --------------------------------------------------------------------------


class ExplainedListMixin(admin.ModelAdmin):
    """A sentence above the list saying what the page shows (and what it cannot)."""

    change_list_template = "admin/change_list_explained.html"
    page_note = ""

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "page_note": self.page_note})


class StudioSuccessAdmin(ExplainedListMixin, TaskAdmin):
    page_note = (
        "Always empty here: successful tasks are not kept (Q_CLUSTER save_limit is -1). Every "
        "task only moves a job along, and the job itself records the outcome: see Jobs."
    )


class StudioFailureAdmin(ExplainedListMixin, FailAdmin):
    page_note = (
        "Tasks that raised or were killed (time-out, worker lost). A job whose task failed is "
        "finished or re-run by the reconciler within a minute; its own page tells what happened."
    )


class StudioScheduleAdmin(ExplainedListMixin, ScheduleAdmin):
    page_note = (
        'Periodic tasks (the reconciler, sweeps). "Last run" shows only failed runs: successful '
        'tasks are not kept. "Next run" moving forward means the schedule runs.'
    )


class StudioQueueAdmin(SuperuserReadOnlyMixin, ExplainedListMixin, QueueAdmin):
    page_note = (
        "Tasks waiting in the database broker (Q_BROKER=orm) for a worker. A task stays a few "
        "seconds at most; a growing list means no worker cluster is running."
    )


class StudioOutstandingTokenAdmin(SuperuserReadOnlyMixin, OutstandingTokenAdmin):
    pass


class StudioBlacklistedTokenAdmin(SuperuserReadOnlyMixin, BlacklistedTokenAdmin):
    pass


for model, model_admin in (
    (Success, StudioSuccessAdmin),
    (Failure, StudioFailureAdmin),
    (Schedule, StudioScheduleAdmin),
    (OrmQ, StudioQueueAdmin),
    (OutstandingToken, StudioOutstandingTokenAdmin),
    (BlacklistedToken, StudioBlacklistedTokenAdmin),
):
    if admin.site.is_registered(model):  # django-q2 lists its queue only with the ORM broker
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
