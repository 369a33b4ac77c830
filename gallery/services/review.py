"""Staff review of any user's images: listed, counted without a full scan, and audited; the
Django admin's trash, restore and purge of a selection, audited with whose images they were."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, QuerySet, Sum

from config.pagination import Page, count_bounded, paginate
from gallery.models import ACTIVE, TRASHED, AuditLog, Image
from gallery.selectors import admin_image_list
from gallery.services.audit import audit_image_ids, audit_record
from gallery.services.images import BulkResult, images_staff_set_trashed
from gallery.services.purge import PurgeReport, trash_purge

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

PLAN_OWNERS_SHOWN = 20


@dataclass(frozen=True)
class ReviewPage:
    page: Page
    usernames: dict[int, str]  # the owners of the rows on this page
    count: int | None  # None on cursor pages: a cursor client follows next_cursor
    count_is_exact: bool | None


def admin_images_review(
    *,
    actor: User | AnonymousUser,
    owner: User | None = None,
    include: str = "active",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    page_params: dict[str, Any],
    filters: dict[str, Any],
) -> ReviewPage:
    """One page of the review list. Every call is written to the audit log (who, which user,
    which filters, how many rows were shown)."""
    images = admin_image_list(
        owner_id=owner.pk if owner else None,
        include=include,
        created_from=created_from,
        created_before=created_before,
    )
    page = paginate(images, page_params)
    usernames = dict(
        get_user_model()
        .objects.filter(pk__in={row["owner_id"] for row in page.items})
        .values_list("id", "username")
    )
    count = exact = None
    if not page_params.get("cursor"):
        count, exact = count_bounded(images, exact_limit=settings.ADMIN_LIST_EXACT_COUNT_LIMIT)
    audit_record(
        actor=actor,
        action=AuditLog.Action.IMAGES_LIST,
        target_user_id=owner.pk if owner else None,
        target_username=owner.username if owner else "",
        filters=filters,
        image_count=len(page.items),
    )
    return ReviewPage(page=page, usernames=usernames, count=count, count_is_exact=exact)


def admin_image_view(*, actor: User | AnonymousUser, image: Image) -> Image:
    """A staff member opens another user's image file: recorded."""
    if image.owner_id != actor.pk:
        audit_record(
            actor=actor,
            action=AuditLog.Action.IMAGE_VIEW,
            target_user_id=image.owner_id,
            target_username=image.owner.username,
            filters={"image_id": str(image.id)},
            image_count=1,
        )
    return image


@dataclass(frozen=True)
class OwnerShare:
    user_id: int
    username: str
    images: int
    bytes: int


@dataclass(frozen=True)
class PurgePlan:
    """What purging a selection would remove, before anything is removed."""

    images: int
    bytes: int
    owners: list[OwnerShare]  # the biggest first, at most PLAN_OWNERS_SHOWN
    owner_count: int
    skipped_active: int  # selected but not in the trash: a purge never touches them


def admin_purge_plan(*, images: QuerySet[Image]) -> PurgePlan:
    per_owner = (
        images.filter(TRASHED)
        .order_by()
        .values("owner_id", "owner__username")
        .annotate(n=Count("id"), b=Sum(F("size_bytes") + F("thumbnail_bytes")))
        .order_by("-b", "owner_id")
    )
    shares = [
        OwnerShare(
            user_id=row["owner_id"], username=row["owner__username"], images=row["n"], bytes=row["b"] or 0
        )
        for row in per_owner
    ]
    return PurgePlan(
        images=sum(s.images for s in shares),
        bytes=sum(s.bytes for s in shares),
        owners=shares[:PLAN_OWNERS_SHOWN],
        owner_count=len(shares),
        skipped_active=images.filter(ACTIVE).order_by().count(),
    )


def admin_images_purge(
    *, actor: User | AnonymousUser, images: QuerySet[Image], budget_seconds: float | None = None
) -> tuple[PurgeReport, int]:
    """Purge the trashed images of an admin's selection, as (report, active images skipped).
    Audited with the selected ids and their owner (or owners)."""
    rows = list(images.filter(TRASHED).order_by().values_list("id", "owner_id", "owner__username"))
    owners = _owners(rows)
    target = next(iter(owners)) if len(owners) == 1 else None
    report = trash_purge(
        older_than=timedelta(0),
        owner_id=target,
        image_ids=[row[0] for row in rows],
        actor=actor,
        filters={"via": "django admin", "owners": owners},
        budget_seconds=budget_seconds,
    )
    return report, images.filter(ACTIVE).order_by().count()


def admin_images_set_trashed(
    *, actor: User | AnonymousUser, images: QuerySet[Image], trash: bool
) -> BulkResult:
    """Trash (or restore) an admin's selection; what changed is audited with its owner(s)."""
    result = images_staff_set_trashed(image_ids=list(images.values_list("id", flat=True)), trash=trash)
    if result.changed:
        rows = Image.objects.filter(pk__in=result.changed).values_list("id", "owner_id", "owner__username")
        owners = _owners(list(rows))
        target = next(iter(owners)) if len(owners) == 1 else None
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRASH if trash else AuditLog.Action.RESTORE,
            target_user_id=target,
            target_username=owners[target] if target is not None else "",
            filters={"via": "django admin", "owners": owners, **audit_image_ids(result.changed)},
            image_count=len(result.changed),
        )
    return result


def _owners(rows: list[tuple[UUID, int, str]]) -> dict[int, str]:
    """{owner id: username} of (image id, owner id, username) rows, the most images first."""
    counts = Counter((owner_id, username) for _, owner_id, username in rows)
    return {owner_id: username for (owner_id, username), _ in counts.most_common()}
