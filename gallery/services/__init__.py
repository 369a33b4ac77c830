"""The gallery's writes: its public surface for other apps (generation stores results here)."""

from gallery.services.images import (
    BulkResult,
    gallery_file_store,
    gallery_files_delete,
    image_add,
    image_create,
    image_restore,
    image_trash,
    images_restore,
    images_staff_set_trashed,
    images_trash,
)
from gallery.services.orphans import OrphanReport, storage_orphans_sweep
from gallery.services.purge import PurgeReport, trash_purge
from gallery.services.quota import StorageQuotaExceeded, gallery_quota_check

__all__ = [
    "BulkResult",
    "OrphanReport",
    "PurgeReport",
    "StorageQuotaExceeded",
    "gallery_file_store",
    "gallery_files_delete",
    "gallery_quota_check",
    "image_add",
    "image_create",
    "image_restore",
    "image_trash",
    "images_restore",
    "images_staff_set_trashed",
    "images_trash",
    "storage_orphans_sweep",
    "trash_purge",
]
