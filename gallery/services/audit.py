"""The audit log of staff looks at users' images and of what staff did to them."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.utils import timezone

from gallery.models import AuditLog

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def _username(user_id: int | None) -> str:
    if user_id is None:
        return ""
    return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first() or ""


# The ids kept in one audit row; a bigger selection keeps its total beside them.
AUDITED_IDS_MAX = 1000


def audit_image_ids(image_ids: Collection[UUID]) -> dict[str, Any]:
    """The selection an action was asked for, as audit filters: its ids (up to a limit) and total."""
    ids = [str(i) for i in list(image_ids)[:AUDITED_IDS_MAX]]
    return {"image_ids": ids, "image_total": len(image_ids)}


def audit_start(
    *, actor: User | AnonymousUser | None, action: str, target_user_id: int | None, filters: dict[str, Any]
) -> AuditLog:
    return AuditLog.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", ""),
        action=action,
        target_user_id=target_user_id,
        target_username=_username(target_user_id),
        filters=filters,
    )


def audit_finish(
    entry: AuditLog, *, image_count: int, byte_count: int = 0, detail: dict[str, Any] | None = None
) -> None:
    entry.image_count, entry.byte_count = image_count, byte_count
    entry.detail, entry.finished_at = detail or {}, timezone.now()
    entry.save(update_fields=["image_count", "byte_count", "detail", "finished_at"])


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target_user_id: int | None,
    filters: dict[str, Any],
    image_count: int,
    target_username: str | None = None,
) -> AuditLog:
    """A finished look at images, in one INSERT."""
    now = timezone.now()
    return AuditLog.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", ""),
        action=action,
        target_user_id=target_user_id,
        target_username=target_username if target_username is not None else _username(target_user_id),
        filters=filters,
        image_count=image_count,
        created_at=now,
        finished_at=now,
    )
