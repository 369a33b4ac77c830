"""One request id per HTTP request: taken from a sane incoming X-Request-ID (a proxy's or a
client's) or generated, echoed in the response, added to every log line written while the
request runs, and stored on the jobs it creates so the workers' job events carry it too.

The middleware also writes one access line per request (method, route, status, duration; never
the query string or headers, which may carry tokens) and feeds the request-latency metrics.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# Letters, digits and . _ : - only, 8 to 64 characters: ids from load balancers and tracing
# headers fit; anything else (log injection, huge values) is replaced by a fresh id.
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_logger = logging.getLogger("studio.request")


def current_request_id() -> str | None:
    """The id of the HTTP request being served in this thread, if any."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    return value if value and _SANE.match(value) else new_request_id()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to records logged during a request (unless the caller gave one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = _current.get()
            if request_id is not None:
                record.request_id = request_id
        return True


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match.route or "<unnamed>"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get(_META_KEY))
        request.request_id = request_id  # type: ignore[attr-defined]  # our own attribute, for views
        token = _current.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            route = _route(request)
            _observe(request.method or "OTHER", route, response.status_code, seconds)
            if not route.startswith("ops:"):  # probes and scrapes every few seconds are noise
                user = getattr(request, "user", None)
                try:
                    user_id = getattr(user, "pk", None) if user is not None else None
                except DatabaseError:  # the session's user cannot be read (the database is down)
                    user_id = None
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "event": "http_request",
                        "method": request.method,
                        "path": request.path,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1),
                        "user_id": user_id,
                    },
                )
            return response
        finally:
            _current.reset(token)


def _observe(method: str, route: str, status: int, seconds: float) -> None:
    from config import metrics  # prometheus_client is imported once, after settings

    metrics.observe_request(method=method, route=route, status=status, seconds=seconds)
