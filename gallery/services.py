from __future__ import annotations

import uuid
from uuid import UUID

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from gallery.imaging import PreparedImage
from gallery.models import Image


def gallery_file_store(*, prepared: PreparedImage, folder: str) -> str:
    """Write bytes under a random name (never a user's) and return the storage name."""
    now = timezone.now()
    name = f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}.{prepared.extension}"
    return default_storage.save(name, ContentFile(prepared.data))


def gallery_files_delete(*, names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def image_create(*, owner, prepared: PreparedImage, source: str, prompt: str = "",
                 job_id: UUID | None = None, position: int = 0,
                 file_name: str | None = None) -> Image:
    """Create a gallery image. With `file_name` the bytes are already in storage."""
    name = file_name or gallery_file_store(prepared=prepared, folder="images")
    image = Image(
        owner=owner, file=name, width=prepared.width, height=prepared.height,
        format=prepared.format, size_bytes=len(prepared.data), sha256=prepared.sha256,
        source=source, prompt=prompt[:4000], job_id=job_id, position=position,
    )
    image.full_clean()
    image.save()
    return image
