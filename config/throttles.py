"""Per-user rates of the costly writes: job creation, uploads and URL imports (DRF throttles on the
shared cache, so Redis counts across every web process in production).

A view opts in with `throttle_scope = "jobs" | "uploads" | "imports"`; only unsafe methods count
(reading a job list is never throttled). The limits are settings, read on every request
(THROTTLE_JOBS_PER_MINUTE, THROTTLE_UPLOADS_PER_MINUTE, THROTTLE_IMPORTS_PER_MINUTE; 0 turns one
off). Past a limit the answer is 429 `throttled` with Retry-After (config/errors.py). Signed-in
callers are counted per user, anyone else per client address. A cache that cannot be reached lets
the request through: a throttle protects capacity, it is never needed for a correct answer.
"""

from __future__ import annotations

import logging

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

THROTTLE_SCOPES = {
    "jobs": "THROTTLE_JOBS_PER_MINUTE",
    "uploads": "THROTTLE_UPLOADS_PER_MINUTE",
    "imports": "THROTTLE_IMPORTS_PER_MINUTE",
}


class UserActionThrottle(SimpleRateThrottle):
    def __init__(self):  # the rate depends on the view's scope, chosen in allow_request
        self.rate = None

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if scope is None or request.method in SAFE_METHODS:
            return True
        limit = int(getattr(settings, THROTTLE_SCOPES[scope]))
        if limit <= 0:
            return True
        self.scope, self.rate = scope, f"{limit}/min"
        self.num_requests, self.duration = limit, 60
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache is down: serve rather than refuse
            logger.warning(
                "throttle cache unavailable; request let through", exc_info=True, extra={"scope": scope}
            )
            return True

    def get_cache_key(self, request, view) -> str:
        from accounts.services import request_client_address

        user = getattr(request, "user", None)
        ident = (
            f"user:{user.pk}"
            if user is not None and user.is_authenticated
            else (f"address:{request_client_address(request)}")
        )
        return f"throttle:{self.scope}:{ident}"
