"""Browsers sign in with Django's session cookie and its CSRF token (never a JWT in the page)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SESSION = "/api/v1/auth/session"
PASSWORD = "/api/v1/auth/password"
ME = "/api/v1/auth/me"
GOOD = {"username": "alice", "password": "correct horse battery"}


@pytest.fixture
def browser():
    """A client that checks CSRF as a real browser request is checked."""
    return APIClient(enforce_csrf_checks=True)


def csrf(client) -> str:
    """What the web app does: the token from the csrftoken cookie (any page or /auth/me sets it)."""
    client.get(ME)
    return client.cookies["csrftoken"].value


def sign_in(client, **overrides):
    return client.post(SESSION, {**GOOD, **overrides}, format="json", HTTP_X_CSRFTOKEN=csrf(client))


def test_an_anonymous_visitor_gets_a_csrf_cookie_with_the_401_from_me(browser):
    response = browser.get(ME)
    assert response.status_code == 401
    assert browser.cookies["csrftoken"].value


def test_signing_in_answers_who_is_signed_in_and_starts_a_session(browser, user):
    response = sign_in(browser)
    assert response.status_code == 200
    me = browser.get(ME)
    assert me.status_code == 200
    assert response.json() == me.json()
    assert response.json()["username"] == "alice"
    assert set(response.json()) == {"id", "username", "email", "is_staff", "limits"}
    assert "sessionid" in browser.cookies


def test_signing_in_without_the_csrf_token_is_refused_even_for_an_anonymous_caller(browser, user):
    response = browser.post(SESSION, GOOD, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert browser.get(ME).status_code == 401


def test_signing_in_rotates_the_csrf_token(browser, user):
    before = csrf(browser)
    browser.post(SESSION, GOOD, format="json", HTTP_X_CSRFTOKEN=before)
    assert browser.cookies["csrftoken"].value != before


def test_a_wrong_password_is_401_invalid_credentials_and_starts_no_session(browser, user):
    response = sign_in(browser, password="wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert browser.get(ME).status_code == 401


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(browser, user):
    response = sign_in(browser, username="mallory")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_an_inactive_user_cannot_sign_in(browser, user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert sign_in(browser).status_code == 401


def test_a_missing_password_is_400_naming_the_field(browser, user):
    response = browser.post(SESSION, {"username": "alice"}, format="json", HTTP_X_CSRFTOKEN=csrf(browser))
    assert response.status_code == 400
    assert "password" in response.json()["fields"]


def test_signing_out_ends_the_session(browser, user):
    sign_in(browser)
    response = browser.delete(SESSION, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert response.status_code == 204
    assert browser.get(ME).status_code == 401


def test_signing_out_needs_the_csrf_token(browser, user):
    sign_in(browser)
    response = browser.delete(SESSION)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert browser.get(ME).status_code == 200


def test_signing_out_when_nobody_is_signed_in_is_still_204(browser):
    assert browser.delete(SESSION, HTTP_X_CSRFTOKEN=csrf(browser)).status_code == 204


def test_a_session_is_accepted_by_the_api_and_unsafe_requests_need_the_token(browser, user):
    sign_in(browser)
    assert browser.get("/api/v1/jobs").status_code == 200
    assert browser.get("/api/v1/images").status_code == 200
    assert browser.get("/api/v1/preflight", {"kind": "ppl"}).status_code == 200
    assert browser.get("/api/v1/config").status_code == 200
    forged = browser.post("/api/v1/jobs/product-page", {"product_info": "A mug"}, format="json")
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"


# --- changing the password --------------------------------------------------------------------


def change(client, old="correct horse battery", new="a much longer passphrase 42"):
    return client.post(
        PASSWORD,
        {"old_password": old, "new_password": new},
        format="json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )


def test_changing_the_password_keeps_this_session_and_the_new_password_works(browser, user):
    sign_in(browser)
    assert change(browser).status_code == 204
    assert browser.get(ME).status_code == 200  # still signed in here
    user.refresh_from_db()
    assert user.check_password("a much longer passphrase 42")
    assert not user.check_password("correct horse battery")


def test_changing_the_password_ends_the_other_sessions(browser, user):
    other = APIClient()
    assert other.login(username="alice", password="correct horse battery")
    sign_in(browser)
    change(browser)
    assert other.get(ME).status_code == 401


def test_a_wrong_old_password_is_400_on_old_password(browser, user):
    sign_in(browser)
    response = change(browser, old="not it")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password("correct horse battery")


def test_a_weak_new_password_is_400_on_new_password_with_the_validators_reasons(browser, user):
    sign_in(browser)
    response = change(browser, new="123")
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["new_password"]
    assert any("too short" in message for message in body["fields"]["new_password"])
    user.refresh_from_db()
    assert user.check_password("correct horse battery")


def test_changing_the_password_needs_a_signed_in_caller_and_the_csrf_token(browser, user):
    anonymous = browser.post(
        PASSWORD, {"old_password": "x", "new_password": "y"}, format="json", HTTP_X_CSRFTOKEN=csrf(browser)
    )
    assert anonymous.status_code == 401
    sign_in(browser)
    forged = browser.post(
        PASSWORD,
        {"old_password": "correct horse battery", "new_password": "a much longer passphrase 42"},
        format="json",
    )
    assert forged.status_code == 403
    user.refresh_from_db()
    assert user.check_password("correct horse battery")


def test_a_script_with_a_token_can_change_its_password_too(api, user):
    response = api.post(
        PASSWORD,
        {"old_password": "correct horse battery", "new_password": "a much longer passphrase 42"},
        format="json",
    )
    assert response.status_code == 204
    assert "sessionid" not in response.cookies  # no session is made for a token caller


def test_every_api_view_that_needs_a_user_accepts_the_session():
    """The web app never sends Authorization: a view without SessionAuthentication would be
    unreachable from it. Only the token endpoints and the provider webhooks authenticate otherwise."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.authentication import SessionAuthentication

    def views(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield prefix + str(pattern.pattern), pattern.callback.cls

    not_by_user = {
        "api/v1/auth/token",
        "api/v1/auth/token/refresh",
        "api/v1/auth/logout",
        "api/v1/webhooks/replicate",
        "api/v1/webhooks/bfl",
    }
    checked = 0
    for route, view in views(get_resolver().url_patterns):
        if not route.startswith("api/") or route.startswith("api/schema") or route in not_by_user:
            continue
        classes = view().get_authenticators()
        assert any(isinstance(a, SessionAuthentication) for a in classes), route
        checked += 1
    assert checked > 30
