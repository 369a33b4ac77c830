"""Files in the gallery's storage folders that other apps reference.

The gallery must not import other apps, so an app that keeps references to files inside the
gallery's folders (GALLERY_ORPHAN_PREFIXES) registers a check here, from its AppConfig.ready():

    from gallery.references import register_reference_check
    register_reference_check(lambda names: set(MyModel.objects.filter(file__in=names)
                                               .values_list("file", flat=True)))

A check receives a batch of storage names and returns those it references; the orphan-file
command never removes them. Folders outside GALLERY_ORPHAN_PREFIXES (job inputs under inputs/,
whose references are generation's JobInput rows) are never scanned at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ReferenceCheck = Callable[[list[str]], Iterable[str]]

_checks: list[ReferenceCheck] = []


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
