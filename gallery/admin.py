"""Image review for staff: a list and a grid of every user's images, filters that stay fast on
millions of rows, and trash / restore / purge through the gallery's services, each audited.
A purge always shows what will go (and what will be skipped) before anything is removed."""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseNotFound, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from config.admin_lists import EstimatedCountMixin, IndexedSearchMixin, date_range_filter, username_filter
from config.errors import NotFound
from gallery.apis import PURGE_BUDGET_SECONDS, stored_file_response
from gallery.models import AuditLog, Image
from gallery.services import trash_purge
from gallery.services.audit import audit_record
from gallery.services.review import admin_images_purge, admin_images_set_trashed, admin_purge_plan

# Per session, how many distinct list filters are remembered as already audited.
AUDITED_LISTS_KEPT = 200


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("deleted", "Deleted (in trash)"), ("purging", "Being purged")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False, purging_at__isnull=True)
        if self.value() == "purging":
            return queryset.filter(purging_at__isnull=False)
        return queryset


class EmptyTrashForm(forms.Form):
    username = forms.CharField(max_length=150)
    older_than_days = forms.IntegerField(
        min_value=0,
        max_value=36500,
        initial=0,
        help_text="Only images in the trash for longer than this many days; 0: all of it.",
    )

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"]).first()
        if user is None:
            raise forms.ValidationError("No user has this username.")
        return user


