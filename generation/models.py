import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    TIMED_OUT = "timed_out", "Timed out"


class JobStage(models.TextChoices):
    """Where a running job is. Lets the reconciler tell a lost task from a slow one."""

    NONE = "", "—"
    PENDING = "pending", "Claimed, not yet sent to the provider"
    SUBMITTING = "submitting", "Being sent to the provider"
    WAITING = "waiting", "Waiting on the provider"
    FINALIZING = "finalizing", "Storing the result"


class JobKind(models.TextChoices):
    PPL = "ppl", "PPL image"
    GOODS = "goods", "Goods mock-up"
    EDIT = "edit", "Prompt edit"
    PAGE = "page", "Product page"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
TERMINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.TIMED_OUT)

# The one transition table. Terminal states are final.
# running → queued: a create that surely did not reach the provider (it was down) waits again;
# queued → timed_out: such a job reaches its deadline while still waiting for the provider.
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset(
        {JobStatus.RUNNING, JobStatus.CANCELED, JobStatus.FAILED, JobStatus.TIMED_OUT}
    ),
    JobStatus.RUNNING: frozenset(
        {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.TIMED_OUT, JobStatus.QUEUED}
    ),
}


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=16, choices=JobStage.choices, default=JobStage.NONE, blank=True)
    params = models.JSONField(default=dict)
    # Edits: the LLM's English version of the prompt, with the detected language and a note.
    translation = models.JSONField(null=True, blank=True)
    # NULL, not "", when absent: the unique constraint only covers real keys.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)
    # The X-Request-ID of the HTTP request that created the job; every job event logs it.
    request_id = models.CharField(max_length=64, blank=True)
    retried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    provider_ref = models.CharField(max_length=255, blank=True)
    provider_state = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the retention sweep removed the input files (JOB_INPUT_RETENTION_DAYS after the end);
    # the JobInput rows stay as the record of what was sent.
    inputs_expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(status__in=ACTIVE_STATUSES) | Q(finished_at__isnull=False),
                name="job_finished_has_finished_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.RUNNING) | Q(started_at__isnull=False),
                name="job_running_has_started_at",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                name="job_idempotency_key_unique",
                condition=Q(idempotency_key__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="job_user_newest"),
            # The dispatcher's FIFO scan and queue positions touch waiting jobs only.
            models.Index(fields=["created_at"], name="job_queued_fifo", condition=Q(status="queued")),
            # Fair dispatch asks when each waiting user's last job started.
            models.Index(
                fields=["user", "-started_at"],
                name="job_user_last_start",
                condition=Q(started_at__isnull=False),
            ),
            models.Index(
                fields=["user", "status"],
                name="job_user_active",
                condition=Q(status__in=["queued", "running"]),
            ),
            models.Index(
                fields=["next_check_at"], name="job_due_polls", condition=Q(status="running", stage="waiting")
            ),
            # Recent durations per kind and provider feed the ETA.
            models.Index(
                fields=["kind", "provider", "-finished_at"],
                name="job_recent_success",
                condition=Q(status="succeeded"),
            ),
            # The admin's job list order and date drill-down, and the dashboard's jobs per hour.
            models.Index(fields=["-created_at", "-id"], name="job_newest"),
            # The dashboard's windows over finished jobs: failures, waits and durations of the last day.
            models.Index(
                fields=["-finished_at"], name="job_finished_newest", condition=Q(finished_at__isnull=False)
            ),
            # The admin's search by request id (the id in a log line).
            models.Index(fields=["request_id"], name="job_request_id", condition=~Q(request_id="")),
            # The input retention sweep: finished jobs whose inputs are still stored, oldest first.
            models.Index(
                fields=["finished_at"],
                name="job_inputs_kept",
                condition=Q(finished_at__isnull=False, inputs_expired_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


class JobInput(models.Model):
    """An input image of a job, validated and normalised, in private storage."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="inputs")
    role = models.CharField(max_length=32)  # the API field name: input_image_1, character_image, …
    file = models.FileField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "role"], name="job_input_role_unique")]

    def __str__(self) -> str:
        return f"{self.role} of {self.job_id}"


class EngineLease(models.Model):
    """Coordination rows for the engine: who polls providers, whether a dispatch is pending.

    `expires_at` is a lease (a crashed holder loses it by itself); `requested_at` coalesces
    wake-ups so a burst of a thousand submissions enqueues one dispatch task, not a thousand.
    """

    name = models.CharField(max_length=32, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
