"""Staff review of any user's images: listed, counted without a full scan, and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from config.pagination import Page, count_bounded, paginate_newest_first
from gallery.models import AuditLog, Image
from gallery.selectors import admin_image_list
from gallery.services.audit import audit_record


@dataclass(frozen=True)
class ReviewPage:
    page: Page
    usernames: dict[int, str]  # the owners of the rows on this page
    count: int | None  # None on cursor pages: a cursor client follows next_cursor
    count_is_exact: bool | None


def admin_images_review(*, actor, owner=None, include: str = "active", created_from: datetime | None = None,
                        created_before: datetime | None = None, page_params: dict,
                        filters: dict) -> ReviewPage:
    """One page of the review list. Every call is written to the audit log (who, which user,
    which filters, how many rows were shown)."""
    images = admin_image_list(owner_id=owner.pk if owner else None, include=include,
                              created_from=created_from, created_before=created_before)
    page = paginate_newest_first(images, page_params)
    usernames = dict(get_user_model().objects.filter(pk__in={row["owner_id"] for row in page.items})
                     .values_list("id", "username"))
    count = exact = None
    if not page_params.get("cursor"):
        count, exact = count_bounded(images, exact_limit=settings.ADMIN_LIST_EXACT_COUNT_LIMIT)
    audit_record(actor=actor, action=AuditLog.Action.IMAGES_LIST, target_user_id=owner.pk if owner else None,
                 target_username=owner.username if owner else "", filters=filters,
                 image_count=len(page.items))
    return ReviewPage(page=page, usernames=usernames, count=count, count_is_exact=exact)


def admin_image_view(*, actor, image: Image) -> Image:
    """A staff member opens another user's image file: recorded."""
    if image.owner_id != actor.pk:
        audit_record(actor=actor, action=AuditLog.Action.IMAGE_VIEW, target_user_id=image.owner_id,
                     target_username=image.owner.username, filters={"image_id": str(image.id)},
                     image_count=1)
    return image
