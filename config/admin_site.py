from django.contrib import admin


class StudioAdminSite(admin.AdminSite):
    site_header = "PPL Studio"
    site_title = "PPL Studio admin"
    index_title = "PPL Studio administration"
    site_url = "/"  # the web app

    def index(self, request, extra_context=None):
        """The app list, and for operators (who may see jobs) the operations dashboard above it."""
        extra_context = dict(extra_context or {})
        if request.user.has_perm("generation.view_job"):
            from generation.dashboard import dashboard_get

            extra_context["dashboard"] = dashboard_get()
        return super().index(request, extra_context)


class SuperuserReadOnlyMixin:
    """For internal bookkeeping models: superusers may look, nobody edits, other staff do not
    see them."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
