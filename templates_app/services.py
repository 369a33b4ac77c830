"""Catalogue writes: categories, templates (with a revision per save), template sets.

Every write invalidates the catalogue cache (signals do it too, for the admin and any other
path); template saves always go through `template_save`, which records the revision.
"""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.errors import Conflict, InvalidInput
from templates_app.cache import catalogue_cache_invalidate
from templates_app.models import (
    CONTENT_MANAGERS,
    Category,
    Template,
    TemplateRevision,
    TemplateSet,
    TemplateSetItem,
)

if TYPE_CHECKING:
    from accounts.models import User

TEMPLATE_FIELDS = (
    "category",
    "name",
    "block_type",
    "description",
    "html",
    "slots",
    "thumbnail_url",
    "metadata",
    "is_active",
)
_SNAPSHOT_FIELDS = ("name", "block_type", "html", "slots", "metadata")


# --- categories ------------------------------------------------------------------------------


def category_create(*, slug: str, name: str, description: str = "") -> Category:
    if Category.objects.filter(slug=slug).exists():
        raise Conflict(
            f"A category with the slug '{slug}' already exists.",
            code="category_exists",
            fields={"slug": ["is already taken."]},
        )
    category = Category(slug=slug, name=name, description=description)
    category.full_clean()
    category.save()
    return category


# --- templates -------------------------------------------------------------------------------


def _snapshot_changed(template: Template, revision: TemplateRevision | None) -> bool:
    if revision is None:
        return True
    return any(getattr(template, name) != getattr(revision, name) for name in _SNAPSHOT_FIELDS)


def template_save(*, template: Template, user: User | None = None, note: str = "") -> Template:
    """Validate and save a template as it is in memory, recording a revision when its HTML,
    slots, metadata, name or block type changed. The one write path for templates."""
    template.full_clean()
    with transaction.atomic():
        if template.pk:
            # The row lock orders concurrent saves, so revision numbers never collide.
            current = (
                Template.objects.select_for_update()
                .filter(pk=template.pk)
                .values_list("revision", flat=True)
                .first()
            )
            template.revision = current or 0
        latest = template.revisions.order_by("-number").first() if template.pk else None
        record = _snapshot_changed(template, latest)
        if record:
            template.revision += 1
        template.updated_at = timezone.now()
        if template.pk:
            # usage_count is left out: it only moves by F() updates when pages are stored.
            template.save(update_fields=[*TEMPLATE_FIELDS, "revision", "updated_at"])
        else:
            template.save()
        if record:
            TemplateRevision.objects.create(
                template=template,
                number=template.revision,
                name=template.name,
                block_type=template.block_type,
                html=template.html,
                slots=template.slots,
                metadata=template.metadata,
                created_by=user if getattr(user, "pk", None) else None,
                note=note[:200],
            )
    catalogue_cache_invalidate()
    return template


def template_create(
    *,
    user: User | None,
    category: Category,
    name: str,
    block_type: str,
    html: str,
    slots: dict[str, Any],
    description: str = "",
    metadata: dict[str, Any] | None = None,
    thumbnail_url: str = "",
    is_active: bool = True,
) -> Template:
    template = Template(
        category=category,
        name=name,
        block_type=block_type,
        html=html,
        slots=slots,
        description=description,
        metadata=metadata or {},
        thumbnail_url=thumbnail_url,
        is_active=is_active,
    )
    return template_save(template=template, user=user, note="Created")


def template_update(*, template: Template, user: User | None, data: dict[str, Any]) -> Template:
    """Change the given fields (a PUT passes all of them, a PATCH some)."""
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        setattr(template, name, value)
    return template_save(template=template, user=user)


def template_delete(*, template: Template) -> None:
    sets = list(TemplateSet.objects.filter(items__template=template).values_list("name", flat=True))
    if sets:
        raise Conflict(
            f"The template is used by the template set{'s' if len(sets) > 1 else ''} "
            f"{', '.join(repr(name) for name in sets)}; take it out of "
            f"{'them' if len(sets) > 1 else 'it'} first, or deactivate it.",
            code="template_in_use",
        )
    template.delete()
    catalogue_cache_invalidate()


def template_revert(*, template: Template, revision: TemplateRevision, user: User | None) -> Template:
    """Make an old revision current again. History is never rewritten: the revert is a new revision."""
    if revision.template_id != template.pk:
        raise InvalidInput("That revision belongs to another template.")
    for name in _SNAPSHOT_FIELDS:
        setattr(template, name, getattr(revision, name))
    return template_save(template=template, user=user, note=f"Reverted to revision {revision.number}")


