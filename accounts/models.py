from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models


class User(AbstractUser):
    """A platform user. Empty limits fall back to the global settings."""

    max_queued_jobs = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Jobs this user may have waiting at once. Empty: MAX_PER_USER_QUEUE.",
    )
    max_concurrent_jobs = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Jobs this user may have running at once. Empty: MAX_PER_USER_CONCURRENT.",
    )
    storage_quota_mb = models.PositiveIntegerField(
        null=True, blank=True,
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
