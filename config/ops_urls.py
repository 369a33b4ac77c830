"""Routes of the operations endpoints (namespace `ops`). The request-id middleware keeps these
out of the access log: probes and scrapes every few seconds would drown it."""

from django.urls import path

from config import ops_views

app_name = "ops"

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("healthz/live", ops_views.healthz_live, name="healthz-live"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/health/refresh", ops_views.admin_health_refresh, name="admin-health-refresh"),
]
