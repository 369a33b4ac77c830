"""Reading the gallery: a user's own images, an admin's review of anyone's, and storage usage."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum

from config.errors import NotFound
from gallery.models import ACTIVE, TRASHED, Image
from gallery.references import bytes_kept_elsewhere

if TYPE_CHECKING:
    from accounts.models import User

# The columns a list row shows. Lists are read as dicts (values()): a third of the cost of model
# instances per row, measured, and all an API row needs.
LIST_FIELDS = (
    "id",
    "owner_id",
    "width",
    "height",
    "format",
    "size_bytes",
    "sha256",
    "source",
    "prompt",
    "job_id",
    "created_at",
    "deleted_at",
)


def image_get(*, user: User, image_id: UUID | str) -> Image:
    """The user's own image (active or in the trash); anyone else's id is simply not found."""
    image: Image | None = Image.objects.visible_to(user).filter(pk=image_id).first()
    if image is None:
        raise NotFound("Image not found.")
    return image


def image_get_any(*, image_id: UUID | str) -> Image:
    """Any user's image, for staff review."""
    image = Image.objects.select_related("owner").filter(pk=image_id).first()
    if image is None:
        raise NotFound("Image not found.")
    return image


def images_for_jobs(*, job_ids: Iterable[UUID]) -> dict[UUID, list[Image]]:
    """Result images per job in one query (active and trashed: a job's result stays a fact)."""
    ids = list(job_ids)
    found: dict[UUID, list[Image]] = defaultdict(list)
    if not ids:
        return found
    rows = (
        Image.objects.filter(job_id__in=ids)
        .only("id", "job_id", "width", "height", "format", "position", "deleted_at")
        .order_by("job_id", "position")
    )
    for image in rows:
        if image.job_id is not None:  # always: the filter is on job_id
            found[image.job_id].append(image)
    return found


def images_for_jobs_and_owned(
    *, job_ids: Iterable[UUID], user: User, image_ids: Iterable[UUID]
) -> tuple[dict[UUID, list[Image]], set[UUID]]:
    """The result images per job (as images_for_jobs), and which of `image_ids` are the user's own
    images (active or in the trash), in one query: a job list reads both."""
    job_ids, image_ids = list(job_ids), list(image_ids)
    found: dict[UUID, list[Image]] = defaultdict(list)
    owned: set[UUID] = set()
    if not job_ids and not image_ids:
        return found, owned
    wanted = Q(job_id__in=job_ids) | Q(pk__in=image_ids, owner=user, purging_at__isnull=True)
    rows = (
        Image.objects.filter(wanted)
        .only("id", "owner_id", "job_id", "width", "height", "format", "position", "deleted_at", "purging_at")
        .order_by("job_id", "position")
    )
    job_set = set(job_ids)
    for image in rows:
        if image.job_id in job_set:
            found[image.job_id].append(image)
        if image.pk in image_ids and image.owner_id == user.pk and image.purging_at is None:
            owned.add(image.pk)
    return found, owned


