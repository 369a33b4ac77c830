"""django-q2 tasks: thin wrappers that take ids and call one service. They only kick work;
the Job row is the truth, and the reconciler repairs whatever a lost task leaves behind."""

from datetime import timedelta
from uuid import UUID

from django.conf import settings

from generation.services import engine
from generation.services.retention import job_inputs_expire


def generation_jobs_dispatch() -> None:
    # Enqueued only while no engine holds its lease (a live engine dispatches itself).
    engine.jobs_dispatch()


def generation_job_submit(job_id: str) -> None:
    # The path without a live engine (dispatch or the reconciler found none); the engine sends
    # the jobs it finds pending itself, and the pending → submitting step keeps it to one call.
    engine.job_submit(job_id=UUID(job_id))


def generation_job_finalize(job_id: str) -> None:
    engine.job_finalize(job_id=UUID(job_id))


def generation_job_provider_cancel(job_id: str) -> None:
    engine.job_provider_cancel(job_id=UUID(job_id))


def generation_jobs_reconcile() -> None:
    engine.jobs_reconcile()


def generation_job_inputs_sweep() -> None:
    # Under Q_TIMEOUT: whatever is left waits for the next hourly run.
    job_inputs_expire(
        older_than=timedelta(days=settings.JOB_INPUT_RETENTION_DAYS), budget_seconds=settings.Q_TIMEOUT * 0.6
    )
