"""Writing images: files in storage, rows, uploads and imports, trash and restore."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.errors import NotFound
from gallery.imaging import PreparedImage, image_thumbnail
from gallery.models import Image
from gallery.services.live import images_changed_publish
from gallery.services.quota import gallery_quota_check

if TYPE_CHECKING:
    from accounts.models import User


def gallery_file_store(*, prepared: PreparedImage, folder: str) -> str:
    """Write bytes under a random name (never a user's) and return the storage name."""
    now = timezone.now()
    name = f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}.{prepared.extension}"
    return default_storage.save(name, ContentFile(prepared.data))


def gallery_files_delete(*, names: Iterable[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def image_create(
    *,
    owner: User,
    prepared: PreparedImage,
    source: str,
    prompt: str = "",
    job_id: UUID | None = None,
    position: int = 0,
    file_name: str | None = None,
    thumbnail: PreparedImage | None = None,
    thumbnail_name: str | None = None,
) -> Image:
    """Create a gallery image with its thumbnail.

    With `file_name` the bytes are already in storage (the caller owns that file); with
    `thumbnail` and `thumbnail_name` the thumbnail too. What this function writes itself it
    removes again if the row cannot be saved.
    """
    written: list[str] = []
    try:
        if file_name is None:
            file_name = gallery_file_store(prepared=prepared, folder="images")
            written.append(file_name)
        if thumbnail_name is None:
            thumbnail = image_thumbnail(prepared.data)
            thumbnail_name = gallery_file_store(prepared=thumbnail, folder="thumbs")
            written.append(thumbnail_name)
        image = Image(
            owner=owner,
            file=file_name,
            thumbnail=thumbnail_name,
            width=prepared.width,
            height=prepared.height,
            format=prepared.format,
            size_bytes=len(prepared.data),
            thumbnail_bytes=len(thumbnail.data) if thumbnail else 0,
            sha256=prepared.sha256,
            source=source,
            prompt=prompt[:4000],
            job_id=job_id,
            position=position,
        )
        image.full_clean()
        with transaction.atomic():
            image.save(force_insert=True)
            images_changed_publish(type="image.created", owner_images=[(image.owner_id, image.id)])
    except BaseException:
        gallery_files_delete(names=written)
        raise
    return image


def image_add(*, owner: User, prepared: PreparedImage, source: str, prompt: str = "") -> Image:
    """A user's own picture (an upload or an import) into their gallery, within their quota.

    The quota is checked before any file is written (a quick refusal), then again under a lock
    on the user's row together with the insert, so two simultaneous uploads cannot both take
    the last free megabytes. Files are written outside the transaction and removed on failure.
    """
    gallery_quota_check(user=owner, incoming_bytes=len(prepared.data))
    thumbnail = image_thumbnail(prepared.data)
    names = [
        gallery_file_store(prepared=prepared, folder="images"),
        gallery_file_store(prepared=thumbnail, folder="thumbs"),
    ]
    try:
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
            gallery_quota_check(user=owner, incoming_bytes=len(prepared.data) + len(thumbnail.data))
            return image_create(
                owner=owner,
                prepared=prepared,
                source=source,
                prompt=prompt,
                file_name=names[0],
                thumbnail=thumbnail,
                thumbnail_name=names[1],
            )
    except BaseException:
        gallery_files_delete(names=names)
        raise


# --- trash and restore ------------------------------------------------------------------------


@dataclass
class BulkResult:
    changed: list[UUID] = field(default_factory=list)
    unchanged: list[UUID] = field(default_factory=list)  # already in the asked-for state
    not_found: list[UUID] = field(default_factory=list)  # unknown, or someone else's: the same


def images_trash(*, user: User, image_ids: Iterable[UUID]) -> BulkResult:
    """Move the user's images to the trash. Other users' ids are reported as not found."""
    return _set_state(Image.objects.visible_to(user), image_ids=image_ids, trash=True)


def images_restore(*, user: User, image_ids: Iterable[UUID]) -> BulkResult:
    """Bring the user's images back from the trash (not those a purge has already claimed)."""
    return _set_state(Image.objects.visible_to(user), image_ids=image_ids, trash=False)


def images_staff_set_trashed(*, image_ids: Iterable[UUID], trash: bool) -> BulkResult:
    """Staff (Django admin actions): trash or restore anyone's images."""
    return _set_state(Image.objects.filter(purging_at__isnull=True), image_ids=image_ids, trash=trash)


def image_trash(*, user: User, image_id: UUID) -> Image:
    return _single(images_trash, user=user, image_id=image_id)


def image_restore(*, user: User, image_id: UUID) -> Image:
    return _single(images_restore, user=user, image_id=image_id)


def _single(action: Callable[..., BulkResult], *, user: User, image_id: UUID) -> Image:
    if action(user=user, image_ids=[image_id]).not_found:
        raise NotFound("Image not found.")
    return Image.objects.get(pk=image_id)


def _set_state(scope: QuerySet[Image], *, image_ids: Iterable[UUID], trash: bool) -> BulkResult:
    ids = list(dict.fromkeys(image_ids))
    result = BulkResult()
    with transaction.atomic():
        # Locked so the report matches what happened when two requests race on the same ids.
        found = dict(scope.filter(pk__in=ids).select_for_update().values_list("id", "deleted_at"))
        to_change = [i for i in ids if i in found and (found[i] is None) == trash]
        if to_change:
            rows = scope.filter(pk__in=to_change)
            if trash:
                rows.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
            else:
                # The purge's claim and this update exclude each other: a row is either restored
                # here or purged there, never restored with its files gone.
                rows.filter(deleted_at__isnull=False, purging_at__isnull=True).update(deleted_at=None)
            images_changed_publish(
                type="image.trashed" if trash else "image.restored",
                owner_images=rows.values_list("owner_id", "id"),
            )
    for image_id in ids:
        if image_id not in found:
            result.not_found.append(image_id)
        elif image_id in to_change:
            result.changed.append(image_id)
        else:
            result.unchanged.append(image_id)
    return result
