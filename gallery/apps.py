from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_schedules(sender, **kwargs) -> None:
    """The trash sweep runs every hour on whatever cluster is up (django-q2 schedule)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="gallery.trash_sweep",
        defaults={
            "func": "gallery.tasks.gallery_trash_sweep",
            "schedule_type": Schedule.HOURLY,
            "repeats": -1,
        },
    )


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from gallery.imaging import decode_budget_end, decode_budget_start

        post_migrate.connect(_install_schedules, sender=self)
        request_started.connect(decode_budget_start, dispatch_uid="gallery.decode_budget_start")
        request_finished.connect(decode_budget_end, dispatch_uid="gallery.decode_budget_end")
