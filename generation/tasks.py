"""django-q2 tasks: thin wrappers that take ids and call one service. They only kick work;
the Job row is the truth, and the reconciler repairs whatever a lost task leaves behind."""

from uuid import UUID

from generation.services import engine


def generation_jobs_dispatch() -> None:
    engine.jobs_dispatch()


def generation_job_submit(job_id: str) -> None:
    engine.job_submit(job_id=UUID(job_id))


def generation_job_finalize(job_id: str) -> None:
    engine.job_finalize(job_id=UUID(job_id))


def generation_job_provider_cancel(job_id: str) -> None:
    engine.job_provider_cancel(job_id=UUID(job_id))


def generation_jobs_reconcile() -> None:
    engine.jobs_reconcile()
