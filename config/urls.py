from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.apis import EventStreamApi
from config.client_config import ClientConfigApi
from generation.preflight import JobPreflightApi

api_v1: list[URLPattern | URLResolver] = [
    path("auth/", include("accounts.urls")),
    path("", include("generation.urls")),
    path("", include("gallery.urls")),
    path("", include("templates_app.urls")),
    path("preflight", JobPreflightApi.as_view(), name="preflight"),
    path("config", ClientConfigApi.as_view(), name="config"),
    path("events", EventStreamApi.as_view(), name="events"),
]

urlpatterns = [
    path("", include("config.ops_urls")),  # /healthz, /healthz/live, /metrics (before admin/)
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/", include("generation.compat_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include("config.spa")),  # last: every other browser path is the web app (index.html)
]

handler400 = "config.views.bad_request"
handler404 = "config.views.api_not_found"
handler500 = "config.views.server_error"
