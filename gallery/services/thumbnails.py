"""Thumbnails for images stored before thumbnails existed."""

from __future__ import annotations

import logging

from config.errors import InvalidInput
from gallery.imaging import image_thumbnail
from gallery.models import Image
from gallery.services.images import gallery_file_store, gallery_files_delete

logger = logging.getLogger(__name__)


def thumbnails_backfill(*, limit: int) -> tuple[int, int]:
    """Returns (made, unreadable). A row updated by someone else meanwhile keeps its thumbnail."""
    made = failed = 0
    for image in Image.objects.filter(thumbnail="", purging_at__isnull=True).only("id", "file")[:limit]:
        try:
            with image.file.open("rb") as handle:
                thumbnail = image_thumbnail(handle.read())
        except (InvalidInput, OSError):
            logger.warning("no thumbnail for unreadable image %s", image.id)
            failed += 1
            continue
        name = gallery_file_store(prepared=thumbnail, folder="thumbs")
        if Image.objects.filter(pk=image.pk, thumbnail="").update(
            thumbnail=name, thumbnail_bytes=len(thumbnail.data)
        ):
            made += 1
        else:
            gallery_files_delete(names=[name])
    return made, failed
