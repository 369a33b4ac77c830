"""Sign-out and a password change end access tokens too, not only refresh tokens; token answers
are never cached."""

import time

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a new long passphrase 42"


def _sign_in(username="alice", password=PASSWORD) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response["Cache-Control"] == "no-store"
    return response.json()


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_logout_ends_the_access_token_it_was_sent_with(user):
    tokens = _sign_in()
    other = _sign_in()  # another device of the same user keeps working
    client = _bearer(tokens["access"])
    assert client.get("/api/v1/auth/me").status_code == 200
    logout = client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert logout.status_code == 204
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert _bearer(other["access"]).get("/api/v1/auth/me").status_code == 200
    refreshed = APIClient().post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401


def test_a_password_change_ends_every_earlier_token_of_the_user(user, other_user):
    old = RefreshToken.for_user(user)
    stale_access = old.access_token
    stale_access["iat"] = int(time.time()) - 5  # issued before the change
    bystander = _sign_in("bob")
    client = _bearer(str(stale_access))
    assert client.get("/api/v1/auth/me").status_code == 200
    response = client.post(
        "/api/v1/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204, response.json()
    assert client.get("/api/v1/auth/me").status_code == 401
    refreshed = APIClient().post("/api/v1/auth/token/refresh", {"refresh": str(old)}, format="json")
    assert refreshed.status_code == 401
    assert _bearer(bystander["access"]).get("/api/v1/auth/me").status_code == 200
    fresh = _sign_in(password=NEW_PASSWORD)
    assert _bearer(fresh["access"]).get("/api/v1/auth/me").status_code == 200


def test_refreshed_tokens_are_not_cached(user):
    tokens = _sign_in()
    response = APIClient().post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
