from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User
from gallery.selectors import storage_usage


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "max_queued_jobs",
                    "max_concurrent_jobs", "storage_quota_mb", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    readonly_fields = ("storage_usage",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Limits", {"fields": ("max_queued_jobs", "max_concurrent_jobs", "storage_quota_mb", "storage_usage"),
                    "description": "Leave empty to use the global defaults."}),
    )

    @admin.display(description="Gallery storage used")
    def storage_usage(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        usage = storage_usage(user=obj)
        quota = "unlimited" if usage.quota_bytes is None else f"{usage.quota_bytes / 2**20:,.0f} MB"
        return (f"{usage.used_bytes / 2**20:,.1f} MB of {quota} — {usage.active_images} image(s), "
                f"{usage.trash_images} in the trash (thumbnails and trash count)")
