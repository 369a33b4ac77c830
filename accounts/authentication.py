"""JWT authentication that honours revocation: an access token ends at sign-out or at a password
change, not only when it expires (accounts/services.py keeps the denylist in the cache)."""

from __future__ import annotations

import functools

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


class RevocableJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token):
        # Imported here: DRF loads this class while config.errors is still loading.
        from accounts.services import access_token_is_revoked

        token = super().get_validated_token(raw_token)
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
