"""503 `service_unavailable` with Retry-After, never 500, when a backing service is down.

A request that needs the database, or the Redis broker, while it cannot be reached is answered
503 with `{"code": "service_unavailable", "message": ...}` and `Retry-After`
(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS): the client is told the truth (try again shortly),
and a load balancer or client retry policy treats it as transient. Three places apply it:
- the DRF exception handler (config/errors.py), for API views;
- `ServiceUnavailableMiddleware.process_exception`, for every other view (JSON under /api/, a
  plain page elsewhere);
- the 500 handler (config/views.py), for a failure outside any view (a middleware's session
  save, say), which Django hands to it while the exception is still being handled.

The cache is not among these: it is best-effort (config/cache.py) and never fails a request.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
)

MESSAGE = "The service is briefly unavailable. Try again in a few seconds."


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


def retry_after_seconds() -> int:
    return int(getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", 10))


def what_is_down(exc: BaseException) -> str:
    return "broker" if isinstance(exc, RedisConnectionError | RedisTimeoutError) else "database"


def log_unavailable(exc: BaseException, request: HttpRequest | None = None) -> None:
    logger.warning(
        "503: the %s is unavailable (%s)",
        what_is_down(exc),
        type(exc).__name__,
        extra={
            "event": "service_unavailable",
            "error": type(exc).__name__,
            "path": getattr(request, "path", ""),
        },
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    from config.errors import error_body, localized_message

    retry = retry_after_seconds()
    if request.path.startswith("/api/"):
        body = error_body("service_unavailable", localized_message("service_unavailable", MESSAGE))
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        response = HttpResponse(
            f"<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1><p>{MESSAGE}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "no-store"
    return response


def current_unavailable_error() -> BaseException | None:
    """The exception being handled, when it is one of UNAVAILABLE_ERRORS (for the 500 handler)."""
    exc = sys.exc_info()[1]
    return exc if is_unavailable(exc) else None


class ServiceUnavailableMiddleware:
    """Turns a view's database or broker outage into a 503 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unavailable(exception):
            return None
        log_unavailable(exception, request)
        return unavailable_response(request)
