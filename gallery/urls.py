from django.urls import path

from gallery.apis import ImageFileApi

app_name = "gallery"

urlpatterns = [
    path("images/<uuid:image_id>/file", ImageFileApi.as_view(), name="image-file"),
]
