"""The catalogue in the Django admin, for content managers.

Templates: live preview with sample content from the slot schema (updates as the HTML or slots
are edited), the slot list, usage counts, revisions (history, compare, revert). Template sets:
items inline in order (drag rows or type positions), a preview of the whole set. Saves go
through the services, so revisions are recorded and the API cache is invalidated.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from templates_app.apis import PREVIEW_CSP
from templates_app.models import Category, Page, Template, TemplateRevision, TemplateSet, TemplateSetItem
from templates_app.rendering import template_check, template_preview, templates_preview
from templates_app.services import (
    template_revert,
    template_revision_diff,
    template_save,
    template_set_items_replace,
    template_set_save,
)
from templates_app.slots import slot_max_items, slot_max_length, slot_required, slot_type

CODE_WIDGET = forms.Textarea(attrs={
    "rows": 22, "spellcheck": "false",
    "style": "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;width:100%;"
             "box-sizing:border-box",
})


def _html(document: str) -> HttpResponse:
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _preview_frame(url: str, *, frame_id: str = "pp-preview", height: int = 720):
    # sandbox without allow-scripts: nothing in a preview can ever run in the admin's origin.
    return format_html('<iframe id="{}" src="{}" sandbox title="Preview" style="width:100%;max-width:1000px;'
                       "height:{}px;border:1px solid var(--border-color,#ccc);border-radius:6px;"
                       'background:#fff"></iframe>', frame_id, url, height)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "template_count", "set_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            template_total=Count("templates", distinct=True), set_total=Count("template_sets", distinct=True))

    @admin.display(description="Templates", ordering="template_total")
    def template_count(self, obj):
        return obj.template_total

    @admin.display(description="Sets", ordering="set_total")
    def set_count(self, obj):
        return obj.set_total


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ("category", "name", "block_type", "description", "is_active", "thumbnail_url", "html",
                  "slots", "metadata")
        widgets = {"html": CODE_WIDGET, "slots": CODE_WIDGET, "metadata": forms.Textarea(attrs={"rows": 4})}


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("name", "category", "block_type", "usage_count", "is_active", "revision", "updated_at",
                    "preview_link")
    list_filter = ("category", "block_type", "is_active")
    list_select_related = ("category",)
    search_fields = ("name", "description")
    readonly_fields = ("usage_count", "revision", "created_at", "updated_at", "slot_list", "live_preview",
                       "history")
    fieldsets = (
        (None, {"fields": ("category", "name", "block_type", "description", "is_active", "thumbnail_url")}),
        ("HTML and slots", {"fields": ("html", "slots", "slot_list"),
                            "description": "Slots: {{ name }}, {% for item in list %}…{% endfor %}, "
                                           "{% if name %}…{% else %}…{% endif %}; pairs items have "
                                           ".key/.value, qa items .question/.answer. "
                                           "Every value is escaped."}),
        ("Live preview", {"fields": ("live_preview",),
                          "description": "Rendered with the slots' example content; updates as you edit."}),
        ("Metadata", {"fields": ("metadata",), "classes": ("collapse",)}),
        ("Use and history", {"fields": ("usage_count", "revision", "history", "created_at", "updated_at")}),
    )

    class Media:
        js = ("templates_app/template_admin.js",)

    @admin.display(description="Preview")
    def preview_link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">open</a>',
                           reverse("admin:templates_app_template_preview", args=[obj.pk]))

    @admin.display(description="Slots")
    def slot_list(self, obj):
        slots = obj.slots if obj and isinstance(obj.slots, dict) else {}
        if not slots:
            return "—"
        row = "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
        rows = format_html_join("", row, (
            (name, slot_type(d), "yes" if slot_required(d) else "no", _limits(d), d.get("description", ""))
            for name, d in slots.items() if isinstance(d, dict)))
        return format_html('<table><thead><tr><th>Slot</th><th>Type</th><th>Required</th><th>Limits</th>'
                           "<th>Description</th></tr></thead><tbody>{}</tbody></table>", rows)

    @admin.display(description="Preview")
    def live_preview(self, obj):
        url = (reverse("admin:templates_app_template_preview", args=[obj.pk]) if obj and obj.pk
               else "about:blank")
        return format_html('<div data-live-preview="{}">{}</div>',
                           reverse("admin:templates_app_template_live_preview"), _preview_frame(url))

    @admin.display(description="Revisions")
    def history(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html('<a href="{}">{} revision{} — history, compare, revert</a>',
                           reverse("admin:templates_app_template_revisions", args=[obj.pk]),
                           obj.revisions.count(), "" if obj.revisions.count() == 1 else "s")

    def save_model(self, request, obj, form, change):
        template_save(template=obj, user=request.user,
                      note="Admin edit" if change else "Created in the admin")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("live-preview/", view(self.live_preview_view), name="templates_app_template_live_preview"),
            path("<int:pk>/preview/", view(self.preview_view), name="templates_app_template_preview"),
            path("<int:pk>/revisions/", view(self.revisions_view), name="templates_app_template_revisions"),
            path("<int:pk>/revisions/compare/", view(self.compare_view),
                 name="templates_app_template_compare"),
            path("<int:pk>/revisions/<int:number>/revert/", view(self.revert_view),
                 name="templates_app_template_revert"),
            *super().get_urls(),
        ]

    def _template(self, request, pk: int) -> Template:
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = Template.objects.select_related("category").filter(pk=pk).first()
        if template is None:
            raise Http404
        return template

    def preview_view(self, request, pk: int):
        return _html(template_preview(template=self._template(request, pk)))

    def live_preview_view(self, request):
        """The form's unsaved HTML and slots, rendered; problems are shown instead of the page."""
        may_edit = self.has_change_permission(request) or self.has_add_permission(request)
        if request.method != "POST" or not may_edit:
            raise PermissionDenied
        html = request.POST.get("html", "")
        try:
            slots = json.loads(request.POST.get("slots") or "{}")
        except ValueError as exc:
            return _html(_problems({"slots": [f"is not valid JSON: {exc}"]}))
        errors = template_check(html=html, slots=slots)
        if errors:
            return _html(_problems(errors))
        try:
            return _html(template_preview(template=Template(name=request.POST.get("name", ""), html=html,
                                                            slots=slots)))
        except ValidationError as exc:
            return _html(_problems({"examples": exc.messages}))

    def revisions_view(self, request, pk: int):
        template = self._template(request, pk)
        revisions = list(template.revisions.select_related("created_by").order_by("-number"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "template": template,
                   "revisions": revisions, "title": f"Revisions of {template.name}",
                   "can_revert": self.has_change_permission(request, template)}
        return TemplateResponse(request, "admin/templates_app/template/revisions.html", context)

    def compare_view(self, request, pk: int):
        template = self._template(request, pk)
        try:
            numbers = sorted({int(request.GET["a"]), int(request.GET["b"])})
        except (KeyError, ValueError):
            messages.error(request, "Choose two revisions to compare.")
            return redirect("admin:templates_app_template_revisions", pk)
        found = {r.number: r for r in template.revisions.filter(number__in=numbers)}
        if len(found) != len(numbers) or len(numbers) != 2:
            messages.error(request, "Choose two different revisions of this template.")
            return redirect("admin:templates_app_template_revisions", pk)
        old, new = found[numbers[0]], found[numbers[1]]
        diff = template_revision_diff(old=old, new=new)
        lines = [("add" if line.startswith("+") and not line.startswith("+++") else
                  "del" if line.startswith("-") and not line.startswith("---") else
                  "hunk" if line.startswith("@@") else "", line) for line in diff.splitlines()]
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "template": template,
                   "old": old, "new": new, "lines": lines,
                   "title": f"{template.name}: r{old.number} → r{new.number}",
                   "can_revert": self.has_change_permission(request, template)}
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
            messages.success(request,
                             f"Reverted to revision {number}; saved as revision {template.revision}.")
            return redirect("admin:templates_app_template_change", pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "template": template,
                   "revision": revision, "title": f"Revert {template.name} to revision {number}?",
                   "diff": template_revision_diff(old=template.revisions.get(number=template.revision),
                                                  new=revision)}
        return TemplateResponse(request, "admin/templates_app/template/revert.html", context)


