"""Two revisions of a template compared field by field, for the admin's compare page: name and
block type as values, the HTML as numbered diff lines, slots per slot and key, metadata per key."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from templates_app.models import TemplateRevision


@dataclass
class KeyChange:
    key: str
    old: str
    new: str
    status: str  # "added" | "removed" | "changed" | "same"
    details: list[KeyChange] = field(default_factory=list)  # a changed slot: its changed keys


@dataclass
class DiffLine:
    kind: str  # "add" | "del" | "same" | "gap"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass
class FieldChange:
    name: str
    changed: bool
    old: str = ""
    new: str = ""
    keys: list[KeyChange] = field(default_factory=list)  # slots (one per slot) and metadata
    lines: list[DiffLine] = field(default_factory=list)  # the HTML


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _keys(old: dict, new: dict) -> list[KeyChange]:
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
    changes = []
    for key in [*old, *(key for key in new if key not in old)]:
        status = (
            "added"
            if key not in old
            else "removed"
            if key not in new
            else "same"
            if old[key] == new[key]
            else "changed"
        )
        change = KeyChange(key, _text(old.get(key)), _text(new.get(key)), status)
        if status == "changed" and isinstance(old[key], dict) and isinstance(new[key], dict):
            change.details = [detail for detail in _keys(old[key], new[key]) if detail.status != "same"]
        changes.append(change)
    return changes


def _lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)]
                continue
            lines += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2)]
    return lines


def template_revision_changes(*, old: TemplateRevision, new: TemplateRevision) -> list[FieldChange]:
    return [
        FieldChange("Name", old.name != new.name, old.name, new.name),
        FieldChange("Block type", old.block_type != new.block_type, old.block_type, new.block_type),
        FieldChange("HTML", old.html != new.html, lines=_lines(old.html, new.html)),
        FieldChange("Slots", old.slots != new.slots, keys=_keys(old.slots, new.slots)),
        FieldChange("Metadata", old.metadata != new.metadata, keys=_keys(old.metadata, new.metadata)),
    ]
