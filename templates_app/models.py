"""Seed 003's catalogue (categories, block templates, ordered template sets) and stored pages.

Table and column names follow the seed's PostgreSQL schema (`categories`, `templates.template_html`,
`template_set_items.display_order`, its three indexes), so tools written against the seed still
read it. Template HTML declares its slots; `templates_app.rendering.template_check` keeps the two
in step and runs on every save.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from config.fields import json_has_nul

# The Django group whose members (and staff) may change the catalogue; created by migration 0002.
CONTENT_MANAGERS = "content managers"
# A thumbnail is shown in the admin and the web app: never a javascript:, data: or relative URL.
_HTTP_URL = URLValidator(schemes=["http", "https"])


class BlockType(models.TextChoices):
    INTRODUCTION = "Introduction", "Introduction"
    KEY_FEATURES = "KeyFeatures", "Key features"
    SPECS = "Specs", "Specs"
    HOW_TO_USE = "HowToUse", "How to use"
    REVIEWS = "Reviews", "Reviews"
    FAQ = "FAQ", "FAQ"
    CALL_TO_ACTION = "CallToAction", "Call to action"
    STORY = "Story", "Story (image and text)"
    GALLERY = "Gallery", "Gallery"
    COMPARISON = "Comparison", "Comparison"


class Category(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "categories"
        ordering = ["name", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Template(models.Model):
    """One block of a product page: HTML with named slots and the declared slot schema."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="templates", db_index=False)
    name = models.CharField(max_length=200)
    block_type = models.CharField(max_length=50, choices=BlockType.choices)
    description = models.TextField(
        blank=True, help_text="What the block is for; writers and the LLM read it."
    )
    html = models.TextField(
        db_column="template_html",
        help_text="HTML with slots: {{ name }}, {% for x in list %}…{% endfor %}, "
        "{% if name %}…{% else %}…{% endif %}.",
    )
    slots = models.JSONField(
        default=dict,
        blank=True,
        help_text='Slot name → {"type": "text|rich_text|list|image|url|number|pairs|'
        'qa", "max_length", "max_items", "required", "description", '
        '"example"}.',
    )
    thumbnail_url = models.CharField(max_length=500, blank=True)
    usage_count = models.PositiveIntegerField(default=0, editable=False)
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    # The number of the newest TemplateRevision: pages record which revision they were built from.
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "templates"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["category"], name="idx_templates_category"),
            models.Index(fields=["block_type"], name="idx_templates_block_type"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(block_type__in=BlockType.values), name="template_block_type_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.block_type})"

    def save(self, *args, **kwargs) -> None:
        # The slot contract is checked on every save, whatever path the save took.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from templates_app.rendering import template_check

        errors = template_check(html=self.html or "", slots=self.slots)
        for name in ("slots", "metadata"):
            if json_has_nul(getattr(self, name)):
                errors.setdefault(name, []).append("may not contain the NUL character (\\u0000).")
        if self.thumbnail_url:
            try:
                _HTTP_URL(self.thumbnail_url)
            except ValidationError:
                errors.setdefault("thumbnail_url", []).append("must be an http(s) URL.")
        if errors:
            raise ValidationError(errors)


class TemplateRevision(models.Model):
    """A snapshot of a template as saved: who, when, and what the HTML, slots and metadata were."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    block_type = models.CharField(max_length=50)
    html = models.TextField()
    slots = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "template_revisions"
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} r{self.number}"


class TemplateSet(models.Model):
    """The blocks of one product page, in order. At most one default set per category."""

    name = models.CharField(max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="template_sets", db_index=False
    )
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "template_sets"
        ordering = ["id"]
        indexes = [models.Index(fields=["category"], name="idx_template_sets_category")]
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(is_default=True),
                name="template_set_one_default_per_category",
                violation_error_message="This category already has a default set.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateSetItem(models.Model):
    template_set = models.ForeignKey(
        TemplateSet, on_delete=models.CASCADE, related_name="items", db_column="set_id"
    )
    # PROTECT, as the seed's plain REFERENCES: a template in a set is taken out of it first.
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="set_items")
    position = models.PositiveSmallIntegerField(db_column="display_order")

    class Meta:
        db_table = "template_set_items"
        ordering = ["template_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template_set", "template"], name="template_set_item_unique"),
            models.UniqueConstraint(fields=["template_set", "position"], name="template_set_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.template_id}"


class Page(models.Model):
    """A generated product-detail page.

    The HTML is a TextField, not a storage file: it is small (tens of kB), always read whole,
    written in the same transaction as its blocks and the usage counts, and backed up with the
    database; a file would add an orphan-cleanup problem for no gain. PostgreSQL compresses it
    (TOAST)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pages")
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=16)
    html = models.TextField()
    # Per block: position, template id/name/type/revision, model, tokens, seconds, content, image.
    blocks = models.JSONField(default=list)
    # The planning call: model, tokens, seconds, and which blocks it chose.
    plan = models.JSONField(default=dict)
    product_name = models.CharField(max_length=200, blank=True)
    product_info_sha256 = models.CharField(max_length=64)
    # len(blocks), kept so a list of pages never reads the blocks' content.
    block_count = models.PositiveSmallIntegerField(default=0)
    # The job that made the page, if any. No foreign key: templates_app knows nothing of jobs.
    # Indexed: a job's detail and the job list read its page by it.
    job_id = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "pages"
        ordering = ["-created_at", "-id"]
        # The owner's pages newest first: the page list's order and keyset.
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="page_owner_newest_id")]

    def __str__(self) -> str:
        return self.title
