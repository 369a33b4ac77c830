"""The catalogue in the Django admin, for content managers.

Templates: an HTML editor with line numbers (CodeMirror, a static bundle), slots as a table, a live
preview at desktop, tablet and phone widths, a change note per revision, history with a
field-by-field comparison, revert. Template sets: items in order (drag handle or keyboard
buttons), a preview that follows the reordering, a picker of the set's category and a warning
when a set mixes categories. Import of a CSV or a zipped folder with a dry run first. Generated
pages, read-only with their preview. Saves go through the services, so revisions are recorded and
the API cache is invalidated.
"""

from __future__ import annotations

import json
import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from templates_app.admin_forms import (
    TemplateForm,
    TemplateSetForm,
    TemplateSetItemForm,
    TemplateSetItemFormSet,
)
from templates_app.admin_import import TemplateImportMixin
from templates_app.apis import PREVIEW_CSP
from templates_app.models import (
    CONTENT_MANAGERS,
    Category,
    Page,
    Template,
    TemplateRevision,
    TemplateSet,
    TemplateSetItem,
)
from templates_app.rendering import template_check, template_preview, templates_preview
from templates_app.revision_changes import template_revision_changes
from templates_app.selectors import page_html
from templates_app.services import (
    template_revert,
    template_revision_diff,
    template_save,
    template_set_items_replace,
    template_set_save,
)
from templates_app.slots import slot_max_items, slot_max_length, slot_required, slot_type

CATALOGUE_CSS = {"all": ("templates_app/admin/catalogue.css",)}
PREVIEW_WIDTHS = (("Desktop", ""), ("Tablet · 768", "768"), ("Phone · 390", "390"))
_ERROR_LINE = re.compile(r"\bline (\d+)")


def _html(document: str) -> HttpResponse:
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _preview_frame(url: str, *, frame_id: str = "pp-preview", title: str = "Preview"):
    """A preview at the available width, with desktop / tablet / phone widths to switch to
    (preview.js). The frame is sandboxed without allow-scripts: nothing in a preview can ever run
    in the admin's origin."""
    buttons = format_html_join(
        "",
        '<button type="button" class="button" data-preview-width="{}" aria-pressed="{}">{}</button>',
        ((width, "false" if width else "true", label) for label, width in PREVIEW_WIDTHS),
    )
    return format_html(
        '<div class="pp-preview" data-preview>'
        '<div class="pp-preview__bar" role="group" aria-label="Preview width">{}'
        '<a class="pp-preview__open" href="{}" target="_blank" rel="noopener">Open in a new tab</a></div>'
        '<div class="pp-preview__stage"><iframe id="{}" src="{}" sandbox title="{}"></iframe></div></div>',
        buttons,
        url,
        frame_id,
        url,
        title,
    )


def _is_content_manager(user) -> bool:
    return user.is_active and user.is_staff and user.groups.filter(name=CONTENT_MANAGERS).exists()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "template_count", "set_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                template_total=Count("templates", distinct=True),
                set_total=Count("template_sets", distinct=True),
            )
        )

    @admin.display(description="Templates", ordering="template_total")
    def template_count(self, obj):
        return obj.template_total

    @admin.display(description="Sets", ordering="set_total")
    def set_count(self, obj):
        return obj.set_total