@admin.register(Image)
class ImageAdmin(IndexedSearchMixin, EstimatedCountMixin, admin.ModelAdmin):
    list_display = ("preview", "short_id", "owner", "source", "dimensions", "file_size", "created", "state")
    list_display_links = ("preview", "short_id")
    list_filter = (
        StateFilter,
        username_filter("owner", suggest_url_name="admin:gallery_image_owners"),
        date_range_filter("created_at"),
        "source",
        "format",
    )
    list_select_related = ("owner",)
    search_fields = ("=owner__username",)  # shows the search box; answered by IndexedSearchMixin
    search_user_field = "owner"
    search_help_text = "A username, or the start of an image id (at least 4 characters)."
    readonly_fields = (
        "preview_large",
        "files",
        "id",
        "owner",
        "job",
        "width",
        "height",
        "format",
        "file_size",
        "thumbnail_size",
        "sha256",
        "source",
        "prompt",
        "position",
        "created_at",
        "deleted_at",
        "purging_at",
        "state",
        "stored_as",
    )
    fields = readonly_fields
    list_per_page = 50
    actions = ["move_to_trash", "restore", "purge"]
    show_facets = admin.ShowFacets.NEVER  # facet counts are a COUNT per filter value
    change_list_template = "admin/gallery/image/change_list.html"

    # --- columns and fields ---------------------------------------------------------------------

    @admin.display(description="Image")
    def preview(self, obj):
        return format_html(
            '<img class="image-thumb" src="{}" alt="" loading="lazy">',
            reverse("admin:gallery_image_thumbnail", args=[obj.pk]),
        )

    @admin.display(description="Preview")
    def preview_large(self, obj):
        return format_html(
            '<a href="{0}"><img class="image-large" src="{0}" alt="Image {1}"></a>',
            reverse("admin:gallery_image_file", args=[obj.pk]),
            str(obj.pk)[:8],
        )

    @admin.display(description="Files")
    def files(self, obj):
        return format_html(
            '<a href="{}">File</a> · <a href="{}">Thumbnail</a> · <a href="{}">Download</a>',
            reverse("admin:gallery_image_file", args=[obj.pk]),
            reverse("admin:gallery_image_thumbnail", args=[obj.pk]),
            reverse("admin:gallery_image_download", args=[obj.pk]),
        )

    @admin.display(description="Id", ordering="id")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="Dimensions")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height} {obj.format}"

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj):
        return f"{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M}"

    @admin.display(description="Size", ordering="size_bytes")
    def file_size(self, obj):
        return filesizeformat(obj.size_bytes)

    @admin.display(description="Thumbnail size")
    def thumbnail_size(self, obj):
        return filesizeformat(obj.thumbnail_bytes)

    @admin.display(description="Stored as")
    def stored_as(self, obj):
        return " · ".join(name for name in (obj.file.name, obj.thumbnail.name) if name)

    @admin.display(description="Made by job")
    def job(self, obj):
        if obj.job_id is None:
            return "—"
        try:  # a URL name only: the gallery knows nothing of jobs
            url = reverse("admin:generation_job_change", args=[obj.job_id])
            return format_html('<a href="{}">{}</a>', url, str(obj.job_id)[:8])
        except NoReverseMatch:
            return str(obj.job_id)

    @admin.display(description="State")
    def state(self, obj):
        if obj.purging_at:
            return format_html('<strong class="image-state deleted">DELETED · being purged</strong>')
        if obj.deleted_at:
            return format_html(
                '<strong class="image-state deleted">DELETED</strong><br><small>{}</small>',
                f"{timezone.localtime(obj.deleted_at):%Y-%m-%d %H:%M}",
            )
        return "active"

    # --- views: the list (audited once per session and filter), the grid, an image ---------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and request.method == "GET":
            self._audit_list_once(request, changelist)
        return response

    def grid_view(self, request):
        response = self.changelist_view(request, {"is_grid": True})
        if (
            isinstance(response, TemplateResponse)
            and response.context_data is not None
            and "cl" in response.context_data  # not an action's page
        ):
            response.template_name = "admin/gallery/image/change_list_grid.html"
        return response

    def _audit_list_once(self, request, changelist):
        """Who looked at whose images, once per session and filter (not per page or sort order)."""
        shown = {k: v for k, v in request.GET.items() if k not in (PAGE_VAR, ORDER_VAR)}
        key = json.dumps(shown, sort_keys=True)
        seen = request.session.get("gallery_audited_lists", [])
        if key in seen:
            return
        owner = request.GET.get("owner__id__exact")
        username = request.GET.get("owner", "")
        target = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
        audit_record(
            actor=request.user,
            action=AuditLog.Action.IMAGES_LIST,
            target_user_id=int(owner) if owner and owner.isdigit() else target,
            filters={"via": "django admin", **shown},
            image_count=len(changelist.result_list),
        )
        request.session["gallery_audited_lists"] = [*seen, key][-AUDITED_LISTS_KEPT:]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        image = Image.objects.select_related("owner").filter(pk=object_id).first()
        if image is not None and image.owner_id != request.user.pk and self.has_view_permission(request):
            audit_record(
                actor=request.user,
                action=AuditLog.Action.IMAGE_VIEW,
                target_user_id=image.owner_id,
                target_username=image.owner.username,
                filters={"via": "django admin", "image_id": str(image.pk)},
                image_count=1,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- actions: one summary message each; purge through a confirmation page ------------------

    @admin.action(description="Move selected images to the trash", permissions=["trash"])
    def move_to_trash(self, request, queryset):
        result = admin_images_set_trashed(actor=request.user, images=queryset, trash=True)
        text = f"Moved {_images(len(result.changed))} to the trash."
        if result.unchanged:
            text += f" {_images(len(result.unchanged))} skipped: already in the trash."
        self.message_user(request, text, messages.SUCCESS if result.changed else messages.WARNING)

    @admin.action(description="Restore selected images from the trash", permissions=["trash"])
    def restore(self, request, queryset):
        result = admin_images_set_trashed(actor=request.user, images=queryset, trash=False)
        text = f"Restored {_images(len(result.changed))}."
        if result.unchanged:
            text += f" {_images(len(result.unchanged))} skipped: not in the trash."
        if result.not_found:
            text += f" {_images(len(result.not_found))} skipped: being purged, no longer restorable."
        self.message_user(request, text, messages.SUCCESS if result.changed else messages.WARNING)

    @admin.action(
        description="Purge selected images for good (only those in the trash)…", permissions=["purge"]
    )
    def purge(self, request, queryset):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Purge images for good",
        }
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/gallery/image/purge_confirmation.html",
                {
                    **context,
                    "plan": admin_purge_plan(images=queryset),
                    "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                    "select_across": request.POST.get("select_across", "0"),
                    "action": "purge",
                    "action_index": request.POST.get("index", "0"),
                },
            )
        report, skipped = admin_images_purge(
            actor=request.user, images=queryset, budget_seconds=PURGE_BUDGET_SECONDS
        )
        return self._purge_result(request, context, report, skipped_active=skipped)

    def _purge_result(self, request, context, report, *, skipped_active=0, username=None):
        return TemplateResponse(
            request,
            "admin/gallery/image/purge_result.html",
            {
                **context,
                "title": "Purge done" if report.complete else "Purge partly done",
                "report": report,
                "skipped_active": skipped_active,
                "username": username,
                "audit_url": report.audit_id
                and reverse("admin:gallery_auditlog_change", args=[report.audit_id]),
            },
        )

    # --- a user's trash older than N days: a dry run, then the purge ---------------------------

    def empty_trash_view(self, request):
        if not self.has_purge_permission(request):
            raise Http404
        form = EmptyTrashForm(request.POST or None, initial={"username": request.GET.get("owner", "")})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Empty a user's trash",
        }
        if request.method == "POST" and form.is_valid():
            user, days = form.cleaned_data["username"], form.cleaned_data["older_than_days"]
            confirmed = request.POST.get("confirmed") == "yes"
            report = trash_purge(
                older_than=timedelta(days=days),
                owner_id=user.pk,
                dry_run=not confirmed,
                actor=request.user,
                filters={"via": "django admin"},
                budget_seconds=PURGE_BUDGET_SECONDS,
            )
            if confirmed:
                return self._purge_result(request, context, report, username=user.username)
            context.update(dry_run=report, owner=user, days=days)  # not "user": the signed-in admin
        return TemplateResponse(request, "admin/gallery/image/empty_trash.html", context)

    # --- files ----------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("grid/", view(self.grid_view), name="gallery_image_grid"),
            path("empty-trash/", view(self.empty_trash_view), name="gallery_image_empty_trash"),
            path("owners/", view(self.owner_suggestions_view), name="gallery_image_owners"),
            path("<uuid:pk>/file/", view(self.file_view), name="gallery_image_file"),
            path(
                "<uuid:pk>/thumbnail/",
                view(self.file_view),
                {"thumbnail": True},
                name="gallery_image_thumbnail",
            ),
            path(
                "<uuid:pk>/download/",
                view(self.file_view),
                {"as_attachment": True},
                name="gallery_image_download",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, pk, thumbnail=False, as_attachment=False):
        image = Image.objects.filter(pk=pk).first()
        if image is None or not self.has_view_permission(request):
            raise Http404
        try:
            return stored_file_response(image, thumbnail=thumbnail, as_attachment=as_attachment)
        except NotFound:  # said in words: the site's 404 handler answers in the API's JSON
            return HttpResponseNotFound("The image file is missing from storage.", content_type="text/plain")

    def owner_suggestions_view(self, request):
        """Usernames starting with ?term= for the owner filter (at most 20)."""
        if not self.has_view_permission(request):
            raise Http404
        term = request.GET.get("term", "").strip()[:150]
        names = (
            (
                get_user_model()
                .objects.filter(username__istartswith=term)
                .order_by("username")
                .values_list("username", flat=True)[:20]
            )
            if term
            else []
        )
        return JsonResponse({"usernames": list(names)})

    # --- permissions ----------------------------------------------------------------------------

    def has_trash_permission(self, request):
        return request.user.has_perm("gallery.change_image")

    def has_purge_permission(self, request):
        return request.user.has_perm("gallery.delete_image")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # state changes go through the actions (services), never a form

    def has_delete_permission(self, request, obj=None):
        return False  # a row delete would leave its files behind: use the purge action


def _images(n: int) -> str:
    return f"{n:,} image" if n == 1 else f"{n:,} images"


@admin.register(AuditLog)
class AuditLogAdmin(EstimatedCountMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_username",
        "action",
        "target_username",
        "image_count",
        "byte_count",
        "finished",
    )
    list_filter = ("action", "created_at")
    search_fields = ("actor_username", "target_username")
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    @admin.display(description="Finished", boolean=True)
    def finished(self, obj):
        return obj.finished_at is not None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
