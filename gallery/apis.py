from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from gallery.selectors import image_get


class ImageFileApi(APIView):
    """Download an image file. Only its owner can; anyone else gets 404."""

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, image_id):
        image = image_get(user=request.user, image_id=image_id)
        response = FileResponse(image.file.open("rb"), content_type=image.content_type,
                                as_attachment=request.query_params.get("download") == "1",
                                filename=f"{image.source}-{image.id}.{image.extension}")
        response["Cache-Control"] = "private, max-age=3600"
        return response
