from django.contrib.admin.apps import AdminConfig


class StudioAdminConfig(AdminConfig):
    """The Django admin with PPL Studio's site (branding, the operations dashboard) and the
    project-level model admins: those that join apps (users with their gallery usage) or adjust
    third-party apps (django-q2, the token blacklist)."""

    default_site = "config.admin_site.StudioAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin module first
        import config.admin  # noqa: F401
