"""Importing templates: from a CSV file (seed 003's data.csv path) or a folder of HTML files.

CSV columns (header names are case-insensitive; aliases in brackets):
    html          [template_html, template, content, html_template]    required
    block_type    [type, block, concept, section]                       required (aliases: hero, intro,
                                                                        features, spec, usage, faq, cta, …)
    name          [title, template_name]                                default: category + block + row
    category      [category_slug, category_name]                        slug or name; default --category
    slots         JSON slot schema                                      default: inferred from the HTML
    description, metadata (JSON object), thumbnail_url [thumbnail], is_active (true/false/1/0/yes/no)

A folder holds NAME.html files, taken in name order. Each file's fields (the same names as the
CSV columns) come from a sidecar NAME.json or a JSON front-matter block at the top of the file:

    ---
    {"name": "Hero", "block_type": "Introduction", "slots": {"title": {"type": "text"}}}
    ---
    <section>…{{ title }}…</section>

Without a category, the folder's name is used as the category slug. Every row is validated as
the admin would (slots against HTML); the import is all-or-nothing unless skip_invalid.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from templates_app.models import BlockType, Category, Template
from templates_app.rendering import TemplateSyntaxError, slots_infer
from templates_app.services import template_create, template_set_create, template_update

ALIASES = {
    "html": ("html", "template_html", "template", "content", "html_template"),
    "block_type": ("block_type", "type", "block", "concept", "section"),
    "name": ("name", "title", "template_name"),
    "category": ("category", "category_slug", "category_name"),
    "slots": ("slots",),
    "description": ("description",),
    "metadata": ("metadata",),
    "thumbnail_url": ("thumbnail_url", "thumbnail"),
    "is_active": ("is_active", "active"),
}
BLOCK_ALIASES = {
    BlockType.INTRODUCTION: ("introduction", "intro", "hero", "overview", "header", "main"),
    BlockType.KEY_FEATURES: (
        "keyfeatures",
        "features",
        "feature",
        "highlights",
        "benefits",
        "points",
        "특징",
    ),
    BlockType.SPECS: ("specs", "spec", "specifications", "specification", "details", "info", "사양", "스펙"),
    BlockType.HOW_TO_USE: ("howtouse", "howto", "usage", "use", "directions", "steps", "사용법", "사용방법"),
    BlockType.REVIEWS: ("reviews", "review", "testimonials", "후기", "리뷰"),
    BlockType.FAQ: ("faq", "faqs", "qna", "qa", "questions", "질문"),
    BlockType.CALL_TO_ACTION: ("calltoaction", "cta", "purchase", "buy", "closing", "구매"),
    BlockType.STORY: ("story", "brand", "about"),
    BlockType.GALLERY: ("gallery", "images", "photos"),
    BlockType.COMPARISON: ("comparison", "compare", "versus", "비교"),
}
_FRONT_MATTER = re.compile(r"^\ufeff?---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass
class ImportRow:
    source: str  # "data.csv row 3", "hero.html"
    fields: dict


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    template_ids: list[int] = field(default_factory=list)
    set_name: str = ""


def block_type_of(value: str) -> str | None:
    """A block type from its name or a common alias ("key features", "cta", "hero", "사용법")."""
    words = re.split(r"[\s_\-]+", (value or "").strip().lower())
    for key in ("".join(words), *words):
        for block_type, aliases in BLOCK_ALIASES.items():
            if key == block_type.lower() or key in aliases:
                return block_type
    return None


def _found(raw: dict, name: str) -> object:
    """The row's value of `name` under any of its aliases (column names trimmed, any case); None
    when it is missing or empty. A CSV cell is text; a JSON row may hold objects and booleans."""
    lowered = {str(k).strip().lower(): v for k, v in raw.items() if k is not None}
    for alias in ALIASES[name]:
        value = lowered.get(alias)
        if value not in (None, ""):
            return value
    return None


def _field(raw: dict, name: str) -> str:
    """The row's value of `name` as text ("" when missing)."""
    value = _found(raw, name)
    return "" if value is None else str(value)