def _limits(declaration: dict) -> str:
    kind = slot_type(declaration)
    if kind in ("list", "pairs", "qa"):
        return f"≤ {slot_max_items(declaration)} items, ≤ {slot_max_length(declaration)} chars"
    if kind in ("text", "rich_text", "url"):
        return f"≤ {slot_max_length(declaration)} chars"
    return ""


def _problems(errors: dict) -> str:
    items = format_html_join("", "<li><b>{}</b>: {}</li>",
                             ((field, message) for field, found in errors.items() for message in found))
    return format_html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Problems</title></head>'
                       '<body style="font:14px/1.5 system-ui,sans-serif;color:#9f1c1c;padding:16px">'
                       "<p><b>The template cannot be previewed yet:</b></p><ul>{}</ul></body></html>", items)


# --- template sets ---------------------------------------------------------------------------

class TemplateSetItemForm(forms.ModelForm):
    class Meta:
        model = TemplateSetItem
        fields = ("position", "template")
        widgets = {"position": forms.NumberInput(attrs={"style": "width:4em", "class": "pp-position"})}

    def _get_validation_exclusions(self):
        # Positions and templates are checked across the submitted rows (the formset's clean);
        # the rows replace the old ones whole, so a swap must not collide with rows being replaced.
        return super()._get_validation_exclusions() | {"position", "template"}


class TemplateSetItemFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        """Checked in clean() against the submitted rows only."""

    def clean(self):
        super().clean()
        seen_templates, seen_positions = set(), set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("template"):
                continue
            if data["template"].pk in seen_templates:
                raise ValidationError(f"“{data['template']}” is in the set twice.")
            if data.get("position") in seen_positions:
                raise ValidationError(f"Two rows have position {data['position']}.")
            seen_templates.add(data["template"].pk)
            seen_positions.add(data.get("position"))

    def ordered_template_ids(self) -> list[int]:
        rows = [(form.cleaned_data.get("position") or 0, form.cleaned_data["template"].pk)
                for form in self.forms
                if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
                and form.cleaned_data.get("template")]
        return [template_id for _, template_id in sorted(rows)]


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


class TemplateSetForm(forms.ModelForm):
    class Meta:
        model = TemplateSet
        fields = ("name", "category", "description", "is_default")

    def _get_validation_exclusions(self):
        # Ticking "is default" moves the default from the category's current one (the service
        # does it in one transaction); the one-default constraint must not refuse that first.
        return super()._get_validation_exclusions() | {"is_default"}


@admin.register(TemplateSet)
class TemplateSetAdmin(admin.ModelAdmin):
    form = TemplateSetForm
    inlines = (TemplateSetItemInline,)
    list_display = ("name", "category", "is_default", "item_count", "updated_at")
    list_filter = ("category", "is_default")
    search_fields = ("name", "description")
    readonly_fields = ("set_preview",)
    fields = ("name", "category", "description", "is_default", "set_preview")

    class Media:
        js = ("templates_app/set_admin.js",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description="Blocks", ordering="item_total")
    def item_count(self, obj):
        return obj.item_total

    @admin.display(description="Preview of the whole set")
    def set_preview(self, obj):
        if not obj or not obj.pk:
            return "Save the set to preview it."
        return _preview_frame(reverse("admin:templates_app_templateset_preview", args=[obj.pk]), height=900)

    def save_model(self, request, obj, form, change):
        template_set_save(template_set=obj)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, TemplateSetItemFormSet):
            template_set_items_replace(template_set=form.instance,
                                       template_ids=formset.ordered_template_ids())
            # The admin's change message reads these; the rows were replaced by the service.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        return [path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view),
                     name="templates_app_templateset_preview"), *super().get_urls()]

    def preview_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        template_set = TemplateSet.objects.filter(pk=pk).first()
        if template_set is None:
            raise Http404
        items = template_set.items.select_related("template").order_by("position")
        templates = [item.template for item in items]
        return _html(templates_preview(templates=templates, title=template_set.name))


@admin.register(TemplateRevision)
class TemplateRevisionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "created_by", "created_at", "note")
    list_filter = ("template__category",)
    list_select_related = ("template", "created_by")
    search_fields = ("template__name", "note")
    readonly_fields = ("template", "number", "name", "block_type", "html", "slots", "metadata", "created_by",
                       "note", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "language", "block_count", "created_at")
    list_filter = ("language", "created_at")
    list_select_related = ("owner",)
    search_fields = ("title", "owner__username", "id")
    readonly_fields = ("id", "owner", "title", "language", "product_name", "product_info_sha256", "blocks",
                       "plan", "created_at", "page_preview")
    exclude = ("html",)
    show_full_result_count = False

    @admin.display(description="Blocks")
    def block_count(self, obj):
        return len(obj.blocks or [])

    @admin.display(description="Page")
    def page_preview(self, obj):
        return _preview_frame(reverse("admin:templates_app_page_html", args=[obj.pk]), height=900)

    def get_urls(self):
        return [path("<uuid:pk>/html/", self.admin_site.admin_view(self.html_view),
                     name="templates_app_page_html"), *super().get_urls()]

    def html_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        page = Page.objects.filter(pk=pk).first()
        if page is None:
            raise Http404
        return _html(page.html)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
