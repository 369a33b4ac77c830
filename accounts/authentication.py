"""JWT authentication that honours revocation: an access token ends at sign-out or at a password
change, not only when it expires (accounts/services.py keeps the denylist in the cache).

A token whose signature and claims were checked is remembered per process (at most
VALIDATED_TOKENS_KEPT, each until its `exp`): a client polling every second sends the same token
for its whole lifetime, and decoding and verifying it again was a tenth of a poll's CPU. The
revocation check still runs at every request; a change to the signing settings forgets them all.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from config.sql import RowQuery


@functools.cache
def _user_by_token_id() -> RowQuery:
    from django.contrib.auth import get_user_model

    return RowQuery(get_user_model(), where=[api_settings.USER_ID_FIELD])


VALIDATED_TOKENS_KEPT = 1024
_validated: OrderedDict[bytes, tuple[float, object]] = OrderedDict()
_validated_lock = threading.Lock()


def _validated_get(raw_token: bytes):
    with _validated_lock:
        found = _validated.get(raw_token)
        if found is None:
            return None
        expires, token = found
        if time.time() >= expires:  # checked again in full (leeway and all), and refused if due
            del _validated[raw_token]
            return None
        _validated.move_to_end(raw_token)
        return token


def _validated_put(raw_token: bytes, token) -> None:
    expires = token.get("exp")
    if not isinstance(expires, int | float):
        return
    with _validated_lock:
        _validated[raw_token] = (float(expires), token)
        _validated.move_to_end(raw_token)
        while len(_validated) > VALIDATED_TOKENS_KEPT:
            _validated.popitem(last=False)


@receiver(setting_changed)
def _forget_validated_tokens(setting, **kwargs) -> None:
    if setting in ("SIMPLE_JWT", "SECRET_KEY"):
        with _validated_lock:
            _validated.clear()


class RevocableJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token):
        # Imported here: DRF loads this class while config.errors is still loading.
        from accounts.services import access_token_is_revoked

        token = _validated_get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            _validated_put(raw_token, token)
        if access_token_is_revoked(token):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_not_valid"})
        return token

    def get_user(self, validated_token):
        """simplejwt's get_user (same checks, same errors), with the user read by SQL written once
        per process: every authenticated API request reads its user."""
        if api_settings.USER_ID_CLAIM not in validated_token:
            return super().get_user(validated_token)  # its own error
        user = _user_by_token_id().first(validated_token[api_settings.USER_ID_CLAIM])
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user
