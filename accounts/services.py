from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from accounts.models import User
from config.errors import ApplicationError, InvalidInput, Throttled

logger = logging.getLogger(__name__)


class InvalidCredentials(ApplicationError):
    """401 for a wrong username or password, on every way of signing in."""

    code = "invalid_credentials"
    status_code = status.HTTP_401_UNAUTHORIZED


def user_create(
    *, username: str, password: str, email: str = "", is_staff: bool = False, is_superuser: bool = False
) -> User:
    user = User(username=username, email=email, is_staff=is_staff, is_superuser=is_superuser)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_refresh_token_revoke(*, refresh: str) -> None:
    """Blacklist a refresh token so it can never mint access tokens again."""
    try:
        RefreshToken(refresh).blacklist()  # type: ignore[arg-type]  # simplejwt takes the encoded token too
    except TokenError as exc:
        raise InvalidInput(f"refresh: {exc}", code="token_not_valid", fields={"refresh": [str(exc)]})


# --- revoked access tokens ------------------------------------------------------------------------
# Access tokens are stateless, so ending one early takes a denylist, checked on every request
# (accounts/authentication.py): the token id (jti) of a signed-out token, and per user the time
# of a password change (every access token issued in an earlier second ends). Both live in the
# cache only as long as the tokens they end could still be used. An unreachable cache lets
# tokens through (they still expire): the cache is never required to serve a request.


def _revoked_key(jti: str) -> str:
    return f"jwt-revoked:{jti}"


def _revoked_before_key(user_id: object) -> str:
    return f"jwt-revoked-before:{user_id}"


def access_token_revoke(*, token: Token) -> None:
    """End one access token (a validated simplejwt token) for the rest of its lifetime."""
    remaining = int(token.get("exp", 0) - time.time()) + 1
    jti = token.get(jwt_settings.JTI_CLAIM)
    if jti and remaining > 0:
        cache.set(_revoked_key(jti), 1, timeout=remaining)


def user_access_tokens_revoke(*, user: User) -> None:
    """End every access token issued to the user before now."""
    lifetime = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 1
    cache.set(_revoked_before_key(user.pk), int(time.time()), timeout=lifetime)


def access_token_is_revoked(token: Token) -> bool:
    jti = token.get(jwt_settings.JTI_CLAIM)
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    try:
        values = cache.get_many([_revoked_key(jti), _revoked_before_key(user_id)])
    except Exception:  # the cache is down: the token still expires on its own
        logger.warning("token denylist unavailable; access token accepted", exc_info=True)
        return False
    if values.get(_revoked_key(jti)):
        return True
    cutoff = values.get(_revoked_before_key(user_id))
    return cutoff is not None and int(token.get("iat", 0)) < cutoff


def user_refresh_tokens_revoke_all(*, user: User) -> None:
    """Blacklist every refresh token the user still holds (a password change signs out everywhere)."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True
    )


# --- the client's address -------------------------------------------------------------------------


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES)


def request_client_address(request: HttpRequest | None) -> str:
    """The caller's address: REMOTE_ADDR, or, when that is one of TRUSTED_PROXIES, the nearest
    address in X-Forwarded-For that is not a trusted proxy (the ones further left are whatever
    the client chose to send, so they are never believed). "" without a request."""
    if request is None:
        return ""
    address: str = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(address):
        return address
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        hop = hop.strip()
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed chain: fall back to the proxy itself
        if not _is_trusted_proxy(hop):
            return hop
    return address


# --- failed sign-ins ------------------------------------------------------------------------------
# Counted in the cache (locmem in one process, Redis across processes) per username and per client
# address. A counter lives LOGIN_FAILURE_WINDOW_SECONDS from its first failure; its start time is
# kept beside it so Retry-After can say when it ends. Once a counter is full every attempt is
# refused before the password is even checked, so a right guess during the lockout teaches nothing.


def _failure_counters(*, username: str, address: str) -> list[tuple[str, int]]:
    # Usernames are hashed (any length, any characters, never a cache key injection) and folded
    # to lower case so "Alice" and "alice" share one counter.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:40]
    counters = [(f"login-failures:username:{name}", settings.LOGIN_FAILURES_PER_USERNAME)]
    if address:
        counters.append((f"login-failures:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS))
    return counters


def login_failures_check(*, username: str, address: str) -> None:
    """429 `throttled` (with Retry-After) while either counter is full."""
    counters = _failure_counters(username=username, address=address)
    values = cache.get_many([key for key, _ in counters] + [f"{key}:since" for key, _ in counters])
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    waits = [
        max(1, math.ceil(values.get(f"{key}:since", now) + window - now))
        for key, limit in counters
        if values.get(key, 0) >= limit
    ]
    if waits:
        wait = max(waits)
        raise Throttled(f"Too many failed sign-ins. Try again in {wait} seconds.", retry_after_seconds=wait)


def login_failure_record(*, username: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _ in _failure_counters(username=username, address=address):
        if cache.add(key, 1, timeout=window):  # the first failure opens the window
            cache.set(f"{key}:since", time.time(), timeout=window)
            continue
        try:
            cache.incr(key)  # atomic in Redis; keeps the key's expiry
        except ValueError:  # expired between add() and incr(): this failure opens a new window
            cache.add(key, 1, timeout=window)
            cache.set(f"{key}:since", time.time(), timeout=window)


def login_failures_clear(*, username: str) -> None:
    """A right password clears the username's counter (typos earlier do not linger); the
    address's counter stays, so one address cannot try many accounts by signing in to its own."""
    key, _ = _failure_counters(username=username, address="")[0]
    cache.delete_many([key, f"{key}:since"])


def user_credentials_check(*, request: HttpRequest | None, username: str, password: str) -> User:
    """The user with this username and password; 429 `throttled` while too many attempts failed,
    401 `invalid_credentials` otherwise. (The auth backend counts and clears the failures.)"""
    login_failures_check(username=username, address=request_client_address(request))
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise InvalidCredentials("Wrong username or password.")
    return user


def user_session_login(*, request: HttpRequest, username: str, password: str) -> User:
    """Sign a browser in: Django's session cookie (login() also rotates the CSRF token)."""
    user = user_credentials_check(request=request, username=username, password=password)
    login(request, user)
    return user


def user_session_logout(*, request: HttpRequest) -> None:
    logout(request)


def user_password_change(*, user: User, old_password: str, new_password: str, address: str) -> None:
    """Change a user's own password. A wrong old password counts as a failed sign-in (a stolen
    session must not become a way to guess the password), and the new one passes Django's
    password validators."""
    login_failures_check(username=user.get_username(), address=address)
    if not user.check_password(old_password):
        login_failure_record(username=user.get_username(), address=address)
        # Django's own wording, so it comes translated with Django's catalogues.
        message = gettext("Your old password was entered incorrectly. Please enter it again.")
        raise InvalidInput(f"old_password: {message}", fields={"old_password": [message]})
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise InvalidInput(f"new_password: {exc.messages[0]}", fields={"new_password": exc.messages})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Every token issued before ends: refresh tokens for good, access tokens now (the browser
    # session that asked stays signed in through update_session_auth_hash in the view).
    user_refresh_tokens_revoke_all(user=user)
    user_access_tokens_revoke(user=user)
