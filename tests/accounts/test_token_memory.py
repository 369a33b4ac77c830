"""A validated access token is remembered per process (accounts/authentication.py): revocation is
still checked at every request, an expired token is refused, and new signing settings forget
every remembered token."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts import authentication
from accounts.services import access_token_revoke, user_access_tokens_revoke


@pytest.fixture(autouse=True)
def _forget():
    authentication._validated.clear()
    yield
    authentication._validated.clear()


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_remembered_token_is_still_refused_once_revoked(user):
    token = AccessToken.for_user(user)
    client = _client(str(token))
    assert client.get("/api/v1/jobs").status_code == 200
    assert str(token).encode() in authentication._validated

    access_token_revoke(token=token)

    assert client.get("/api/v1/jobs").status_code == 401


def test_a_remembered_token_is_refused_after_a_password_change_signs_everyone_out(user):
    token = AccessToken.for_user(user)
    token["iat"] = int(token["iat"]) - 10  # issued before the change (the cutoff is in whole seconds)
    client = _client(str(token))
    assert client.get("/api/v1/jobs").status_code == 200
    user_access_tokens_revoke(user=user)
    assert client.get("/api/v1/jobs").status_code == 401


def test_a_remembered_token_past_its_expiry_is_refused(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-token.lifetime)  # as if remembered while it was valid, now expired
    raw = str(token)
    authentication._validated_put(raw.encode(), token)

    response = _client(raw).get("/api/v1/jobs")

    assert response.status_code == 401
    assert raw.encode() not in authentication._validated


def test_new_signing_settings_forget_every_remembered_token(user, settings):
    assert _client(str(AccessToken.for_user(user))).get("/api/v1/jobs").status_code == 200
    assert authentication._validated
    with override_settings(SIMPLE_JWT={**settings.SIMPLE_JWT, "SIGNING_KEY": "another-key-" + "x" * 40}):
        assert not authentication._validated


def test_at_most_so_many_tokens_are_remembered(user, monkeypatch):
    monkeypatch.setattr(authentication, "VALIDATED_TOKENS_KEPT", 2)
    for _ in range(3):
        assert _client(str(AccessToken.for_user(user))).get("/api/v1/jobs").status_code == 200
    assert len(authentication._validated) == 2