def _json_field(raw: dict, name: str) -> dict | str:
    """A JSON object given as one (a JSON row) or as its text (a CSV cell); "" when missing."""
    value = _found(raw, name)
    if isinstance(value, dict):
        return value
    return "" if value is None else str(value)


class _TemplateFields(TypedDict):
    name: str
    block_type: str
    html: str
    slots: dict[str, Any]
    description: str
    metadata: dict[str, Any]
    thumbnail_url: str
    is_active: bool


def _json_object(value: dict | str, what: str) -> dict:
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc.msg}).")
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a JSON object.")
    return data


def rows_from_csv(text: str, *, source: str = "CSV") -> list[ImportRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {str(h).strip().lower() for h in reader.fieldnames or []}
    if not headers & set(ALIASES["html"]):
        raise ValueError(f"{source} has no HTML column (one of: {', '.join(ALIASES['html'])}).")
    return [
        ImportRow(source=f"{source} row {number}", fields=row) for number, row in enumerate(reader, start=2)
    ]


def rows_from_folder(folder: Path) -> list[ImportRow]:
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder.")
    rows = []
    for path in sorted(folder.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        fields: dict = {}
        sidecar = path.with_suffix(".json")
        front = _FRONT_MATTER.match(text)
        if front:
            fields = _json_object(front.group(1), f"{path.name} front matter")
            text = text[front.end() :]
        elif sidecar.exists():
            fields = _json_object(sidecar.read_text(encoding="utf-8"), sidecar.name)
        fields = {**fields, "html": text}
        stem = re.sub(r"^\d+[\s_\-.]*", "", path.stem) or path.stem  # "01-hero" → "hero"
        fields.setdefault("name", stem.replace("_", " ").replace("-", " ").strip().capitalize())
        fields.setdefault("block_type", stem)
        fields.setdefault("category", folder.name)
        rows.append(ImportRow(source=path.name, fields=fields))
    if not rows:
        raise ValueError(f"{folder} has no .html files.")
    return rows


ZIP_MAX_FILES = 500
ZIP_MAX_BYTES = 20 * 1024 * 1024


def rows_from_zip(data: bytes, *, source: str = "upload.zip") -> list[ImportRow]:
    """A zip of one folder (or of its files), read as rows_from_folder reads the folder; the
    category defaults to the folder's name (or the zip's, when the files are at its top level)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{source} is not a zip file.")
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith((".html", ".json"))
        and not any(part.startswith((".", "__MACOSX")) for part in info.filename.split("/"))
    ]
    if not any(info.filename.lower().endswith(".html") for info in members):
        raise ValueError(f"{source} has no .html files.")
    folders = {info.filename.rpartition("/")[0] for info in members}
    if len(folders) > 1:
        raise ValueError(f"{source} holds several folders ({', '.join(sorted(folders))}); zip one folder.")
    if len(members) > ZIP_MAX_FILES or sum(info.file_size for info in members) > ZIP_MAX_BYTES:
        raise ValueError(f"{source} is too big (at most {ZIP_MAX_FILES} files, {ZIP_MAX_BYTES:,} bytes).")
    name = (folders.pop() if folders else "").rpartition("/")[2] or Path(source).stem
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / (slugify(name) or "imported")
        folder.mkdir()
        for info in members:  # by base name only: nothing is written outside the folder
            (folder / Path(info.filename).name).write_bytes(archive.read(info))
        rows = rows_from_folder(folder)
    for row in rows:
        if row.fields.get("category") == folder.name:
            row.fields["category"] = name
    return rows


def rows_from_upload(name: str, data: bytes) -> list[ImportRow]:
    """Rows from an uploaded file: a .zip of a folder, else a UTF-8 CSV."""
    if name.lower().endswith(".zip"):
        return rows_from_zip(data, source=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text.")
    return rows_from_csv(text, source=name)


def _category(value: str, *, default: str | None, create: bool) -> Category:
    wanted = (value or default or "").strip()
    if not wanted:
        raise ValueError("no category (give a category column or --category).")
    category = (
        Category.objects.filter(slug=wanted).first()
        or Category.objects.filter(name__iexact=wanted).first()
        or Category.objects.filter(slug=slugify(wanted)).first()
    )
    if category is None:
        if not create:
            raise ValueError(f"no category '{wanted}' (use --create-categories to create it).")
        category = Category(slug=slugify(wanted)[:50] or "imported", name=wanted[:100])
        category.full_clean()
        category.save()
    return category


def _import_row(
    row: ImportRow,
    *,
    user,
    default_category: str | None,
    create_categories: bool,
    update: bool,
    report: ImportReport,
) -> None:
    raw = row.fields
    html = _field(raw, "html")
    if not html.strip():
        raise ValueError("the HTML is empty.")
    block_value = _field(raw, "block_type")
    block_type = block_type_of(block_value)
    if block_type is None:
        raise ValueError(f"unknown block type '{block_value}' (use one of: {', '.join(BlockType.values)}).")
    category = _category(_field(raw, "category"), default=default_category, create=create_categories)
    slots_value = _json_field(raw, "slots")
    try:
        slots = _json_object(slots_value, "slots") if slots_value else slots_infer(html)
    except TemplateSyntaxError as exc:
        raise ValueError(str(exc))
    is_active = _field(raw, "is_active")
    data: _TemplateFields = {
        "name": (_field(raw, "name") or f"{category.name} {block_type} ({row.source})")[:200],
        "block_type": block_type,
        "html": html,
        "slots": slots,
        "description": _field(raw, "description"),
        "metadata": {
            **_json_object(_json_field(raw, "metadata"), "metadata"),
            "imported_from": row.source,
        },
        "thumbnail_url": _field(raw, "thumbnail_url"),
        "is_active": is_active == "" or str(is_active).strip().lower() not in ("false", "0", "no", "off"),
    }
    existing = Template.objects.filter(category=category, name=data["name"]).first()
    if existing is not None:
        if not update:
            report.skipped.append(f"{row.source}: '{data['name']}' exists in {category.slug} (use --update).")
            return
        template_update(template=existing, user=user, data={**data})
        report.updated.append(f"{row.source}: {data['name']}")
        report.template_ids.append(existing.pk)
        return
    template = template_create(user=user, category=category, **data)
    report.created.append(f"{row.source}: {template.name}")
    report.template_ids.append(template.pk)


def templates_import(
    *,
    rows: list[ImportRow],
    user=None,
    default_category: str | None = None,
    create_categories: bool = False,
    update: bool = False,
    skip_invalid: bool = False,
    set_name: str = "",
    set_default: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Create (or with `update`, revise) templates from rows; optionally a set of them in row order.

    All or nothing: any invalid row fails the import unless `skip_invalid`; `dry_run` validates
    everything against the database and then rolls back."""
    report = ImportReport()
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    _import_row(
                        row,
                        user=user,
                        default_category=default_category,
                        create_categories=create_categories,
                        update=update,
                        report=report,
                    )
            except ValidationError as exc:
                report.errors.append(
                    f"{row.source}: "
                    + " ".join(f"{key}: {' '.join(messages)}" for key, messages in exc.message_dict.items())
                    if hasattr(exc, "error_dict")
                    else f"{row.source}: {' '.join(exc.messages)}"
                )
            except ValueError as exc:
                report.errors.append(f"{row.source}: {exc}")
        if set_name and report.template_ids and not (report.errors and not skip_invalid):
            categories = set(
                Template.objects.filter(pk__in=report.template_ids).values_list("category", flat=True)
            )
            if len(categories) != 1:
                report.errors.append("a set needs templates of one category; these span several.")
            else:
                template_set_create(
                    name=set_name,
                    category=Category.objects.get(pk=categories.pop()),
                    is_default=set_default,
                    template_ids=report.template_ids,
                    description="Imported",
                )
                report.set_name = set_name
        if dry_run or (report.errors and not skip_invalid):
            transaction.set_rollback(True)
    return report
