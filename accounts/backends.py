"""Sign-in throttling for every way in (the web app's session, JWT for scripts, the admin's login
page): failures are counted from Django's `user_login_failed` signal, and this backend refuses
any attempt while the username's or the address's counter is full."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.services import (
    login_failure_record,
    login_failures_check,
    login_failures_clear,
    request_client_address,
)
from config.errors import Throttled


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get(self._username_field(), "")
        try:
            login_failures_check(username=str(name or ""), address=request_client_address(request))
        except Throttled:
            # Stops every backend; Django reports the attempt as failed. The API answers 429
            # before it gets here; the admin's login page shows its usual error.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_failures_clear(username=str(name or ""))
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def login_failed_receiver(sender, credentials: dict, request=None, **kwargs) -> None:
    """Django's user_login_failed: count the failure against the username and the address."""
    from django.contrib.auth import get_user_model

    username = credentials.get("username", credentials.get(get_user_model().USERNAME_FIELD, ""))
    login_failure_record(username=str(username or ""), address=request_client_address(request))