def template_revision_diff(*, old: TemplateRevision, new: TemplateRevision) -> str:
    """A unified diff of two revisions: HTML, then slots and metadata as sorted JSON."""

    def lines(revision: TemplateRevision) -> list[str]:
        head = [f"name: {revision.name}", f"block_type: {revision.block_type}", "--- html ---"]
        body = revision.html.splitlines()
        tail = [
            "--- slots ---",
            *json.dumps(revision.slots, indent=2, sort_keys=True, ensure_ascii=False).splitlines(),
            "--- metadata ---",
            *json.dumps(revision.metadata, indent=2, sort_keys=True, ensure_ascii=False).splitlines(),
        ]
        return head + body + tail

    diff = difflib.unified_diff(
        lines(old),
        lines(new),
        fromfile=f"revision {old.number}",
        tofile=f"revision {new.number}",
        lineterm="",
    )
    return "\n".join(diff)


def template_usage_record(*, template_ids: list[int]) -> None:
    """Count real use: one per stored page that used the template (callers run it in the page's
    transaction)."""
    if template_ids:
        Template.objects.filter(pk__in=set(template_ids)).update(usage_count=F("usage_count") + 1)
        catalogue_cache_invalidate()


# --- template sets ---------------------------------------------------------------------------


def _templates_in_order(template_ids: list[int]) -> list[Template]:
    if len(set(template_ids)) != len(template_ids):
        raise InvalidInput(
            "template_ids: a template can be in a set only once.",
            fields={"template_ids": ["a template can be in a set only once."]},
        )
    found = Template.objects.in_bulk(template_ids)
    missing = [str(pk) for pk in template_ids if pk not in found]
    if missing:
        raise InvalidInput(
            f"template_ids: no template with id {', '.join(missing)}.",
            fields={"template_ids": [f"no template with id {', '.join(missing)}."]},
        )
    return [found[pk] for pk in template_ids]


def template_set_items_replace(*, template_set: TemplateSet, template_ids: list[int]) -> None:
    """Make the set hold exactly these templates, in this order (positions 1, 2, 3, …)."""
    templates = _templates_in_order(template_ids)
    with transaction.atomic():
        # Replacing the rows whole keeps (set, position) unique at every statement: a swap
        # done in place would collide half-way.
        TemplateSetItem.objects.filter(template_set=template_set).delete()
        TemplateSetItem.objects.bulk_create(
            [
                TemplateSetItem(template_set=template_set, template=template, position=position)
                for position, template in enumerate(templates, start=1)
            ]
        )
        TemplateSet.objects.filter(pk=template_set.pk).update(updated_at=timezone.now())
    catalogue_cache_invalidate()


def template_set_save(*, template_set: TemplateSet, template_ids: list[int] | None = None) -> TemplateSet:
    """Save a set; when it becomes its category's default, the previous default stops being one."""
    with transaction.atomic():
        if template_set.is_default:
            others = TemplateSet.objects.select_for_update().filter(
                category=template_set.category_id, is_default=True
            )
            if template_set.pk:
                others = others.exclude(pk=template_set.pk)
            others.update(is_default=False, updated_at=timezone.now())
        template_set.updated_at = timezone.now()
        template_set.full_clean()
        try:
            template_set.save()
        except IntegrityError:  # another request made a default between our update and insert
            raise Conflict(
                "Another default set was saved for this category at the same time; try again.",
                code="default_set_conflict",
            )
        if template_ids is not None:
            template_set_items_replace(template_set=template_set, template_ids=template_ids)
    catalogue_cache_invalidate()
    return template_set


def template_set_create(
    *, name: str, category: Category, description: str = "", is_default: bool = False, template_ids: list[int]
) -> TemplateSet:
    template_set = TemplateSet(name=name, category=category, description=description, is_default=is_default)
    return template_set_save(template_set=template_set, template_ids=template_ids)


def template_set_update(*, template_set: TemplateSet, data: dict[str, Any]) -> TemplateSet:
    template_ids = data.pop("template_ids", None)
    for name in ("name", "category", "description", "is_default"):
        if name in data:
            setattr(template_set, name, data.pop(name))
    if data:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(data))}.")
    return template_set_save(template_set=template_set, template_ids=template_ids)


# --- people ----------------------------------------------------------------------------------


def content_manager_grant(*, user: User) -> None:
    """Let a user manage the catalogue in the admin and through the API."""
    group, _ = Group.objects.get_or_create(name=CONTENT_MANAGERS)
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