@admin.register(Template)
class TemplateAdmin(TemplateImportMixin, admin.ModelAdmin):
    form = TemplateForm
    list_display = (
        "name",
        "category",
        "block_type",
        "usage_count",
        "is_active",
        "revision",
        "updated_at",
        "preview_link",
    )
    list_filter = ("category", "block_type", "is_active")
    list_select_related = ("category",)
    search_fields = ("name", "description")
    readonly_fields = (
        "usage_count",
        "revision",
        "created_at",
        "updated_at",
        "slot_list",
        "live_preview",
        "history",
    )
    fieldsets = (
        (None, {"fields": ("category", "name", "block_type", "description", "is_active", "thumbnail_url")}),
        (
            "HTML",
            {
                "fields": ("html",),
                "classes": ("pp-wide",),
                "description": "Slots: {{ name }}, {% for item in list %}…{% endfor %}, "
                "{% if name %}…{% else %}…{% endif %}; pairs items have .key/.value, qa "
                "items .question/.answer. Every value is escaped. A problem names its "
                "line, which is marked in the editor.",
            },
        ),
        ("Slots", {"fields": ("slots", "slot_list"), "classes": ("pp-wide",)}),
        (
            "Live preview",
            {
                "fields": ("live_preview",),
                "classes": ("pp-wide",),
                "description": "Rendered with the slots' example content; updates as you edit.",
            },
        ),
        ("Metadata", {"fields": ("metadata",), "classes": ("collapse",)}),
        ("Use and history", {"fields": ("usage_count", "revision", "history", "created_at", "updated_at")}),
        ("Save", {"fields": ("change_note",)}),
    )

    class Media:
        css = CATALOGUE_CSS
        js = (
            "templates_app/admin/editor.js",
            "templates_app/admin/preview.js",
            "templates_app/admin/slot_table.js",
            "templates_app/template_admin.js",
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="templates_app_template_import"),
            path("live-preview/", view(self.live_preview_view), name="templates_app_template_live_preview"),
            path("<int:pk>/preview/", view(self.preview_view), name="templates_app_template_preview"),
            path("<int:pk>/revisions/", view(self.revisions_view), name="templates_app_template_revisions"),
            path(
                "<int:pk>/revisions/compare/", view(self.compare_view), name="templates_app_template_compare"
            ),
            path(
                "<int:pk>/revisions/<int:number>/revert/",
                view(self.revert_view),
                name="templates_app_template_revert",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Preview")
    def preview_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">open</a>',
            reverse("admin:templates_app_template_preview", args=[obj.pk]),
        )

    @admin.display(description="Effective limits")
    def slot_list(self, obj):
        slots = obj.slots if obj and isinstance(obj.slots, dict) else {}
        if not slots:
            return "—"
        row = "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
        rows = format_html_join(
            "",
            row,
            (
                (
                    name,
                    slot_type(d),
                    "yes" if slot_required(d) else "no",
                    _limits(d),
                    d.get("description", ""),
                )
                for name, d in slots.items()
                if isinstance(d, dict)
            ),
        )
        return format_html(
            "<table><thead><tr><th>Slot</th><th>Type</th><th>Required</th><th>Limits</th>"
            "<th>Description</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Preview")
    def live_preview(self, obj):
        url = (
            reverse("admin:templates_app_template_preview", args=[obj.pk])
            if obj and obj.pk
            else "about:blank"
        )
        return format_html(
            '<div data-live-preview="{}">{}</div>',
            reverse("admin:templates_app_template_live_preview"),
            _preview_frame(url),
        )

    @admin.display(description="Revisions")
    def history(self, obj):
        if not obj or not obj.pk:
            return "—"
        count = obj.revisions.count()
        return format_html(
            '<a href="{}">{} revision{} — history, compare, revert</a>',
            reverse("admin:templates_app_template_revisions", args=[obj.pk]),
            count,
            "" if count == 1 else "s",
        )

    def save_model(self, request, obj, form, change):
        note = form.cleaned_data.get("change_note", "").strip()
        template_save(
            template=obj,
            user=request.user,
            note=note or ("Edited in the admin" if change else "Created in the admin"),
        )

    def _template(self, request, pk: int) -> Template:
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = Template.objects.select_related("category").filter(pk=pk).first()
        if template is None:
            raise Http404
        return template

    def _context(self, request, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def preview_view(self, request, pk: int):
        return _html(template_preview(template=self._template(request, pk)))

    def live_preview_view(self, request):
        """The form's unsaved HTML and slots, rendered; problems are shown instead of the page,
        and the lines they name are sent in X-Template-Error-Lines for the editor to mark."""
        may_edit = self.has_change_permission(request) or self.has_add_permission(request)
        if request.method != "POST" or not may_edit:
            raise PermissionDenied
        html = request.POST.get("html", "")
        slots_text = TemplateForm.base_fields["slots"].widget.value_from_datadict(request.POST, None, "slots")
        try:
            slots = json.loads(slots_text or "{}")
        except ValueError as exc:
            return _html(_problems({"slots": [f"is not valid JSON: {exc}"]}))
        errors = template_check(html=html, slots=slots)
        if errors:
            response = _html(_problems(errors))
            lines = {int(n) for message in errors.get("html", []) for n in _ERROR_LINE.findall(message)}
            response["X-Template-Error-Lines"] = ",".join(map(str, sorted(lines)))
            return response
        try:
            return _html(
                template_preview(template=Template(name=request.POST.get("name", ""), html=html, slots=slots))
            )
        except ValidationError as exc:
            return _html(_problems({"examples": exc.messages}))

    def revisions_view(self, request, pk: int):
        template = self._template(request, pk)
        revisions = list(template.revisions.select_related("created_by").order_by("-number"))
        context = self._context(
            request,
            template=template,
            revisions=revisions,
            title=f"Revisions of {template.name}",
            can_revert=self.has_change_permission(request, template),
        )
        return TemplateResponse(request, "admin/templates_app/template/revisions.html", context)

    def compare_view(self, request, pk: int):
        template = self._template(request, pk)
        try:
            numbers = sorted({int(request.GET["a"]), int(request.GET["b"])})
        except (KeyError, ValueError):
            messages.error(request, "Choose two revisions to compare.")
            return redirect("admin:templates_app_template_revisions", pk)
        revisions = template.revisions.select_related("created_by").filter(number__in=numbers)
        found = {revision.number: revision for revision in revisions}
        if len(found) != len(numbers) or len(numbers) != 2:
            messages.error(request, "Choose two different revisions of this template.")
            return redirect("admin:templates_app_template_revisions", pk)
        old, new = found[numbers[0]], found[numbers[1]]
        context = self._context(
            request,
            template=template,
            old=old,
            new=new,
            changes=template_revision_changes(old=old, new=new),
            title=f"{template.name}: r{old.number} → r{new.number}",
            can_revert=self.has_change_permission(request, template),
        )
        return TemplateResponse(request, "admin/templates_app/template/compare.html", context)

    def revert_view(self, request, pk: int, number: int):
        template = self._template(request, pk)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        revision = template.revisions.filter(number=number).first()
        if revision is None:
            raise Http404
        if request.method == "POST":
            template_revert(template=template, revision=revision, user=request.user)
            messages.success(
                request, f"Reverted to revision {number}; saved as revision {template.revision}."
            )
            return redirect("admin:templates_app_template_change", pk)
        context = self._context(
            request,
            template=template,
            revision=revision,
            title=f"Revert {template.name} to revision {number}?",
            diff=template_revision_diff(old=template.revisions.get(number=template.revision), new=revision),
        )
        return TemplateResponse(request, "admin/templates_app/template/revert.html", context)


def _limits(declaration: dict) -> str:
    kind = slot_type(declaration)
    if kind in ("list", "pairs", "qa"):
        return f"≤ {slot_max_items(declaration)} items, ≤ {slot_max_length(declaration)} chars"
    if kind in ("text", "rich_text", "url"):
        return f"≤ {slot_max_length(declaration)} chars"
    return ""


def _problems(errors: dict) -> str:
    items = format_html_join(
        "",
        "<li><b>{}</b>: {}</li>",
        ((field, message) for field, found in errors.items() for message in found),
    )
    return format_html(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Problems</title></head>'
        '<body style="font:14px/1.5 system-ui,sans-serif;color:#9f1c1c;padding:16px">'
        "<p><b>The template cannot be previewed yet:</b></p><ul>{}</ul></body></html>",
        items,
    )


# --- template sets ---------------------------------------------------------------------------


class TemplateSetItemInline(admin.TabularInline):
    model = TemplateSetItem
    form = TemplateSetItemForm
    formset = TemplateSetItemFormSet
    fields = ("position", "template")
    ordering = ("position",)
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            kwargs["queryset"] = Template.objects.select_related("category").order_by("category__name", "id")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TemplateSet)
class TemplateSetAdmin(admin.ModelAdmin):
    form = TemplateSetForm
    inlines = (TemplateSetItemInline,)
    list_display = ("name", "category", "is_default", "item_count", "updated_at")
    list_filter = ("category", "is_default")
    search_fields = ("name", "description")
    readonly_fields = ("category_check", "set_preview")
    fieldsets = (
        (None, {"fields": ("name", "category", "description", "is_default", "category_check")}),
        (
            "Preview of the whole set",
            {
                "fields": ("set_preview",),
                "classes": ("pp-wide",),
                "description": "Follows the order above as you reorder; save to keep it.",
            },
        ),
    )

    class Media:
        css = CATALOGUE_CSS
        js = ("templates_app/admin/preview.js", "templates_app/set_admin.js")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description="Blocks", ordering="item_total")
    def item_count(self, obj):
        return obj.item_total

    @admin.display(description="Categories")
    def category_check(self, obj):
        others = _other_categories(obj)
        if not others:
            return "Every template is of the set's category." if obj and obj.pk else "—"
        return format_html(
            '<p class="pp-warning" role="alert">This set mixes categories: {} {} of {}, '
            "not {}. Pages built from it mix their looks.</p>",
            ", ".join(f"“{t.name}”" for t in others),
            "is" if len(others) == 1 else "are",
            ", ".join(sorted({t.category.name for t in others})),
            obj.category.name,
        )

    @admin.display(description="Preview of the whole set")
    def set_preview(self, obj):
        url = (
            reverse("admin:templates_app_templateset_preview", args=[obj.pk])
            if obj and obj.pk
            else "about:blank"
        )
        return format_html(
            '<div data-set-preview="{}">{}</div>',
            reverse("admin:templates_app_templateset_live_preview"),
            _preview_frame(url),
        )

    def save_model(self, request, obj, form, change):
        template_set_save(template_set=obj)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, TemplateSetItemFormSet):
            template_set_items_replace(
                template_set=form.instance, template_ids=formset.ordered_template_ids()
            )
            # The admin's change message reads these; the rows were replaced by the service.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def response_post_save_change(self, request, obj):
        self._warn_mixed(request, obj)
        return super().response_post_save_change(request, obj)

    def response_post_save_add(self, request, obj):
        self._warn_mixed(request, obj)
        return super().response_post_save_add(request, obj)

    def _warn_mixed(self, request, obj):
        others = _other_categories(obj)
        if others:
            messages.warning(
                request,
                f"“{obj.name}” mixes categories: {len(others)} of its templates "
                f"{'is' if len(others) == 1 else 'are'} not of {obj.category.name}.",
            )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.live_preview_view), name="templates_app_templateset_live_preview"),
            path("<int:pk>/preview/", view(self.preview_view), name="templates_app_templateset_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        template_set = TemplateSet.objects.filter(pk=pk).first()
        if template_set is None:
            raise Http404
        items = template_set.items.select_related("template").order_by("position")
        return _html(templates_preview(templates=[item.template for item in items], title=template_set.name))

    def live_preview_view(self, request):
        """Templates in the order given (?ids=3,1,2): the set as it is being reordered."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()][:100]
        found = Template.objects.in_bulk(ids)
        templates = [found[i] for i in dict.fromkeys(ids) if i in found]
        return _html(templates_preview(templates=templates, title=request.GET.get("title", "")[:200]))


def _other_categories(template_set) -> list[Template]:
    if not template_set or not template_set.pk:
        return []
    items = template_set.items.select_related("template__category").order_by("position")
    return [item.template for item in items if item.template.category_id != template_set.category_id]


@admin.register(TemplateRevision)
class TemplateRevisionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "created_by", "created_at", "note")
    list_filter = ("template__category",)
    list_select_related = ("template", "created_by")
    search_fields = ("template__name", "note")
    readonly_fields = (
        "template",
        "number",
        "name",
        "block_type",
        "html",
        "slots",
        "metadata",
        "created_by",
        "note",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    """Generated pages, read-only: staff with the permission and content managers see them."""

    list_display = ("title", "owner", "language", "block_count", "created_at")
    list_filter = ("language", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__username", "id")
    readonly_fields = (
        "id",
        "owner",
        "title",
        "language",
        "product_name",
        "product_info_sha256",
        "block_count",
        "job_id",
        "created_at",
        "blocks",
        "plan",
        "page_preview",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "owner",
                    "language",
                    "product_name",
                    "block_count",
                    "created_at",
                    "id",
                    "job_id",
                )
            },
        ),
        ("Page", {"fields": ("page_preview",), "classes": ("pp-wide",)}),
        ("Blocks and plan", {"fields": ("blocks", "plan", "product_info_sha256"), "classes": ("collapse",)}),
    )
    show_full_result_count = False

    class Media:
        css = CATALOGUE_CSS
        js = ("templates_app/admin/preview.js",)

    @admin.display(description="Page")
    def page_preview(self, obj):
        return _preview_frame(reverse("admin:templates_app_page_html", args=[obj.pk]), title=obj.title)

    def get_urls(self):
        return [
            path(
                "<uuid:pk>/html/", self.admin_site.admin_view(self.html_view), name="templates_app_page_html"
            ),
            *super().get_urls(),
        ]

    def html_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        page = Page.objects.select_related("owner").filter(pk=pk).first()
        if page is None:
            raise Http404
        # The owner's gallery images inline, so they show to whoever reviews the page.
        return _html(page_html(user=page.owner, page=page, inline_images=True))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or _is_content_manager(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
