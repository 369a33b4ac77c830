"""Purging the trash for good: files first, then rows, checked, counted once, audited.

A purge claims the rows it is about to remove (`purging_at`), so a restore can no longer bring
them back; then deletes their files; then checks in storage that each file is really gone;
and only then deletes the rows whose files are gone. A crash anywhere leaves claimed rows
behind, which the next purge (any purge, including the hourly sweep) finishes: deleting a
missing file is a no-op, and a row is counted only by the run whose DELETE removed it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.files.storage import default_storage
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from gallery.models import TRASHED, AuditLog, Image
from gallery.services.audit import audit_finish, audit_image_ids, audit_start
from gallery.services.live import images_changed_publish

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
_REPORTED_FILES = 20


@dataclass
class PurgeReport:
    dry_run: bool
    images: int = 0
    bytes: int = 0
    files_deleted: int = 0
    files_remaining: list[str] = field(default_factory=list)  # still in storage after the purge
    complete: bool = True  # False: the time budget ran out; the rest waits for the next run
    audit_id: int | None = None

    @property
    def verified(self) -> bool:
        """The files of every purged row were checked in storage and are gone."""
        return not self.dry_run and not self.files_remaining


def _candidates(
    *, older_than: timedelta, owner_id: int | None, image_ids: list[UUID] | None
) -> QuerySet[Image]:
    cutoff = timezone.now() - older_than
    # Claimed rows are always included, whatever their age: an earlier purge promised them.
    images = Image.objects.filter(TRASHED).filter(Q(deleted_at__lte=cutoff) | Q(purging_at__isnull=False))
    if owner_id is not None:
        images = images.filter(owner_id=owner_id)
    if image_ids is not None:
        images = images.filter(pk__in=image_ids)
    return images


def trash_purge(
    *,
    older_than: timedelta,
    owner_id: int | None = None,
    image_ids: list[UUID] | None = None,
    dry_run: bool = False,
    actor: User | AnonymousUser | None = None,
    action: str = AuditLog.Action.PURGE,
    filters: dict[str, Any] | None = None,
    budget_seconds: float | None = None,
) -> PurgeReport:
    """Remove trashed images older than `older_than` (of one owner, or of these ids).

    Never touches an active image: rows are selected, claimed and deleted only while in the
    trash, and the database refuses a claim on an active row (image_purging_only_in_trash).
    """
    candidates = _candidates(older_than=older_than, owner_id=owner_id, image_ids=image_ids)
    report = PurgeReport(dry_run=dry_run)
    audit_filters = {"older_than_days": older_than.days, **(filters or {})}
    if image_ids is not None:
        audit_filters.update(audit_image_ids(image_ids))
    if dry_run:
        totals = candidates.aggregate(n=Count("id"), b=Sum(F("size_bytes") + F("thumbnail_bytes")))
        report.images, report.bytes = totals["n"], totals["b"] or 0
        entry = audit_start(
            actor=actor, action=AuditLog.Action.PURGE_DRY_RUN, target_user_id=owner_id, filters=audit_filters
        )
        audit_finish(entry, image_count=report.images, byte_count=report.bytes, detail={"dry_run": True})
        report.audit_id = entry.id
        return report

    # A sweep that finds nothing leaves no record; an admin's purge always does, from the start,
    # so an interrupted one is visible as unfinished.
    audit = (
        None
        if action == AuditLog.Action.SWEEP
        else audit_start(actor=actor, action=action, target_user_id=owner_id, filters=audit_filters)
    )
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    stuck: set[UUID] = set()  # rows whose files would not go; left claimed for the next run
    while True:
        batch = list(candidates.exclude(pk__in=stuck).order_by().values_list("id", flat=True)[:BATCH_SIZE])
        if not batch:
            break
        stuck |= _purge_batch(candidates, batch, report)
        if deadline is not None and time.monotonic() > deadline:
            report.complete = not candidates.exclude(pk__in=stuck).exists()
            break
    if audit is None and (report.images or report.files_remaining):
        audit = audit_start(actor=actor, action=action, target_user_id=owner_id, filters=audit_filters)
    if audit is not None:
        audit_finish(
            audit,
            image_count=report.images,
            byte_count=report.bytes,
            detail={
                "files_deleted": report.files_deleted,
                "verified": report.verified,
                "files_remaining": report.files_remaining[:_REPORTED_FILES],
                "complete": report.complete,
            },
        )
        report.audit_id = audit.id
    if report.files_remaining:
        logger.error(
            "purge left %d file(s) in storage",
            len(report.files_remaining),
            extra={"files": report.files_remaining[:_REPORTED_FILES]},
        )
    return report


def _purge_batch(candidates: QuerySet[Image], batch: list[UUID], report: PurgeReport) -> set[UUID]:
    # The claim re-applies the selection, so a row restored (or trashed again, later) since it
    # was selected is not claimed.
    candidates.filter(pk__in=batch, purging_at__isnull=True).update(purging_at=timezone.now())
    rows = list(
        Image.objects.filter(pk__in=batch, purging_at__isnull=False).values_list(
            "id", "file", "thumbnail", "size_bytes", "thumbnail_bytes", "owner_id"
        )
    )
    stuck: set[UUID] = set()
    deleted_images = []
    for image_id, file_name, thumbnail_name, size_bytes, thumbnail_bytes, owner_id in rows:
        names = [n for n in (file_name, thumbnail_name) if n]
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:
                logger.exception("could not delete %s", name)
        remaining = [n for n in names if default_storage.exists(n)]
        if remaining:
            report.files_remaining.extend(remaining)
            stuck.add(image_id)
            continue
        # Counted only by the run whose DELETE removes the row: a concurrent or repeated purge
        # that finds it gone counts nothing.
        deleted, _ = Image.objects.filter(pk=image_id, purging_at__isnull=False).delete()
        if deleted:
            deleted_images.append((owner_id, image_id))
            report.images += 1
            report.bytes += size_bytes + thumbnail_bytes
            report.files_deleted += len(names)
    images_changed_publish(type="image.deleted", owner_images=deleted_images)
    return stuck
