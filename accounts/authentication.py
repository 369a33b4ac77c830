"""JWT authentication that honours revocation: an access token ends at sign-out or at a password
change, not only when it expires (accounts/services.py keeps the denylist in the cache)."""

from __future__ import annotations

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class RevocableJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token):
        # Imported here: DRF loads this class while config.errors is still loading.
        from accounts.services import access_token_is_revoked

        token = super().get_validated_token(raw_token)
        if access_token_is_revoked(token):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_not_valid"})
        return token
