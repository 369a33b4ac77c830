"""The catalogue and page API: thin views that validate, call one service or selector, serialize.

Reads are open to any signed-in user and cached (templates_app.cache); writes need a content
manager or staff (403 otherwise). Unknown ids answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFound
from config.fields import BoundedPrimaryKeyRelatedField, IdField
from config.pagination import (
    BY_ID,
    IdPageParamsSerializer,
    Page,
    PageParamsSerializer,
    page_serializer,
    paginate,
)
from config.schema import PagedListAutoSchema
from templates_app.cache import catalogue_cached
from templates_app.models import BlockType, Category, TemplateSet
from templates_app.page_blocks import page_block_image_set
from templates_app.rendering import template_preview, templates_preview
from templates_app.selectors import (
    TemplateFilters,
    category_get,
    category_list,
    page_get,
    page_html,
    page_list,
    template_get,
    template_list,
    template_set_get,
    template_set_list,
    user_is_content_manager,
)
from templates_app.services import (
    category_create,
    template_create,
    template_delete,
    template_set_create,
    template_set_update,
    template_update,
)

PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)


class IsContentManagerForWrites(BasePermission):
    message = "Only content managers and staff can change templates, categories and sets."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or user_is_content_manager(request.user)


class CatalogueApi(APIView):
    permission_classes = [IsAuthenticated, IsContentManagerForWrites]


# --- paging by id (catalogue order) ----------------------------------------------------------


def _params(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- output ----------------------------------------------------------------------------------


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class TemplateListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = CategoryRefSerializer()
    name = serializers.CharField()
    block_type = serializers.ChoiceField(choices=BlockType.choices)
    description = serializers.CharField()
    slots = serializers.DictField()
    thumbnail_url = serializers.CharField()
    usage_count = serializers.IntegerField()
    metadata = serializers.DictField()
    is_active = serializers.BooleanField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    preview_url = serializers.SerializerMethodField()

    def get_preview_url(self, template) -> str:
        return f"/api/v1/templates/{template.id}/preview"


class TemplateOutputSerializer(TemplateListItemSerializer):
    html = serializers.CharField()


class TemplateSetItemOutputSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    template = serializers.SerializerMethodField()

    def get_template(self, item) -> dict:
        template = item.template
        return {
            "id": template.id,
            "name": template.name,
            "block_type": template.block_type,
            "is_active": template.is_active,
        }


class TemplateSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = CategoryRefSerializer()
    description = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    items = TemplateSetItemOutputSerializer(many=True, source="items.all")


TemplatePageSerializer = page_serializer(TemplateListItemSerializer, "TemplatePage")
CategoryPageSerializer = page_serializer(CategoryOutputSerializer, "CategoryPage")
TemplateSetPageSerializer = page_serializer(TemplateSetOutputSerializer, "TemplateSetPage")


def _many(serializer_class: type[serializers.Serializer], rows: Iterable[Any]) -> list[Any]:
    """`serializer_class(rows, many=True).data`: with many=True DRF builds a ListSerializer, whose
    data is a list (the stubs type every Serializer's data as a dict)."""
    return cast(list[Any], serializer_class(rows, many=True).data)


def _page_envelope(serializer_class: type[serializers.Serializer], page: Page) -> dict:
    return page.envelope(_many(serializer_class, page.items))


# --- templates -------------------------------------------------------------------------------


class TemplateFilterSerializer(IdPageParamsSerializer):
    category = IdField(required=False)
    block_type = serializers.ChoiceField(choices=BlockType.choices, required=False)
    search = serializers.CharField(required=False, max_length=100)
    include_inactive = serializers.BooleanField(required=False, default=False)


def _template_page(request, *, category_id: int | None = None) -> dict:
    params = dict(_params(TemplateFilterSerializer, request))
    # Inactive templates are the content managers' business.
    params["include_inactive"] = params["include_inactive"] and user_is_content_manager(request.user)
    if category_id is not None:
        params["category"] = category_id
    filters = TemplateFilters(
        category_id=params.get("category"),
        block_type=params.get("block_type"),
        search=params.get("search"),
        include_inactive=params["include_inactive"],
    )
    return catalogue_cached(
        "templates",
        params,
        lambda: _page_envelope(
            TemplateListItemSerializer, paginate(template_list(filters=filters), params, keyset=BY_ID)
        ),
    )


class TemplateInputSerializer(serializers.Serializer):
    category = BoundedPrimaryKeyRelatedField(queryset=Category.objects.all())
    name = serializers.CharField(max_length=200)
    block_type = serializers.ChoiceField(choices=BlockType.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    html = serializers.CharField(max_length=100_000, trim_whitespace=False)
    slots = serializers.DictField()
    metadata = serializers.DictField(required=False, default=dict)
    thumbnail_url = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class TemplateListCreateApi(CatalogueApi):
    schema = PagedListAutoSchema()  # a paged envelope, still `…_list`

    @extend_schema(parameters=[TemplateFilterSerializer], responses=TemplatePageSerializer)
    def get(self, request):
        return Response(_template_page(request))

    @extend_schema(request=TemplateInputSerializer, responses={201: TemplateOutputSerializer})
    def post(self, request):
        serializer = TemplateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = template_create(user=request.user, **serializer.validated_data)
        response = Response(TemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/templates/{template.id}"
        return response


def _hide_inactive(request, *, is_active: bool) -> None:
    """An inactive template is the content managers' business: anyone else is told 404."""
    if not is_active and not user_is_content_manager(request.user):
        raise NotFound("Template not found.")


class TemplateDetailApi(CatalogueApi):
    @extend_schema(responses=TemplateOutputSerializer)
    def get(self, request, template_id: int):
        body = catalogue_cached(
            "template",
            {"id": template_id},
            lambda: TemplateOutputSerializer(template_get(template_id=template_id)).data,
        )
        _hide_inactive(request, is_active=body["is_active"])
        return Response(body)

    def _update(self, request, template_id: int, *, partial: bool):
        template = template_get(template_id=template_id)
        serializer = TemplateInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if not partial or k in request.data}
        template = template_update(template=template, user=request.user, data=data)
        return Response(TemplateOutputSerializer(template).data)

    @extend_schema(request=TemplateInputSerializer, responses=TemplateOutputSerializer)
    def put(self, request, template_id: int):
        return self._update(request, template_id, partial=False)

    @extend_schema(request=TemplateInputSerializer, responses=TemplateOutputSerializer)
    def patch(self, request, template_id: int):
        return self._update(request, template_id, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request, template_id: int):
        template_delete(template=template_get(template_id=template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _html_response(document: str, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    # The page is sanitised already; the sandbox CSP makes sure nothing in it ever runs here.
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Content-Type-Options"] = "nosniff"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TemplatePreviewApi(CatalogueApi):
    @extend_schema(responses={(200, "text/html"): OpenApiTypes.STR})
    def get(self, request, template_id: int):
        def render() -> dict:
            template = template_get(template_id=template_id)
            return {"is_active": template.is_active, "document": template_preview(template=template)}

        preview = catalogue_cached("template-preview", {"id": template_id}, render)
        _hide_inactive(request, is_active=preview["is_active"])
        return _html_response(preview["document"])


# --- categories ------------------------------------------------------------------------------


class CategoryInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CategoryListCreateApi(CatalogueApi):
    schema = PagedListAutoSchema()  # a paged envelope, still `…_list`

    @extend_schema(parameters=[IdPageParamsSerializer], responses=CategoryPageSerializer)
    def get(self, request):
        params = _params(IdPageParamsSerializer, request)
        return Response(
            catalogue_cached(
                "categories",
                params,
                lambda: _page_envelope(
                    CategoryOutputSerializer, paginate(category_list(), params, keyset=BY_ID)
                ),
            )
        )

    @extend_schema(request=CategoryInputSerializer, responses={201: CategoryOutputSerializer})
    def post(self, request):
        serializer = CategoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = category_create(**serializer.validated_data)
        response = Response(CategoryOutputSerializer(category).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/categories/{category.id}/templates"
        return response


class CategoryTemplateListApi(CatalogueApi):
    schema = PagedListAutoSchema()  # a paged envelope, still `…_list`

    @extend_schema(parameters=[TemplateFilterSerializer], responses=TemplatePageSerializer)
    def get(self, request, category_id: int):
        catalogue_cached("category", {"id": category_id}, lambda: category_get(category_id=category_id).id)
        return Response(_template_page(request, category_id=category_id))


# --- template sets ---------------------------------------------------------------------------


class TemplateSetFilterSerializer(IdPageParamsSerializer):
    category = IdField(required=False)


class TemplateSetInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = BoundedPrimaryKeyRelatedField(queryset=Category.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_default = serializers.BooleanField(required=False, default=False)
    template_ids = serializers.ListField(
        child=IdField(), allow_empty=False, max_length=50, help_text="The set's templates, in page order."
    )


class TemplateSetListCreateApi(CatalogueApi):
    schema = PagedListAutoSchema()  # a paged envelope, still `…_list`

    @extend_schema(parameters=[TemplateSetFilterSerializer], responses=TemplateSetPageSerializer)
    def get(self, request):
        params = _params(TemplateSetFilterSerializer, request)
        return Response(
            catalogue_cached(
                "sets",
                params,
                lambda: _page_envelope(
                    TemplateSetOutputSerializer,
                    paginate(template_set_list(category_id=params.get("category")), params, keyset=BY_ID),
                ),
            )
        )

    @extend_schema(request=TemplateSetInputSerializer, responses={201: TemplateSetOutputSerializer})
    def post(self, request):
        serializer = TemplateSetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template_set = template_set_create(**serializer.validated_data)
        body = TemplateSetOutputSerializer(template_set_get(template_set_id=template_set.id)).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/template-sets/{template_set.id}"
        return response


class TemplateSetDetailApi(CatalogueApi):
    @extend_schema(responses=TemplateSetOutputSerializer)
    def get(self, request, template_set_id: int):
        return Response(
            catalogue_cached(
                "set",
                {"id": template_set_id},
                lambda: TemplateSetOutputSerializer(template_set_get(template_set_id=template_set_id)).data,
            )
        )

    def _update(self, request, template_set_id: int, *, partial: bool):
        template_set: TemplateSet = template_set_get(template_set_id=template_set_id)
        serializer = TemplateSetInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if not partial or k in request.data}
        template_set_update(template_set=template_set, data=data)
        return Response(TemplateSetOutputSerializer(template_set_get(template_set_id=template_set_id)).data)

    @extend_schema(request=TemplateSetInputSerializer, responses=TemplateSetOutputSerializer)
    def put(self, request, template_set_id: int):
        return self._update(request, template_set_id, partial=False)

    @extend_schema(request=TemplateSetInputSerializer, responses=TemplateSetOutputSerializer)
    def patch(self, request, template_set_id: int):
        return self._update(request, template_set_id, partial=True)


class TemplateSetPreviewApi(CatalogueApi):
    """The set's active templates in order, filled with sample content, as one HTML page (what
    a product page made from the set looks like)."""

    @extend_schema(responses={(200, "text/html"): OpenApiTypes.STR})
    def get(self, request, template_set_id: int):
        def render() -> str:
            template_set = template_set_get(template_set_id=template_set_id)
            templates = [item.template for item in template_set.items.all() if item.template.is_active]
            return templates_preview(templates=templates, title=template_set.name)

        return _html_response(catalogue_cached("set-preview", {"id": template_set_id}, render))


# --- pages -----------------------------------------------------------------------------------


class PageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    language = serializers.CharField()
    blocks = serializers.ListField(
        child=serializers.DictField(),
        help_text="In page order. Each: position, template_id, template_name, block_type, "
        "template_revision, model (its provenance), sparse, image_slot (null: no image "
        "slot), image_id (the gallery image it shows, or null), content.",
    )
    block_count = serializers.IntegerField()
    job_id = serializers.UUIDField(allow_null=True, help_text="The job that made the page.")
    html_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_html_url(self, page) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/pages/{page.id}/html")


class PageListItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    job_id = serializers.UUIDField(allow_null=True)
    html_url = serializers.URLField()
    block_count = serializers.IntegerField()


PageListPageSerializer = page_serializer(PageListItemSerializer, "ProductPageList")


class PageListApi(APIView):
    """Your product pages, newest first; `has_next` and `next_cursor` as the other lists."""

    @extend_schema(
        parameters=[PageParamsSerializer], responses=PageListPageSerializer, operation_id="pages_list"
    )
    def get(self, request):
        params = _params(PageParamsSerializer, request)
        page = paginate(page_list(user=request.user), params)
        base = request.build_absolute_uri("/api/v1/pages/")
        rows = [{**row, "html_url": f"{base}{row['id']}/html"} for row in page.items]
        return Response(page.envelope(_many(PageListItemSerializer, rows)))


class PageDetailApi(APIView):
    @extend_schema(responses=PageOutputSerializer)
    def get(self, request, page_id):
        page = page_get(user=request.user, page_id=page_id)
        return Response(PageOutputSerializer(page, context={"request": request}).data)


class PageHtmlApi(APIView):
    """The page as one HTML document (sandboxed by its CSP)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "inline_images",
                bool,
                description="1: every image as a data: URL, so the document shows them in a "
                "sandboxed frame and offline",
            ),
            OpenApiParameter("download", bool, description="1: as an attachment (page-<id>.html)"),
        ],
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    def get(self, request, page_id):
        page = page_get(user=request.user, page_id=page_id)
        document = page_html(
            user=request.user, page=page, inline_images=request.query_params.get("inline_images") == "1"
        )
        download = request.query_params.get("download") == "1"
        response = _html_response(document, filename=f"page-{page.id}.html" if download else None)
        response["Cache-Control"] = "private, no-cache"
        return response


class PageBlockImageApi(APIView):
    """Show one of your gallery images in a block of your page (`index` counts from 0 in
    `blocks`); answers the updated page. 400 when the block has no image slot."""

    @extend_schema_serializer(component_name="PageBlockImage")
    class InputSerializer(serializers.Serializer):
        image_id = serializers.UUIDField(help_text="One of your gallery images (not in the trash).")

    @extend_schema(
        request=InputSerializer, responses=PageOutputSerializer, operation_id="pages_block_image_set"
    )
    def post(self, request, page_id, index: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = page_block_image_set(
            user=request.user, page_id=page_id, index=index, image_id=data.validated_data["image_id"]
        )
        return Response(PageOutputSerializer(page, context={"request": request}).data)
