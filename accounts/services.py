from __future__ import annotations

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from config.errors import InvalidInput


def user_create(*, username: str, password: str, email: str = "", is_staff: bool = False,
                is_superuser: bool = False) -> User:
    user = User(username=username, email=email, is_staff=is_staff, is_superuser=is_superuser)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_refresh_token_revoke(*, refresh: str) -> None:
    """Blacklist a refresh token so it can never mint access tokens again."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise InvalidInput(f"refresh: {exc}", code="token_not_valid",
                           fields={"refresh": [str(exc)]})
