from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_schedules(sender, **kwargs) -> None:
    """The reconciler runs every minute on whatever cluster is up (django-q2 schedule)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="generation.reconcile",
        defaults={"func": "generation.tasks.generation_jobs_reconcile",
                  "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation jobs"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker

        from config.memory import release_after_task

        post_migrate.connect(_install_schedules, sender=self)
        post_execute_in_worker.connect(release_after_task, dispatch_uid="studio.release_after_task")
