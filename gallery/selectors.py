from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from config.errors import NotFound
from gallery.models import Image


def image_get(*, user, image_id) -> Image:
    """The user's own image; anyone else's id is simply not found."""
    image = Image.objects.filter(pk=image_id, owner=user).first()
    if image is None:
        raise NotFound("Image not found.")
    return image


def images_for_jobs(*, job_ids: Iterable[UUID]) -> dict[UUID, list[Image]]:
    """Result images per job in one query (active and trashed: a job's result stays a fact)."""
    ids = list(job_ids)
    found: dict[UUID, list[Image]] = defaultdict(list)
    if not ids:
        return found
    rows = (Image.objects.filter(job_id__in=ids)
            .only("id", "job_id", "width", "height", "format", "position", "deleted_at")
            .order_by("job_id", "position"))
    for image in rows:
        found[image.job_id].append(image)
    return found
