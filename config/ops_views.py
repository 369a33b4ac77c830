"""Operations endpoints: /healthz (readiness), /healthz/live (liveness), /metrics (guarded),
and the admin banner's refresh link."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.errors import error_body
from config.health import health_cache_clear, health_report

logger = logging.getLogger(__name__)


def _may_see_health_detail(request: HttpRequest) -> bool:
    """Messages (host names, pids, disk figures, provider errors) only for staff (the admin's
    session) or with the metrics token; probes and everyone else get ok/warn/fail per check."""
    user = getattr(request, "user", None)
    try:
        if user is not None and user.is_authenticated and user.is_staff:
            return True
    except DatabaseError:  # the session cannot be read: the database is down, which /healthz reports
        pass
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode())
    )


WEB_SERVING_CHECKS = frozenset({"database", "migrations", "disk", "storage"})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every required check passes, 503 otherwise; the status of each check,
    and its detail for staff or with the metrics token."""
    report = health_report()
    body = report.as_dict()
    if not _may_see_health_detail(request):
        body["checks"] = {
            name: {"status": check["status"], "required": check["required"]}
            for name, check in body["checks"].items()
        }
    healthy = report.is_healthy
    if request.GET.get("scope") == "web":
        # The web pods' readiness: only what serving a request needs. A broker or worker outage
        # must not take every web pod out of the Service: jobs are still accepted (202) then,
        # and the reconciler runs them once the broker is back.
        healthy = not any(check.name in WEB_SERVING_CHECKS for check in report.failing)
        body["scope"] = "web"
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no cache, no provider."""
    return JsonResponse({"status": "ok"})


def _client_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _metrics_denied(request: HttpRequest) -> HttpResponse | None:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, given = header.partition(" ")
        is_valid = token and hmac.compare_digest(given.strip().encode(), token.encode())
        if scheme.lower() == "bearer" and is_valid:
            return None
        return _unauthorized("The metrics token is not valid.")
    if _client_allowed(request.META.get("REMOTE_ADDR", "")):
        return None
    if token:
        return _unauthorized("A bearer token (METRICS_TOKEN) is required.")
    return JsonResponse(
        error_body(
            "permission_denied",
            "Metrics are only served to METRICS_ALLOWED_IPS or with a METRICS_TOKEN bearer token.",
        ),
        status=403,
    )


def _unauthorized(message: str) -> JsonResponse:
    response = JsonResponse(error_body("not_authenticated", message), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    denied = _metrics_denied(request)
    if denied is not None:
        return denied
    from prometheus_client import CONTENT_TYPE_LATEST

    from config.metrics import render

    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)


@staff_member_required
def admin_health_refresh(request: HttpRequest) -> HttpResponse:
    """The banner's refresh link: run the checks now, then go back to the page."""
    health_cache_clear()
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/admin/"
    return redirect(target)


def health_banner(request: HttpRequest) -> dict:
    """Context processor: `health_banner` for the admin's base_site.html, computed only when a
    staff member's admin page reads it."""
    if not request.path.startswith("/admin/"):
        return {}
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_staff", False):
        return {}
    from django.utils.functional import SimpleLazyObject

    return {"health_banner": SimpleLazyObject(health_report)}
