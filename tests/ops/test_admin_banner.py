"""The health banner on every Django admin page: OK, or FAIL with the failing checks."""

from __future__ import annotations

import pytest

from tests.ops.conftest import expire_heartbeats

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    client.force_login(staff_user)
    return client


def test_admin_pages_show_ok_when_healthy(staff_client, workers_up):
    for path in ("/admin/", "/admin/generation/job/"):
        page = staff_client.get(path).content.decode()
        assert 'id="health-banner"' in page and "Health: OK" in page, path


def test_the_banner_says_fail_and_which_check_when_the_workers_are_down(staff_client, workers_up):
    expire_heartbeats()
    page = staff_client.get("/admin/").content.decode()
    assert "Health: FAIL" in page
    assert "workers: No worker cluster has reported" in page


def test_the_refresh_link_runs_the_checks_again_and_returns_to_the_page(staff_client, workers_up):
    assert "Health: OK" in staff_client.get("/admin/").content.decode()
    expire_heartbeats()
    assert "Health: OK" in staff_client.get("/admin/").content.decode()  # still the cached result
    response = staff_client.get("/admin/health/refresh", {"next": "/admin/generation/job/"})
    assert response.status_code == 302 and response["Location"] == "/admin/generation/job/"
    assert "Health: FAIL" in staff_client.get(response["Location"]).content.decode()


def test_the_refresh_link_does_not_redirect_off_site(staff_client, workers_up):
    response = staff_client.get("/admin/health/refresh", {"next": "https://evil.example.com/"})
    assert response["Location"] == "/admin/"


def test_the_login_page_shows_no_health_to_anonymous_visitors(client, workers_up):
    page = client.get("/admin/login/").content.decode()
    assert "health-banner" not in page
