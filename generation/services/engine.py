"""The job engine's public surface: dispatch (fair claims), submit, poll, finalize, time out,
reconcile. Each step lives in its own module; tasks, views and tests use this one.

Exactly one paid provider call per job:
- a job is claimed queued → running by compare-and-set, so a second delivery does nothing;
- the submit is guarded by the pending → submitting stage change, and the provider's
  reference is stored the moment the call returns, before anything waits on it;
- a job found `submitting` by the reconciler (its worker died mid-call) is never sent again
  to a paid provider: when its submit named it in a webhook URL, the provider's callback
  recovers it (up to WEBHOOK_RECOVERY_SECONDS); otherwise it fails with a clear message.
Waiting on providers holds no task process: the engine process (generation/engine/) dispatches,
sends every claimed job to its provider, polls every in-flight job and writes product pages from
one asyncio loop while it holds its lease; task processes run finalize and the reconciler, and
dispatch and submit only while no engine is alive.
"""

from generation.services.dispatch import jobs_dispatch
from generation.services.finalize import job_finalize
from generation.services.polling import job_apply_provider_update, jobs_poll_due
from generation.services.reconcile import ReconcileReport, jobs_reconcile, jobs_time_out
from generation.services.submit import job_provider_cancel, job_submit
from generation.services.wakeups import engine_lease_acquire, engine_lease_release

__all__ = [
    "ReconcileReport",
    "engine_lease_acquire",
    "engine_lease_release",
    "job_apply_provider_update",
    "job_finalize",
    "job_provider_cancel",
    "job_submit",
    "jobs_dispatch",
    "jobs_poll_due",
    "jobs_reconcile",
    "jobs_time_out",
]
