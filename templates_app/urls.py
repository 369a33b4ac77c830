from django.urls import path

import config.fields  # noqa: F401 (registers the <id:…> path converter)
from templates_app import apis

app_name = "templates_app"

urlpatterns = [
    path("templates", apis.TemplateListCreateApi.as_view(), name="template-list"),
    path("templates/<id:template_id>", apis.TemplateDetailApi.as_view(), name="template-detail"),
    path("templates/<id:template_id>/preview", apis.TemplatePreviewApi.as_view(), name="template-preview"),
    path("categories", apis.CategoryListCreateApi.as_view(), name="category-list"),
    path(
        "categories/<id:category_id>/templates",
        apis.CategoryTemplateListApi.as_view(),
        name="category-templates",
    ),
    path("template-sets", apis.TemplateSetListCreateApi.as_view(), name="template-set-list"),
    path(
        "template-sets/<id:template_set_id>", apis.TemplateSetDetailApi.as_view(), name="template-set-detail"
    ),
    path(
        "template-sets/<id:template_set_id>/preview",
        apis.TemplateSetPreviewApi.as_view(),
        name="template-set-preview",
    ),
    path("pages", apis.PageListApi.as_view(), name="page-list"),
    path("pages/<uuid:page_id>", apis.PageDetailApi.as_view(), name="page-detail"),
    path("pages/<uuid:page_id>/html", apis.PageHtmlApi.as_view(), name="page-html"),
    path(
        "pages/<uuid:page_id>/blocks/<int:index>/image",
        apis.PageBlockImageApi.as_view(),
        name="page-block-image",
    ),
]
