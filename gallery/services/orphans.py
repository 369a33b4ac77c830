"""Files in the gallery's storage folders that no row references (left by a crash between a
file write and its row, a deleted user, or a hand-made copy): found, reported, removed on request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from gallery.models import Image
from gallery.references import referenced_elsewhere

logger = logging.getLogger(__name__)

_BATCH = 500


@dataclass
class OrphanReport:
    scanned: int = 0
    orphans: list[tuple[str, int]] = field(default_factory=list)  # (name, size in bytes)
    too_young: int = 0  # unreferenced but recent: maybe a job's result about to get its row
    removed: int = 0

    @property
    def orphan_bytes(self) -> int:
        return sum(size for _, size in self.orphans)


def _walk(prefix: str) -> Iterator[str]:
    if hasattr(default_storage, "list_all"):
        # Azure's listdir returns the whole tree below `prefix` at once, as full blob names
        # (the storage's location included): the names are taken from there instead.
        location: str = getattr(default_storage, "location", "").strip("/")  # Storage has none in its type
        for name in sorted(default_storage.list_all(prefix)):
            yield name.removeprefix(f"{location}/") if location else name
        return
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{prefix.rstrip('/')}/{name}"
    for folder in sorted(folders):
        yield from _walk(f"{prefix.rstrip('/')}/{folder}")


def _unreferenced(names: list[str]) -> list[str]:
    known: set[str] = set()
    for file_name, thumbnail_name in Image.objects.filter(
        Q(file__in=names) | Q(thumbnail__in=names)
    ).values_list("file", "thumbnail"):
        known.update((file_name, thumbnail_name))
    candidates = [n for n in names if n not in known]
    if candidates:
        known |= referenced_elsewhere(candidates)
    return [n for n in names if n not in known]


def storage_orphans_sweep(
    *, remove: bool = False, min_age: timedelta = timedelta(hours=1), prefixes: list[str] | None = None
) -> OrphanReport:
    """Scan the gallery's folders; with `remove`, delete the orphans older than `min_age`.

    Young files are left alone: a job writes its result file before the row that names it.
    """
    report = OrphanReport()
    cutoff = timezone.now() - min_age
    for prefix in prefixes or settings.GALLERY_ORPHAN_PREFIXES:
        batch: list[str] = []
        for name in _walk(prefix):
            batch.append(name)
            if len(batch) >= _BATCH:
                _judge(batch, report, cutoff, remove)
                batch = []
        if batch:
            _judge(batch, report, cutoff, remove)
    return report


def _judge(names: list[str], report: OrphanReport, cutoff: datetime, remove: bool) -> None:
    report.scanned += len(names)
    for name in _unreferenced(names):
        if default_storage.get_modified_time(name) > cutoff:
            report.too_young += 1
            continue
        report.orphans.append((name, default_storage.size(name)))
        if remove:
            # Checked again just before: a row may have appeared since the batch was judged.
            if not _unreferenced([name]):
                report.orphans.pop()
                continue
            default_storage.delete(name)
            report.removed += 1
            logger.info("orphan file removed: %s", name)
