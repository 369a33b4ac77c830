"""Slot schemas: what a template's named slots may hold, and checking content against them.

A template's `slots` JSON maps a slot name to its declaration:

    {"title":    {"type": "text", "max_length": 80},
     "features": {"type": "list", "max_items": 6, "max_length": 120},
     "specs":    {"type": "pairs"},                 # [{"key": "...", "value": "..."}, ...]
     "faq":      {"type": "qa", "max_items": 5},    # [{"question": "...", "answer": "..."}, ...]
     "image":    {"type": "image"},                 # always optional: filled by the page pipeline
     "cta_url":  {"type": "url", "required": false}}

Optional keys: `required` (default true; image slots are never required), `max_length` (per
text, item, value or answer), `max_items` and `min_items` (list, pairs, qa), `description`
(read by writers and the LLM), `example` (used for previews), `label`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.core.exceptions import ValidationError

SLOT_TYPES = ("text", "rich_text", "list", "image", "url", "number", "pairs", "qa")
LIST_TYPES = frozenset({"list", "pairs", "qa"})
ITEM_FIELDS = {"pairs": ("key", "value"), "qa": ("question", "answer")}
# The first field of a pair or question is short by nature; max_length applies to the second.
FIRST_FIELD_MAX = {"pairs": 80, "qa": 200}
DEFAULT_MAX_LENGTH = {
    "text": 200,
    "rich_text": 2000,
    "list": 200,
    "url": 500,
    "image": 500,
    "pairs": 200,
    "qa": 600,
    "number": 32,
}
DEFAULT_MAX_ITEMS = 8
MAX_SLOTS = 40
SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_NAMES = frozenset({"loop"})
_DECLARATION_KEYS = frozenset(
    {
        "type",
        "required",
        "max_length",
        "max_items",
        "min_items",
        "description",
        "example",
        "label",
        "minimum",
        "maximum",
    }
)
_SAFE_URL = re.compile(
    r"^(https?://[^\s\"'<>]+|/(?!/)[^\s\"'<>]*|#[\w\-]*|mailto:[^\s\"'<>]+"
    r"|tel:[+\d\-() ]+)$",
    re.IGNORECASE,
)
_SAFE_IMAGE_URL = re.compile(r"^(https?://[^\s\"'<>]+|/(?!/)[^\s\"'<>]*)$", re.IGNORECASE)


# --- declarations ---------------------------------------------------------------------------


def slot_type(declaration: dict) -> str:
    return declaration.get("type", "")


def slot_required(declaration: dict) -> bool:
    return slot_type(declaration) != "image" and bool(declaration.get("required", True))


def slot_max_length(declaration: dict) -> int:
    return int(declaration.get("max_length") or DEFAULT_MAX_LENGTH.get(slot_type(declaration), 200))


def slot_max_items(declaration: dict) -> int:
    return int(declaration.get("max_items") or DEFAULT_MAX_ITEMS)


def slot_min_items(declaration: dict) -> int:
    default = 1 if slot_required(declaration) else 0
    return int(declaration.get("min_items", default))


def slots_schema_errors(slots: Any) -> list[str]:
    """Problems with a slot schema itself, as sentences naming the slot."""
    if not isinstance(slots, dict):
        return ["must be a JSON object mapping slot names to declarations."]
    errors: list[str] = []
    if len(slots) > MAX_SLOTS:
        errors.append(f"declares {len(slots)} slots; at most {MAX_SLOTS} are allowed.")
    for name, declaration in slots.items():
        if not SLOT_NAME.match(str(name)) or name in RESERVED_NAMES:
            errors.append(
                f"'{name}' is not a valid slot name (lower-case letters, digits and _, "
                "starting with a letter; 'loop' is reserved)."
            )
            continue
        if not isinstance(declaration, dict):
            errors.append(f'slot \'{name}\' must be declared as an object such as {{"type": "text"}}.')
            continue
        kind = declaration.get("type")
        if kind not in SLOT_TYPES:
            errors.append(f"slot '{name}' has type {kind!r}; use one of: {', '.join(SLOT_TYPES)}.")
            continue
        unknown = sorted(set(declaration) - _DECLARATION_KEYS)
        if unknown:
            errors.append(f"slot '{name}' has unknown keys: {', '.join(unknown)}.")
        for key, low, high in (("max_length", 1, 20_000), ("max_items", 1, 50), ("min_items", 0, 50)):
            value = declaration.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                errors.append(f"slot '{name}': {key} must be a whole number from {low} to {high}.")
        if "required" in declaration and not isinstance(declaration["required"], bool):
            errors.append(f"slot '{name}': required must be true or false.")
        if kind == "image" and declaration.get("required") is True:
            errors.append(
                f"slot '{name}': image slots cannot be required (pages may be made without "
                "images); wrap its use in {% if " + name + " %}."
            )
        if kind not in LIST_TYPES and ("max_items" in declaration or "min_items" in declaration):
            errors.append(f"slot '{name}': max_items and min_items only apply to list, pairs and qa slots.")
        for key in ("description", "label"):
            if key in declaration and not isinstance(declaration[key], str):
                errors.append(f"slot '{name}': {key} must be text.")
        if "example" in declaration and not errors:
            try:
                _clean_value(name, declaration, declaration["example"])
            except ValidationError as exc:
                errors.append(f"slot '{name}': its example is not valid content: {exc.messages[0]}")
    return errors


# --- content --------------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | dict) and not value)
    )


def _text(name: str, value: Any, max_length: int, what: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(f"{what or name} must be text.")
    text = str(value).strip()
    if len(text) > max_length:
        raise ValidationError(
            f"{what or name} is {len(text)} characters long; at most {max_length} are allowed."
        )
    return text


def _items(name: str, declaration: dict, value: Any) -> list:
    kind = slot_type(declaration)
    if kind == "pairs" and isinstance(value, dict):  # {"Weight": "320 g"} reads naturally too
        value = [{"key": key, "value": item} for key, item in value.items()]
    if not isinstance(value, list):
        raise ValidationError(f"{name} must be a list.")
    max_length = slot_max_length(declaration)
    cleaned: list = []
    for index, item in enumerate(value, start=1):
        if kind == "list":
            text = _text(name, item, max_length, f"{name} item {index}")
            if text:
                cleaned.append(text)
            continue
        first, second = ITEM_FIELDS[kind]
        if isinstance(item, list | tuple) and len(item) == 2:
            item = {first: item[0], second: item[1]}
        if not isinstance(item, dict) or set(item) != {first, second}:
            raise ValidationError(
                f"{name} item {index} must be an object with exactly '{first}' and '{second}'."
            )
        head = _text(name, item[first], FIRST_FIELD_MAX[kind], f"{name} item {index} {first}")
        tail = _text(name, item[second], max_length, f"{name} item {index} {second}")
        if head and tail:
            cleaned.append({first: head, second: tail})
        elif head or tail:
            raise ValidationError(f"{name} item {index} needs both '{first}' and '{second}'.")
    max_items, min_items = slot_max_items(declaration), slot_min_items(declaration)
    if len(cleaned) > max_items:
        raise ValidationError(f"{name} has {len(cleaned)} items; at most {max_items} are allowed.")
    if len(cleaned) < min_items:
        raise ValidationError(f"{name} needs at least {min_items} item{'s' if min_items != 1 else ''}.")
    return cleaned


def _clean_value(name: str, declaration: dict, value: Any) -> Any:
    kind = slot_type(declaration)
    if kind in LIST_TYPES:
        return _items(name, declaration, value)
    if kind == "number":
        if isinstance(value, str):
            try:
                value = float(value.replace(",", "").strip())
            except ValueError:
                raise ValidationError(f"{name} must be a number.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(f"{name} must be a number.")
        for key, check, word in (
            ("minimum", lambda v, m: v >= m, "at least"),
            ("maximum", lambda v, m: v <= m, "at most"),
        ):
            if key in declaration and not check(value, declaration[key]):
                raise ValidationError(f"{name} must be {word} {declaration[key]}.")
        return int(value) if float(value).is_integer() else value
    text = _text(name, value, slot_max_length(declaration))
    if kind == "url" and text and not _SAFE_URL.match(text):
        raise ValidationError(
            f"{name} must be an http(s) URL, a path starting with /, #anchor, mailto: or tel:."
        )
    if kind == "image" and text and not _SAFE_IMAGE_URL.match(text):
        raise ValidationError(f"{name} must be an http(s) URL or a path starting with /.")
    return text


def slots_validate_content(*, slots: dict, content: Any) -> dict:
    """Content checked and normalised against a slot schema; ValidationError names each slot."""
    if not isinstance(content, dict):
        raise ValidationError({"content": ["must be a JSON object mapping slot names to values."]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in content:
        if name not in slots:
            errors.setdefault(str(name), []).append(f"'{name}' is not a slot of this template.")
    for name, declaration in slots.items():
        value = content.get(name)
        if _is_blank(value):
            if slot_required(declaration):
                errors.setdefault(name, []).append(f"{name} is required.")
            continue
        try:
            value = _clean_value(name, declaration, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
            continue
        if _is_blank(value):
            if slot_required(declaration):
                errors.setdefault(name, []).append(f"{name} is required.")
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:·-") + "…"


def slots_fit_content(*, slots: dict, content: dict) -> dict:
    """Trim what a writer (an LLM) made too long to the declared limits, before validation.

    Models count characters badly, Korean ones especially; a sentence cut at a word with an
    ellipsis is better than a failed page. Types are not guessed: wrong types stay wrong."""
    fitted: dict[str, Any] = {}
    for name, value in content.items():
        declaration = slots.get(name)
        if declaration is None or value is None:
            fitted[name] = value
            continue
        kind = slot_type(declaration)
        limit = slot_max_length(declaration)
        if kind in ("text", "list") and isinstance(value, str):
            fitted[name] = _shorten(value, limit) if kind == "text" else value
        elif kind == "rich_text" and isinstance(value, str):
            fitted[name] = value if len(value) <= limit else _shorten(re.sub(r"<[^>]*>", " ", value), limit)
        elif kind in LIST_TYPES and isinstance(value, list):
            items = value[: slot_max_items(declaration)]
            if kind == "list":
                items = [_shorten(item, limit) if isinstance(item, str) else item for item in items]
            else:
                first, second = ITEM_FIELDS[kind]
                items = [
                    {
                        first: _shorten(item[first], FIRST_FIELD_MAX[kind])
                        if isinstance(item[first], str)
                        else item[first],
                        second: _shorten(item[second], limit)
                        if isinstance(item[second], str)
                        else item[second],
                    }
                    if isinstance(item, dict) and set(item) == {first, second}
                    else item
                    for item in items
                ]
            fitted[name] = items
        else:
            fitted[name] = value
    return fitted


# --- JSON schema for writers ----------------------------------------------------------------


def _hint(declaration: dict, extra: str) -> str:
    parts = [declaration.get("description", "").strip(), extra]
    return " ".join(part for part in parts if part)


def slots_json_schema(slots: dict) -> dict:
    """The JSON schema an LLM answers for a block: every non-image slot, strict-mode friendly
    (all properties required, optional ones nullable, no additional properties). Length limits are
    stated in descriptions rather than as keywords, which strict servers refuse; the answer is
    fitted and validated afterwards."""
    properties: dict[str, dict] = {}
    for name, declaration in slots.items():
        kind = slot_type(declaration)
        if kind == "image":
            continue
        limit = slot_max_length(declaration)
        optional = not slot_required(declaration)
        if kind in LIST_TYPES:
            count = f"{slot_min_items(declaration) or 1} to {slot_max_items(declaration)} items"
            if kind == "list":
                items: dict = {"type": "string"}
                hint = f"{count}, each at most {limit} characters of plain text."
            else:
                first, second = ITEM_FIELDS[kind]
                items = {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [first, second],
                    "properties": {first: {"type": "string"}, second: {"type": "string"}},
                }
                hint = (
                    f"{count}; {first} at most {FIRST_FIELD_MAX[kind]} characters, {second} at most {limit}."
                )
            prop: dict = {
                "type": ["array", "null"] if optional else "array",
                "items": items,
                "description": _hint(declaration, hint),
            }
        elif kind == "number":
            prop = {
                "type": ["number", "null"] if optional else "number",
                "description": _hint(declaration, "A number."),
            }
        else:
            what = {
                "url": "An http(s) URL, or null when the product information gives none.",
                "rich_text": f"At most {limit} characters; only <b>, <i>, <br> markup.",
            }.get(kind, f"Plain text, at most {limit} characters.")
            prop = {
                "type": ["string", "null"] if optional else "string",
                "description": _hint(declaration, what),
            }
        properties[name] = prop
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


# --- sample content (previews) ----------------------------------------------------------------

_SAMPLE_TEXT = {
    "text": "Sample text for {name}",
    "rich_text": "Sample <b>rich</b> text for {name}.",
    "url": "#",
    "number": 4.8,
}


def slots_sample_content(slots: dict, *, image_url: str = "") -> dict:
    """Content for a preview: each slot's `example`, else a placeholder of the right shape."""
    sample: dict[str, Any] = {}
    for name, declaration in slots.items():
        kind = slot_type(declaration)
        if "example" in declaration:
            sample[name] = declaration["example"]
        elif kind == "image":
            if image_url:
                sample[name] = image_url
        elif kind == "list":
            count = min(3, slot_max_items(declaration))
            sample[name] = [
                f"{declaration.get('label') or name.replace('_', ' ').capitalize()} {n}"
                for n in range(1, count + 1)
            ]
        elif kind == "pairs":
            sample[name] = [
                {"key": f"Key {n}", "value": f"Value {n}"}
                for n in range(1, min(3, slot_max_items(declaration)) + 1)
            ]
        elif kind == "qa":
            sample[name] = [
                {"question": f"Question {n}?", "answer": f"Answer {n}."}
                for n in range(1, min(2, slot_max_items(declaration)) + 1)
            ]
        else:
            value = _SAMPLE_TEXT.get(kind, "{name}")
            sample[name] = value.format(name=name.replace("_", " ")) if isinstance(value, str) else value
        if isinstance(sample.get(name), str):
            sample[name] = sample[name][: slot_max_length(declaration)]
    return sample
