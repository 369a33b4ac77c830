"""Changing a stored page's blocks: the web app swaps a block's image (for example for an edit
of it made by a prompt-edit job) and the page is rendered again.

A page is re-rendered from each block's stored content with the template revision it was
built from, so an edit to a template in the admin since then never changes an old page.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from config.errors import Conflict, InvalidInput, NotFound
from gallery.selectors import image_get
from templates_app.models import Page, Template, TemplateRevision
from templates_app.pages import block_image_url, block_render, image_slot_name
from templates_app.rendering import page_assemble


def _block_sources(blocks: list[dict]) -> list[Template | TemplateRevision]:
    """Per block, the template revision it was made with (the live template for a revision that
    is gone); one query each for revisions and templates."""
    wanted = Q(pk__in=[])
    for block in blocks:
        wanted |= Q(template_id=block["template_id"], number=block.get("template_revision") or 0)
    revisions = {(r.template_id, r.number): r for r in TemplateRevision.objects.filter(wanted)}
    missing = {
        block["template_id"]
        for block in blocks
        if (block["template_id"], block.get("template_revision") or 0) not in revisions
    }
    live = Template.objects.in_bulk(missing) if missing else {}
    sources = []
    for block in blocks:
        source = revisions.get((block["template_id"], block.get("template_revision") or 0)) or live.get(
            block["template_id"]
        )
        if source is None:
            raise Conflict(
                f"Block {block.get('position')} was made from template {block['template_id']}, "
                "which no longer exists; the page cannot be rendered again.",
                code="template_gone",
            )
        sources.append(source)
    return sources


def page_render(*, page: Page, blocks: list[dict]) -> str:
    """The page's HTML from its blocks' content, each with the template revision it was made with."""
    sources = _block_sources(blocks)
    rendered = [
        block_render(template=source, content=block.get("content") or {}, sparse=bool(block.get("sparse")))
        for source, block in zip(sources, blocks, strict=True)
    ]
    return page_assemble(blocks_html=rendered, title=page.title, language=page.language)


def page_block_image_set(*, user, page_id, index: int, image_id) -> Page:
    """Show one of the user's gallery images in block `index` (0-based) of their page.

    404 for another user's page or a block that does not exist; 400 when the block's template
    has no image slot or the image is not one of the user's (active) images."""
    with transaction.atomic():
        # Locked: two swaps at once must not each write their own copy of the blocks.
        page = Page.objects.select_for_update().filter(pk=page_id, owner=user).first()
        if page is None:
            raise NotFound("Page not found.")
        blocks = [dict(block) for block in page.blocks]
        if not 0 <= index < len(blocks):
            raise NotFound(
                f"The page has no block {index} (it has {len(blocks)}, numbered from 0).",
                code="block_not_found",
            )
        try:
            image = image_get(user=user, image_id=image_id)
        except NotFound:
            image = None
        if image is None or image.is_deleted:
            raise InvalidInput(
                "image_id: no image with this id in your gallery.",
                fields={"image_id": ["No image with this id in your gallery."]},
            )
        block = blocks[index]
        [source] = _block_sources([block])
        slot = block.get("image_slot") or image_slot_name(source.slots or {})
        if slot is None:
            message = f"block {index} ({block.get('block_type')}) has no image slot."
            raise InvalidInput(f"index: {message}", code="no_image_slot", fields={"index": [message]})
        block["content"] = {**(block.get("content") or {}), slot: block_image_url(image.id)}
        block["image_id"] = str(image.id)
        block["image_slot"] = slot
        blocks[index] = block
        page.html = page_render(page=page, blocks=blocks)
        page.blocks = blocks
        page.save(update_fields=["html", "blocks"])
    return page
