"""The per-user storage quota: originals, thumbnails, trash and job inputs all occupy storage,
so all count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import status

from config.errors import ApplicationError
from gallery.selectors import StorageUsage, storage_quota_bytes, storage_usage

if TYPE_CHECKING:
    from accounts.models import User


class StorageQuotaExceeded(ApplicationError):
    """409: the account's state, not the request, is the problem; freeing space and sending the
    same request again succeeds (413 would say the body is too big, 403 that it is not allowed)."""

    code = "storage_quota_exceeded"
    status_code = status.HTTP_409_CONFLICT


def _mb(value: int) -> str:
    return f"{value / (1024 * 1024):.1f} MB"


def gallery_quota_check(*, user: User, incoming_bytes: int) -> StorageUsage | None:
    """Refuse new content for a user at or over their quota.

    `incoming_bytes` is what the request would add (0 for a job: its result size is unknown, so
    a job is refused once the quota is reached, and a job already accepted always keeps its
    result even if that takes the user over).
    """
    quota = storage_quota_bytes(user=user)
    if quota is None:
        return None  # unlimited: no need to add anything up
    usage = storage_usage(user=user)
    if usage.used_bytes < quota and usage.used_bytes + incoming_bytes <= quota:
        return usage
    needs = f" This needs {_mb(incoming_bytes)} more." if incoming_bytes else ""
    raise StorageQuotaExceeded(
        f"Your gallery uses {_mb(usage.used_bytes)} ({usage.used_bytes} bytes) of your "
        f"{_mb(quota)} ({quota} bytes) storage quota, trash, thumbnails and job inputs included.{needs} "
        f"Delete images and empty the trash to free space, then try again.",
        extra={"used_bytes": usage.used_bytes, "quota_bytes": quota},
    )
