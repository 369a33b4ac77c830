from django.urls import path

import config.fields  # noqa: F401 (registers the <id:…> path converter)
from generation.compat import (
    SeedActuatorHealthApi,
    SeedDisplayListApi,
    SeedGoodsGenerateApi,
    SeedImageEditApi,
    SeedPplGenerateApi,
    SeedServiceApi,
    SeedUploadImageApi,
    deprecated_alias,
)
from templates_app import apis as catalogue

app_name = "seed"

urlpatterns = [
    path("ppl-gen/generate", SeedPplGenerateApi.as_view(), name="ppl-generate"),
    path("goods-gen/generate", SeedGoodsGenerateApi.as_view(), name="goods-generate"),
    path("generation/", SeedServiceApi.as_view(), name="generation"),
    path("generation/actuator/health", SeedActuatorHealthApi.as_view(), name="generation-health"),
    path("generation/display-list", SeedDisplayListApi.as_view(), name="generation-display-list"),
    path("generation/image", SeedImageEditApi.as_view(), name="generation-image"),
    path("generation/upload-image", SeedUploadImageApi.as_view(), name="generation-upload-image"),
    # Seed 003's catalogue paths: the /api/v1 views under their old names (deprecated).
    path("templates", deprecated_alias(catalogue.TemplateListCreateApi).as_view(), name="template-list"),
    path(
        "templates/<id:template_id>",
        deprecated_alias(catalogue.TemplateDetailApi).as_view(),
        name="template-detail",
    ),
    path(
        "templates/<id:template_id>/preview",
        deprecated_alias(catalogue.TemplatePreviewApi).as_view(),
        name="template-preview",
    ),
    path("categories", deprecated_alias(catalogue.CategoryListCreateApi).as_view(), name="category-list"),
    path(
        "categories/<id:category_id>/templates",
        deprecated_alias(catalogue.CategoryTemplateListApi).as_view(),
        name="category-templates",
    ),
    path(
        "template-sets",
        deprecated_alias(catalogue.TemplateSetListCreateApi).as_view(),
        name="template-set-list",
    ),
    path(
        "template-sets/<id:template_set_id>",
        deprecated_alias(catalogue.TemplateSetDetailApi).as_view(),
        name="template-set-detail",
    ),
]
