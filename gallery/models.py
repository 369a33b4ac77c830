import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Image(models.Model):
    """An image a user owns: a job result, an upload or an import. Files live in storage."""

    class Source(models.TextChoices):
        PPL = "ppl", "PPL image"
        GOODS = "goods", "Goods mock-up"
        EDIT = "edit", "Prompt edit"
        UPLOAD = "upload", "Upload"
        IMPORT = "import", "Import"
        PAGE = "page", "Product page"

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        JPEG = "jpeg", "JPEG"
        WEBP = "webp", "WebP"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8, choices=Format.choices)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=Source.choices)
    prompt = models.TextField(blank=True)
    # The job that made the image, if any. No foreign key: the gallery knows nothing of jobs.
    job_id = models.UUIDField(null=True, blank=True, db_index=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The owner's gallery, newest first, active only: the list endpoint's keyset.
            models.Index(fields=["owner", "-created_at", "-id"], name="image_owner_active",
                         condition=models.Q(deleted_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.width}×{self.height} ({self.id})"

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"

    @property
    def extension(self) -> str:
        return "jpg" if self.format == self.Format.JPEG else self.format
