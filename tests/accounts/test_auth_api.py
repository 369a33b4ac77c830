import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def _login(client, username="alice", password="correct horse battery"):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_a_user_gets_an_access_and_a_refresh_token_for_their_password(user):
    response = _login(APIClient())
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_a_wrong_password_is_refused_with_the_error_shape(user):
    response = _login(APIClient(), password="wrong")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "invalid_credentials"  # the same code as the browser's sign-in
    assert body["message"]


def test_a_missing_username_is_a_400_naming_the_field(user):
    response = APIClient().post(TOKEN, {"password": "x"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["fields"]


def test_me_answers_who_is_asking_with_their_limits(user, settings):
    user.max_queued_jobs = 5
    user.save(update_fields=["max_queued_jobs"])
    client = APIClient()
    access = _login(client).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    body = client.get("/api/v1/auth/me").json()
    assert body["username"] == "alice"
    assert body["limits"] == {"max_queued": 5, "max_concurrent": settings.MAX_PER_USER_CONCURRENT}


def test_an_anonymous_request_is_401_with_the_error_shape():
    response = APIClient().get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_refresh_token_mints_a_new_access_token(user):
    client = APIClient()
    refresh = _login(client).json()["refresh"]
    response = client.post(f"{TOKEN}/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert "access" in response.json()


def test_logout_revokes_the_refresh_token_for_good(user):
    client = APIClient()
    refresh = _login(client).json()["refresh"]
    assert client.post("/api/v1/auth/logout", {"refresh": refresh}, format="json").status_code == 204
    again = client.post(f"{TOKEN}/refresh", {"refresh": refresh}, format="json")
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_logout_with_a_forged_token_is_a_400_naming_the_field():
    response = APIClient().post("/api/v1/auth/logout", {"refresh": "not-a-token"}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]


def test_session_auth_works_for_browsers(user):
    client = APIClient()
    assert client.login(username="alice", password="correct horse battery")
    assert client.get("/api/v1/auth/me").json()["username"] == "alice"
