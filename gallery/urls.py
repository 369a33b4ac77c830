from django.urls import path

from gallery import admin_apis, apis

app_name = "gallery"

urlpatterns = [
    path("images", apis.ImageListApi.as_view(), name="image-list"),
    path("images/usage", apis.ImageUsageApi.as_view(), name="image-usage"),
    path("images/upload", apis.ImageUploadApi.as_view(), name="image-upload"),
    path("images/import", apis.ImageImportApi.as_view(), name="image-import"),
    path("images/delete", apis.ImageBulkDeleteApi.as_view(), name="image-bulk-delete"),
    path("images/restore", apis.ImageBulkRestoreApi.as_view(), name="image-bulk-restore"),
    path("images/trash/empty", apis.ImageTrashEmptyApi.as_view(), name="image-trash-empty"),
    path("images/<uuid:image_id>", apis.ImageDetailApi.as_view(), name="image-detail"),
    path("images/<uuid:image_id>/file", apis.ImageFileApi.as_view(), name="image-file"),
    path("images/<uuid:image_id>/thumbnail", apis.ImageThumbnailApi.as_view(), name="image-thumbnail"),
    path("images/<uuid:image_id>/delete", apis.ImageDeleteApi.as_view(), name="image-delete"),
    path("images/<uuid:image_id>/restore", apis.ImageRestoreApi.as_view(), name="image-restore"),
    path("admin/images", admin_apis.AdminImageListApi.as_view(), name="admin-image-list"),
    path(
        "admin/images/<uuid:image_id>/file", admin_apis.AdminImageFileApi.as_view(), name="admin-image-file"
    ),
    path(
        "admin/images/<uuid:image_id>/thumbnail",
        admin_apis.AdminImageThumbnailApi.as_view(),
        name="admin-image-thumbnail",
    ),
    path("admin/purge-trash", admin_apis.AdminTrashPurgeApi.as_view(), name="admin-purge-trash"),
]
