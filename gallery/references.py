"""Files in the gallery's storage folders that other apps reference.

The gallery must not import other apps, so an app that keeps references to files inside the
gallery's folders (GALLERY_ORPHAN_PREFIXES) registers a check here, from its AppConfig.ready():

    from gallery.references import register_reference_check
    register_reference_check(lambda names: set(MyModel.objects.filter(file__in=names)
                                               .values_list("file", flat=True)))

A check receives a batch of storage names and returns those it references; the orphan-file
command never removes them (generation registers its JobInput rows: a file under inputs/ that no
kept input names is an orphan). Folders outside GALLERY_ORPHAN_PREFIXES are never scanned at all.

Files another app keeps for a user count toward the user's storage quota the same way: the app
registers a usage source, which receives user ids and returns the bytes it keeps per user id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ReferenceCheck = Callable[[list[str]], Iterable[str]]
UsageSource = Callable[[list[int]], dict[int, int]]

_checks: list[ReferenceCheck] = []
_usage_sources: list[UsageSource] = []


def register_reference_check(check: ReferenceCheck) -> ReferenceCheck:
    if check not in _checks:
        _checks.append(check)
    return check


def unregister_reference_check(check: ReferenceCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def referenced_elsewhere(names: list[str]) -> set[str]:
    found: set[str] = set()
    for check in list(_checks):
        found.update(check(names))
    return found


def register_usage_source(source: UsageSource) -> UsageSource:
    if source not in _usage_sources:
        _usage_sources.append(source)
    return source


def bytes_kept_elsewhere(owner_ids: list[int]) -> dict[int, int]:
    """Bytes other apps keep per owner (owners with none are left out)."""
    found: dict[int, int] = {}
    for source in list(_usage_sources):
        for owner_id, used in source(owner_ids).items():
            found[owner_id] = found.get(owner_id, 0) + used
    return found
