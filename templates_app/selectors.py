"""Catalogue and page reads. Other apps (the job engine) use these, never the models directly."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet

from config.errors import InvalidInput, NotFound
from gallery.selectors import image_data_urls
from templates_app.models import (
    CONTENT_MANAGERS,
    Category,
    Page,
    Template,
    TemplateSet,
    TemplateSetItem,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def user_is_content_manager(user: User | AnonymousUser) -> bool:
    """Staff, or a member of the content managers group: they may change the catalogue."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.groups.filter(name=CONTENT_MANAGERS).exists())


# --- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateFilters:
    category_id: int | None = None
    block_type: str | None = None
    search: str | None = None
    include_inactive: bool = False


def template_list(*, filters: TemplateFilters) -> QuerySet[Template]:
    """Templates in catalogue order (oldest first, so the starter set reads in page order)."""
    queryset = Template.objects.select_related("category").order_by("id")
    if filters.category_id is not None:
        queryset = queryset.filter(category_id=filters.category_id)
    if filters.block_type:
        queryset = queryset.filter(block_type=filters.block_type)
    if filters.search:
        queryset = queryset.filter(
            Q(name__icontains=filters.search) | Q(description__icontains=filters.search)
        )
    if not filters.include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset


def template_get(*, template_id: int) -> Template:
    template = Template.objects.select_related("category").filter(pk=template_id).first()
    if template is None:
        raise NotFound("Template not found.")
    return template


# --- categories and sets ---------------------------------------------------------------------


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("id")


def category_get(*, category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("Category not found.")
    return category


def _with_items(queryset: QuerySet[TemplateSet]) -> QuerySet[TemplateSet]:
    items = TemplateSetItem.objects.select_related("template").order_by("position")
    return queryset.select_related("category").prefetch_related(Prefetch("items", queryset=items))


def template_set_list(*, category_id: int | None = None) -> QuerySet[TemplateSet]:
    queryset = TemplateSet.objects.order_by("id")
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    return _with_items(queryset)


def template_set_get(*, template_set_id: int) -> TemplateSet:
    template_set = _with_items(TemplateSet.objects.filter(pk=template_set_id)).first()
    if template_set is None:
        raise NotFound("Template set not found.")
    return template_set


def page_template_ids_resolve(
    *,
    template_set_id: int | None = None,
    template_ids: list[int] | None = None,
    category_id: int | None = None,
) -> list[int]:
    """The ordered template ids a product page is built from: the given list, else the set's
    items, else the category's default set. Raises InvalidInput/NotFound with clear messages."""
    if template_ids:
        if template_set_id is not None:
            raise InvalidInput(
                "Give template_set_id or template_ids, not both.",
                fields={"template_ids": ["give template_set_id or template_ids, not both."]},
            )
        # Refused here, by id, rather than failing in the worker after a 202.
        active = set(
            Template.objects.filter(pk__in=template_ids, is_active=True).values_list("pk", flat=True)
        )
        unknown = [ident for ident in dict.fromkeys(template_ids) if ident not in active]
        if unknown:
            raise InvalidInput(
                f"No active template has the id{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(str(ident) for ident in unknown)}.",
                fields={"template_ids": [f"no active template has the id {ident}." for ident in unknown]},
            )
        return list(template_ids)
    if template_set_id is None:
        if category_id is None:
            message = "give template_set_id, template_ids or category_id."
            raise InvalidInput(message.capitalize(), fields={"template_set_id": [message]})
        default = TemplateSet.objects.filter(category_id=category_id, is_default=True).first()
        if default is None:
            category_get(category_id=category_id)
            raise InvalidInput(
                "This category has no default template set; choose a set or templates.",
                code="no_default_set",
                fields={"category_id": ["has no default template set."]},
            )
        template_set_id = default.pk
    elif not TemplateSet.objects.filter(pk=template_set_id).exists():
        raise NotFound("Template set not found.")
    ids = list(
        TemplateSetItem.objects.filter(template_set_id=template_set_id, template__is_active=True)
        .order_by("position")
        .values_list("template_id", flat=True)
    )
    if not ids:
        raise InvalidInput(
            "The template set has no active templates.",
            code="empty_template_set",
            fields={"template_set_id": ["has no active templates."]},
        )
    return ids


# --- pages -----------------------------------------------------------------------------------


def page_get(*, user: User, page_id: uuid.UUID | str) -> Page:
    """The user's own page; anyone else's id is simply not found."""
    page = Page.objects.filter(pk=page_id, owner=user).first()
    if page is None:
        raise NotFound("Page not found.")
    return page


def page_of_job(*, job_id: uuid.UUID | OuterRef) -> QuerySet[Page]:
    """The page a job made (`job_id` may be an OuterRef: for a subquery in the job's own query)."""
    return Page.objects.filter(job_id=job_id)


PAGE_LIST_FIELDS = ("id", "title", "language", "created_at", "job_id", "block_count")


def page_list(*, user: User) -> QuerySet[Page, dict[str, Any]]:
    """The user's own pages as dict rows (never the HTML or blocks), newest first: served by
    page_owner_newest_id."""
    pages = Page.objects.filter(owner=user).order_by("-created_at", "-id")
    rows: QuerySet[Page, dict[str, Any]] = pages.values(*PAGE_LIST_FIELDS)
    return rows


# How a page refers to its owner's gallery images (templates_app.pages.block_image_url).
_IMAGE_SRC = re.compile(
    r'src="/api/v1/images/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'
    r'/file"'
)


def page_html(*, user: User, page: Page, inline_images: bool = False) -> str:
    """The page's HTML document; with `inline_images`, every image of the owner's gallery it
    shows is a data: URL, so the document works in a sandboxed frame and offline."""
    if not inline_images:
        return page.html
    ids = {uuid.UUID(match) for match in _IMAGE_SRC.findall(page.html)}
    urls = image_data_urls(user=user, image_ids=ids)

    def inline(match: re.Match[str]) -> str:
        url = urls.get(uuid.UUID(match.group(1)))
        return f'src="{url}"' if url else match.group(0)

    return _IMAGE_SRC.sub(inline, page.html)
