"""The Django admin for staff: job lists with filters, previews, and cancel/retry actions."""

import pytest
from django.utils import timezone

from generation.models import Job, JobKind
from tests.conftest import goods_form, ppl_form
from tests.factories import finished_job_with_result

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    client.force_login(staff_user)
    return client


def test_the_job_list_filters_by_status_kind_provider_and_user(admin_client, user):
    # A finished job as the engine leaves it (the filters read rows; how it ran is not the point).
    finished_job_with_result(user=user, kind=JobKind.PPL, provider="local")
    for query in (
        "",
        "?status__exact=succeeded",
        "?kind__exact=ppl",
        "?provider__exact=local",
        f"?user__id__exact={user.id}",
        f"?created_at__year={timezone.now().year}",
    ):
        response = admin_client.get(f"/admin/generation/job/{query}")
        assert response.status_code == 200, query
        assert "alice" in response.content.decode()


def test_a_job_page_previews_its_inputs_and_result(admin_client, api, tasks):
    job_id = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").json()["id"]
    tasks()
    page = admin_client.get(f"/admin/generation/job/{job_id}/change/").content.decode()
    job = Job.objects.get(pk=job_id)
    for job_input in job.inputs.all():
        url = f"/admin/generation/job/{job_id}/input/{job_input.pk}/"
        assert url in page
        assert admin_client.get(url)["Content-Type"].startswith("image/")
    result_url = page.split('src="/admin/gallery/image/')[1].split('"')[0]
    assert admin_client.get(f"/admin/gallery/image/{result_url}")["Content-Type"].startswith("image/")


def test_staff_cancel_and_retry_jobs_from_the_list(admin_client, api, tasks):
    job_id = api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"]
    admin_client.post(
        "/admin/generation/job/", {"action": "cancel_jobs", "_selected_action": [job_id], "confirm": "yes"}
    )
    job = Job.objects.get(pk=job_id)
    assert job.status == "canceled" and job.error_message == "Canceled by an administrator."
    admin_client.post(
        "/admin/generation/job/", {"action": "retry_jobs", "_selected_action": [job_id], "confirm": "yes"}
    )
    retry = Job.objects.get(retried_from=job_id)
    assert retry.user_id == job.user_id and retry.status == "queued"


def test_a_plain_user_cannot_open_the_admin(client, user):
    client.force_login(user)
    assert client.get("/admin/generation/job/").status_code == 302


def test_the_user_page_edits_per_user_limits(admin_client, user):
    page = admin_client.get(f"/admin/accounts/user/{user.id}/change/").content.decode()
    assert "max_queued_jobs" in page and "max_concurrent_jobs" in page


def test_django_q_pages_are_in_the_admin(admin_client):
    assert admin_client.get("/admin/django_q/ormq/").status_code == 200
    assert admin_client.get("/admin/django_q/schedule/").status_code == 200
