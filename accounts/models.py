from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models


class User(AbstractUser):
    """A platform user. Empty limits fall back to the global settings."""

    max_queued_jobs = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Jobs this user may have waiting at once. Empty: MAX_PER_USER_QUEUE.",
    )
    max_concurrent_jobs = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Jobs this user may have running at once. Empty: MAX_PER_USER_CONCURRENT.",
    )
    storage_quota_mb = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Gallery storage in MB (originals, thumbnails and trash); 0 means unlimited. "
        "Empty: STORAGE_QUOTA_MB.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_concurrent_jobs__isnull=True) | models.Q(max_concurrent_jobs__gte=1),
                name="user_max_concurrent_jobs_at_least_one",
            ),
        ]


class Event(models.Model):
    """The outbox of user-visible changes, written in the transaction of each change and streamed
    by /api/v1/events (accounts/streams.py). Ids grow monotonically; clients resume by id."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40)
    object_type = models.CharField(max_length=16)  # job | image | usage | queue
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"], name="event_user_id"),
            models.Index(fields=["object_type", "object_id", "id"], name="event_object"),
            models.Index(fields=["created_at"], name="event_created_at"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.type} {self.object_type}:{self.object_id}"
