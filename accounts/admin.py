from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "max_queued_jobs",
                    "max_concurrent_jobs", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Job limits", {"fields": ("max_queued_jobs", "max_concurrent_jobs"),
                        "description": "Leave empty to use the global defaults."}),
    )
