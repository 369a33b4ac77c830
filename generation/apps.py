from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_schedules(sender, **kwargs) -> None:
    """The reconciler runs every minute and the input retention sweep every hour, on whatever
    cluster is up (django-q2 schedules)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="generation.reconcile",
        defaults={
            "func": "generation.tasks.generation_jobs_reconcile",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name="generation.inputs_sweep",
        defaults={
            "func": "generation.tasks.generation_job_inputs_sweep",
            "schedule_type": Schedule.HOURLY,
            "repeats": -1,
        },
    )


def _task_process_sample(sender, **kwargs) -> None:
    """A task process's CPU and memory in /metrics (role="task"), after each task it ran."""
    from config.metrics import process_sample

    process_sample("task")


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation jobs"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker

        from config.memory import release_after_task
        from gallery.references import register_reference_check, register_usage_source
        from generation.services.retention import job_inputs_bytes, job_inputs_referenced

        post_migrate.connect(_install_schedules, sender=self)
        post_execute_in_worker.connect(release_after_task, dispatch_uid="studio.release_after_task")
        post_execute_in_worker.connect(_task_process_sample, dispatch_uid="studio.task_process_sample")
        register_reference_check(job_inputs_referenced)
        register_usage_source(job_inputs_bytes)
