from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_schedules(sender, **kwargs) -> None:
    """Events older than EVENT_RETENTION_HOURS are swept every hour (django-q2 schedule)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="accounts.events_sweep",
        defaults={
            "func": "accounts.tasks.accounts_events_sweep",
            "schedule_type": Schedule.HOURLY,
            "repeats": -1,
        },
    )


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        import accounts.schema  # noqa: F401 - registers the OpenAPI extension of our JWT class
        from accounts.backends import login_failed_receiver

        user_login_failed.connect(login_failed_receiver, dispatch_uid="accounts.login_failed")
        post_migrate.connect(_install_schedules, sender=self)
