"""Failed sign-ins are throttled per username and per client address, on the browser's session
endpoint and on the scripts' token endpoint alike."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from accounts.services import user_create

pytestmark = pytest.mark.django_db

SESSION = "/api/v1/auth/session"
TOKEN = "/api/v1/auth/token"
RIGHT = "correct horse battery"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 120


def session_attempt(username="alice", password="wrong", address="10.0.0.1"):
    return APIClient().post(
        SESSION, {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def token_attempt(username="alice", password="wrong", address="10.0.0.1"):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


@pytest.mark.parametrize("attempt", [session_attempt, token_attempt], ids=["session", "token"])
def test_after_the_limit_even_the_right_password_is_refused_with_429_and_retry_after(attempt, user):
    for _ in range(3):
        assert attempt().status_code == 401
    response = attempt(password=RIGHT)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 120
    assert body["retry_after_seconds"] == int(response["Retry-After"])


@pytest.mark.parametrize("attempt", [session_attempt, token_attempt], ids=["session", "token"])
def test_below_the_limit_the_right_password_still_works(attempt, user):
    for _ in range(2):
        attempt()
    assert attempt(password=RIGHT).status_code == 200


def test_failures_on_either_endpoint_count_together(user):
    session_attempt()
    token_attempt()
    session_attempt()
    assert token_attempt(password=RIGHT).status_code == 429


def test_the_username_counter_ignores_letter_case_and_follows_the_user_to_other_addresses(user):
    for index, name in enumerate(["alice", "ALICE", "Alice"]):
        session_attempt(username=name, address=f"10.0.1.{index}")
    assert session_attempt(password=RIGHT, address="10.9.9.9").status_code == 429


def test_one_address_trying_many_usernames_is_throttled_for_every_username(user):
    user_create(username="bob", password=RIGHT)
    for index in range(5):
        assert session_attempt(username=f"guess{index}").status_code == 401
    assert session_attempt(username="bob", password=RIGHT).status_code == 429
    assert session_attempt(username="bob", password=RIGHT, address="10.0.0.2").status_code == 200


def test_a_throttled_username_does_not_lock_other_users_out(user):
    user_create(username="bob", password=RIGHT)
    for index in range(3):
        session_attempt(address=f"10.0.2.{index}")
    assert session_attempt(username="bob", password=RIGHT, address="10.0.3.1").status_code == 200


def test_a_successful_sign_in_forgets_earlier_typos(user):
    for _ in range(2):
        session_attempt()
    assert session_attempt(password=RIGHT).status_code == 200
    for _ in range(2):
        session_attempt()
    assert session_attempt(password=RIGHT).status_code == 200


def test_the_throttle_ends_with_its_window(user, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1
    for _ in range(3):
        session_attempt()
    refused = session_attempt(password=RIGHT)
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    time.sleep(1.1)
    assert session_attempt(password=RIGHT).status_code == 200


def test_wrong_old_passwords_in_a_password_change_count_as_failed_sign_ins(api, user):
    for _ in range(3):
        response = api.post(
            "/api/v1/auth/password",
            {"old_password": "wrong", "new_password": "x" * 20},
            format="json",
            REMOTE_ADDR="10.0.0.7",
        )
        assert response.status_code == 400
    response = api.post(
        "/api/v1/auth/password",
        {"old_password": RIGHT, "new_password": "a much longer passphrase 42"},
        format="json",
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(RIGHT)


def test_the_token_endpoint_answers_invalid_credentials_like_the_session_one(user):
    assert token_attempt().json()["code"] == session_attempt().json()["code"] == "invalid_credentials"


def test_behind_a_trusted_proxy_each_client_has_its_own_address_counter(user, settings):
    settings.TRUSTED_PROXIES = ["10.1.0.0/16"]
    for index in range(5):
        APIClient().post(
            SESSION,
            {"username": f"guess{index}", "password": "x"},
            format="json",
            REMOTE_ADDR="10.1.0.9",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    via_proxy = {"REMOTE_ADDR": "10.1.0.9"}
    blocked = APIClient().post(
        SESSION,
        {"username": "alice", "password": RIGHT},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5",
        **via_proxy,
    )
    assert blocked.status_code == 429  # the left entry is the client's own claim: not believed
    other = APIClient().post(
        SESSION,
        {"username": "alice", "password": RIGHT},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.77",
        **via_proxy,
    )
    assert other.status_code == 200


def test_x_forwarded_for_from_an_untrusted_address_is_ignored(user, settings):
    settings.TRUSTED_PROXIES = ["10.1.0.0/16"]
    for index in range(5):
        APIClient().post(
            SESSION,
            {"username": f"guess{index}", "password": "x"},
            format="json",
            REMOTE_ADDR="192.0.2.8",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{index}",
        )
    response = APIClient().post(
        SESSION,
        {"username": "alice", "password": RIGHT},
        format="json",
        REMOTE_ADDR="192.0.2.8",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("name", "value"), [("TRUSTED_PROXIES", "10.0.0.0/8,ingress"), ("LOGIN_FAILURES_PER_USERNAME", "0")]
)
def test_a_malformed_throttle_setting_stops_start_up_with_its_name(start_up_error, name, value):
    assert name in start_up_error({name: value})


def test_the_admin_login_page_is_throttled_too(staff_user, client):
    for _ in range(3):
        page = client.post("/admin/login/", {"username": "carol", "password": "wrong"})
        assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated
    page = client.post("/admin/login/", {"username": "carol", "password": RIGHT})
    assert page.status_code == 200  # the login form again, not the redirect to the admin
    assert not page.wsgi_request.user.is_authenticated
    assert token_attempt(username="carol", password=RIGHT, address="10.5.5.5").status_code == 429


def test_admin_failures_and_api_failures_share_the_counter(staff_user, client):
    client.post("/admin/login/", {"username": "carol", "password": "wrong"})
    token_attempt(username="carol")
    session_attempt(username="carol")
    assert client.post("/admin/login/", {"username": "carol", "password": RIGHT}).status_code == 200
