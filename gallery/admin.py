from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from config.pagination import count_bounded
from gallery.models import AuditLog, Image
from gallery.services import images_staff_set_trashed, trash_purge
from gallery.services.audit import audit_record


class BoundedCountPaginator(Paginator):
    """The changelist's page count without a COUNT(*) over a million rows (estimate past a limit)."""

    @cached_property
    def count(self):
        return count_bounded(self.object_list, exact_limit=max(settings.ADMIN_LIST_EXACT_COUNT_LIMIT, 1))[0]


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


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("preview", "short_id", "owner", "source", "dimensions", "size_bytes", "created_at",
                    "state")
    list_filter = (StateFilter, ("owner", admin.RelatedFieldListFilter), "source", "format", "created_at")
    list_select_related = ("owner",)
    search_fields = ("=id", "owner__username", "prompt")
    readonly_fields = ("preview_large", "id", "owner", "file", "thumbnail", "width", "height", "format",
                       "size_bytes", "thumbnail_bytes", "sha256", "source", "prompt", "job_id", "position",
                       "created_at", "deleted_at", "purging_at", "state")
    fields = readonly_fields
    show_full_result_count = False
    paginator = BoundedCountPaginator
    list_per_page = 50
    actions = ["move_to_trash", "restore", "purge"]

    @admin.display(description="Image")
    def preview(self, obj):
        return format_html('<img src="{}" style="max-height:64px;max-width:96px" loading="lazy">',
                           reverse("admin:gallery_image_thumbnail", args=[obj.pk]))

    @admin.display(description="Preview")
    def preview_large(self, obj):
        return format_html('<a href="{0}"><img src="{0}" style="max-height:480px;max-width:100%"></a>',
                           reverse("admin:gallery_image_file", args=[obj.pk]))

    @admin.display(description="Id", ordering="id")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height} {obj.format}"

    @admin.display(description="State")
    def state(self, obj):
        if obj.purging_at:
            return format_html('<strong style="color:#ba2121">DELETED · being purged</strong>')
        if obj.deleted_at:
            return format_html('<strong style="color:#ba2121">DELETED</strong> <small>{}</small>',
                               f"{obj.deleted_at:%Y-%m-%d %H:%M}")
        return "active"

    # --- every look at other users' images is audited -----------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            owner = request.GET.get("owner__id__exact")
            audit_record(actor=request.user, action=AuditLog.Action.IMAGES_LIST,
                         target_user_id=int(owner) if owner and owner.isdigit() else None,
                         filters={"via": "django admin", **request.GET.dict()},
                         image_count=len(changelist.result_list))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        image = Image.objects.select_related("owner").filter(pk=object_id).first()
        if image is not None and image.owner_id != request.user.pk:
            audit_record(actor=request.user, action=AuditLog.Action.IMAGE_VIEW, target_user_id=image.owner_id,
                         target_username=image.owner.username,
                         filters={"via": "django admin", "image_id": str(image.pk)}, image_count=1)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- actions --------------------------------------------------------------------------------

    @admin.action(description="Move selected images to the trash", permissions=["trash"])
    def move_to_trash(self, request, queryset):
        result = images_staff_set_trashed(image_ids=list(queryset.values_list("id", flat=True)), trash=True)
        self.message_user(request, f"{len(result.changed)} image(s) moved to the trash.")

    @admin.action(description="Restore selected images from the trash", permissions=["trash"])
    def restore(self, request, queryset):
        result = images_staff_set_trashed(image_ids=list(queryset.values_list("id", flat=True)), trash=False)
        self.message_user(request, f"{len(result.changed)} image(s) restored.")

    @admin.action(description="Purge selected images (only those in the trash) for good",
                  permissions=["purge"])
    def purge(self, request, queryset):
        ids = list(queryset.filter(deleted_at__isnull=False).values_list("id", flat=True))
        report = trash_purge(older_than=timedelta(0), image_ids=ids, actor=request.user,
                             action=AuditLog.Action.ADMIN_ACTION, filters={"via": "django admin"})
        skipped = queryset.count() - len(ids)
        level = messages.SUCCESS if report.verified else messages.ERROR
        text = f"Purged {report.images} image(s) ({report.bytes} bytes); "
        text += ("their files are gone from storage." if report.verified
                 else f"{len(report.files_remaining)} file(s) could not be deleted.")
        if skipped:
            text += f" {skipped} active image(s) skipped: move them to the trash first."
        self.message_user(request, text, level)

    # --- files ----------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("<uuid:pk>/file/", self.admin_site.admin_view(self.file_view), name="gallery_image_file"),
            path("<uuid:pk>/thumbnail/", self.admin_site.admin_view(self.thumbnail_view),
                 name="gallery_image_thumbnail"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk, thumbnail=False):
        if not self.has_view_permission(request):
            raise Http404
        image = Image.objects.filter(pk=pk).first()
        if image is None:
            raise Http404
        field = image.thumbnail if thumbnail and image.thumbnail else image.file
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404
        content_type = "image/webp" if field is image.thumbnail else image.content_type
        return FileResponse(handle, content_type=content_type)

    def thumbnail_view(self, request, pk):
        return self.file_view(request, pk, thumbnail=True)

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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_username", "action", "target_username", "image_count", "byte_count",
                    "finished")
    list_filter = ("action", "created_at")
    search_fields = ("actor_username", "target_username")
    readonly_fields = [f.name for f in AuditLog._meta.fields]
    show_full_result_count = False

    @admin.display(description="Finished", boolean=True)
    def finished(self, obj):
        return obj.finished_at is not None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
