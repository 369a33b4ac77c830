from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.apis import EventStreamApi
from config.client_config import ClientConfigApi
from config.lazy_admin import AdminResolver
from generation.preflight import JobPreflightApi


class _SchemaView(View):
    """drf-spectacular's view `spectacular_view`, imported with the first request for the schema
    or its docs: its generator imports the whole schema machinery (and django.test), which no
    other request of a web worker needs (tests/ops/test_web_imports.py)."""

    spectacular_view = ""
    spectacular_kwargs: dict[str, Any] = {}
    _loaded: dict[str, Callable[..., Any]] = {}

    def get(self, request, *args, **kwargs):
        view = self._loaded.get(self.spectacular_view)
        if view is None:
            from drf_spectacular import views

            view = getattr(views, self.spectacular_view).as_view(**self.spectacular_kwargs)
            self._loaded[self.spectacular_view] = view
        return view(request, *args, **kwargs)


def _schema_view(name: str, **kwargs: Any) -> Callable[..., Any]:
    # csrf_exempt as APIView.as_view() (these views only read)
    return csrf_exempt(_SchemaView.as_view(spectacular_view=name, spectacular_kwargs=kwargs))


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
    # The model admins load with the first admin request in a web worker (config/lazy_admin.py).
    AdminResolver("admin/"),
    path("api/v1/", include(api_v1)),
    path("api/", include("generation.compat_urls")),
    path("api/schema/", _schema_view("SpectacularAPIView"), name="schema"),
    path("api/docs/", _schema_view("SpectacularSwaggerView", url_name="schema"), name="docs"),
    path("api/redoc/", _schema_view("SpectacularRedocView", url_name="schema"), name="redoc"),
    path("", include("config.spa")),  # last: every other browser path is the web app (index.html)
]

handler400 = "config.views.bad_request"
handler404 = "config.views.api_not_found"
handler500 = "config.views.server_error"
