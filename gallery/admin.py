from django.contrib import admin
from django.utils.html import format_html

from gallery.models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("preview", "owner", "source", "width", "height", "format", "created_at", "state")
    list_filter = ("source", "format", "created_at")
    list_select_related = ("owner",)
    search_fields = ("owner__username", "prompt", "id")
    readonly_fields = ("preview_large", "id", "owner", "file", "width", "height", "format",
                       "size_bytes", "sha256", "source", "prompt", "job_id", "created_at", "deleted_at")
    show_full_result_count = False
    date_hierarchy = "created_at"

    @admin.display(description="Image")
    def preview(self, obj):
        return format_html('<img src="{}" style="max-height:64px;max-width:96px">',
                           f"/admin/gallery/image/{obj.pk}/file/")

    @admin.display(description="Preview")
    def preview_large(self, obj):
        return format_html('<img src="{}" style="max-height:480px;max-width:100%">',
                           f"/admin/gallery/image/{obj.pk}/file/")

    @admin.display(description="State")
    def state(self, obj):
        return "deleted" if obj.deleted_at else "active"

    def get_urls(self):
        from django.urls import path

        return [path("<uuid:pk>/file/", self.admin_site.admin_view(self.file_view),
                     name="gallery_image_file"), *super().get_urls()]

    def file_view(self, request, pk):
        from django.http import FileResponse, Http404

        if not self.has_view_permission(request):
            raise Http404
        image = Image.objects.filter(pk=pk).first()
        if image is None:
            raise Http404
        return FileResponse(image.file.open("rb"), content_type=image.content_type)

    def has_add_permission(self, request):
        return False