def image_data_urls(*, user: User, image_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The user's own images among `image_ids` as data: URLs, read from storage (any backend),
    for documents that must show them without a session (a downloaded product page). An image
    whose file is missing is left out."""
    found: dict[UUID, str] = {}
    ids = list(image_ids)
    if not ids:
        return found
    for image in Image.objects.visible_to(user).filter(pk__in=ids).only("id", "file", "format"):
        try:
            with image.file.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, OSError):
            continue
        found[image.id] = f"data:{image.content_type};base64,{base64.b64encode(data).decode('ascii')}"
    return found


def _created_between(
    images: QuerySet[Image], created_from: datetime | None, created_before: datetime | None
) -> QuerySet[Image]:
    if created_from is not None:
        images = images.filter(created_at__gte=created_from)
    if created_before is not None:
        images = images.filter(created_at__lt=created_before)
    return images


def image_list(
    *,
    user: User,
    trash: bool = False,
    source: str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Image, dict[str, Any]]:
    """The user's gallery (or trash) as dict rows, newest first: served by image_owner_active/_trash."""
    images: QuerySet[Image] = Image.objects.visible_to(user).filter(TRASHED if trash else ACTIVE)
    if source:
        images = images.filter(source=source)
    images = _created_between(images, created_from, created_before)
    rows: QuerySet[Image, dict[str, Any]] = images.order_by("-created_at", "-id").values(*LIST_FIELDS)
    return rows


INCLUDE_STATES = {"active": ACTIVE, "deleted": TRASHED, "all": Q()}


def admin_image_list(
    *,
    owner_id: int | None = None,
    include: str = "active",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Image, dict[str, Any]]:
    """Any user's images as dict rows for staff review, newest first, rows being purged included."""
    images: QuerySet[Image] = Image.objects.filter(INCLUDE_STATES[include])
    if owner_id is not None:
        images = images.filter(owner_id=owner_id)
    images = _created_between(images, created_from, created_before)
    # No join to the owners here: with OFFSET paging the database would join every skipped row.
    rows: QuerySet[Image, dict[str, Any]] = images.order_by("-created_at", "-id").values(*LIST_FIELDS)
    return rows


# --- storage usage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageUsage:
    used_bytes: int
    quota_bytes: int | None  # None: unlimited
    active_images: int
    trash_images: int

    @property
    def available_bytes(self) -> int | None:
        return None if self.quota_bytes is None else max(0, self.quota_bytes - self.used_bytes)

    @property
    def is_over_quota(self) -> bool:
        return self.quota_bytes is not None and self.used_bytes >= self.quota_bytes


def storage_quota_bytes(*, user: User) -> int | None:
    """The user's override if set, else STORAGE_QUOTA_MB; 0 means unlimited (None)."""
    megabytes = user.storage_quota_mb if user.storage_quota_mb is not None else settings.STORAGE_QUOTA_MB
    return megabytes * 1024 * 1024 or None


def storage_usage(*, user: User) -> StorageUsage:
    """Bytes of originals and thumbnails, active and trash, in one query over the owner's index,
    plus what other apps keep for the user (job inputs)."""
    totals = Image.objects.filter(owner=user).aggregate(
        used=Sum(F("size_bytes") + F("thumbnail_bytes")),
        active=Count("id", filter=ACTIVE),
        trash=Count("id", filter=TRASHED),
    )
    used = (totals["used"] or 0) + bytes_kept_elsewhere([user.pk]).get(user.pk, 0)
    return StorageUsage(
        used_bytes=used,
        quota_bytes=storage_quota_bytes(user=user),
        active_images=totals["active"],
        trash_images=totals["trash"],
    )


def storage_used_by_owners(*, owner_ids: Iterable[int]) -> dict[int, int]:
    """Bytes used (originals, thumbnails, trash, job inputs) per owner: a page of a user list."""
    ids = list(owner_ids)
    if not ids:
        return {}
    rows = (
        Image.objects.filter(owner_id__in=ids)
        .values("owner_id")
        .annotate(used=Sum(F("size_bytes") + F("thumbnail_bytes")))
        .order_by()
    )
    used = {row["owner_id"]: row["used"] or 0 for row in rows}
    for owner_id, kept in bytes_kept_elsewhere(ids).items():
        used[owner_id] = used.get(owner_id, 0) + kept
    return used


@dataclass(frozen=True)
class StorageTotals:
    used_bytes: int
    images: int
    trash_bytes: int
    trash_images: int
    top_owners: list[tuple[int, int]]  # (owner id, bytes used), largest first


def storage_totals(*, top: int = 5) -> StorageTotals:
    """Storage over every user: totals, the trash, and who uses most, in one pass over the images
    (grouped by owner; the sums of the groups are the totals). Seconds at a million images:
    callers cache the answer."""
    used = F("size_bytes") + F("thumbnail_bytes")
    rows = list(
        Image.objects.values("owner_id")
        .order_by()
        .annotate(
            used=Sum(used),
            images=Count("id"),
            trash=Sum(used, filter=TRASHED),
            trash_images=Count("id", filter=TRASHED),
        )
        .values_list("owner_id", "used", "images", "trash", "trash_images")
    )
    largest = sorted(rows, key=lambda row: row[1] or 0, reverse=True)[:top]
    return StorageTotals(
        used_bytes=sum(row[1] or 0 for row in rows),
        images=sum(row[2] for row in rows),
        trash_bytes=sum(row[3] or 0 for row in rows),
        trash_images=sum(row[4] for row in rows),
        top_owners=[(owner, used or 0) for owner, used, *_ in largest],
    )
