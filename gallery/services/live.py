"""Gallery changes in the event outbox (accounts/events.py), in the transaction of the change:
one event per action and owner (a bulk trash of 50 images is one `image.trashed`), then the
owner's storage usage as the usage endpoint shows it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.events import event_publish
from gallery.selectors import storage_usage


def images_changed_publish(*, type: str, owner_images: Iterable[tuple[int, UUID]]) -> None:
    """`type` (image.created, image.trashed, image.restored, image.deleted) for (owner, image) pairs."""
    by_owner: dict[int, list[UUID]] = defaultdict(list)
    for owner_id, image_id in owner_images:
        by_owner[owner_id].append(image_id)
    for owner_id, ids in by_owner.items():
        event_publish(
            user_id=owner_id,
            type=type,
            object_type="image",
            object_id=str(ids[0]) if len(ids) == 1 else "",
            payload={"ids": ids},
        )
        usage_changed_publish(user_id=owner_id)


def usage_changed_publish(*, user_id: int) -> None:
    user = get_user_model().objects.only("id", "storage_quota_mb").get(pk=user_id)
    usage = storage_usage(user=user)
    event_publish(
        user_id=user_id,
        type="usage.changed",
        object_type="usage",
        payload={
            "used_bytes": usage.used_bytes,
            "quota_bytes": usage.quota_bytes,
            "available_bytes": usage.available_bytes,
            "is_over_quota": usage.is_over_quota,
            "images": {"active": usage.active_images, "trash": usage.trash_images},
            "trash_retention_days": settings.TRASH_RETENTION_DAYS,
        },
    )
