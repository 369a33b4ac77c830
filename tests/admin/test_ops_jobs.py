"""The job page as an operations page: what it shows, and cancel / retry / delete behind a
confirmation page, through the API's services, recorded in History with the admin's name."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages

from accounts.events import event_publish
from generation.models import Job, JobStatus
from tests.conftest import goods_form, ppl_form

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/admin/generation/job/"


def page_of(client, job_id) -> str:
    response = client.get(f"{LIST}{job_id}/change/")
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def finished_ppl(api, tasks):
    response = api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart", HTTP_X_REQUEST_ID="req-abc123")
    job_id = response.json()["id"]
    tasks()
    return Job.objects.get(pk=job_id)


@pytest.fixture
def waiting_goods(api):
    return Job.objects.get(pk=api.post("/api/v1/jobs/goods", goods_form(), format="multipart").json()["id"])


def test_a_finished_job_page_shows_status_parameters_results_and_how_to_find_it_in_the_logs(
    client_for, superuser, finished_ppl
):
    page = page_of(client_for(superuser), finished_ppl.id)
    assert '<span class="job-status job-status-succeeded">Succeeded</span>' in page
    assert '<th scope="row">prompt</th><td>Place the bottle on the table</td>' in page
    assert "req-abc123" in page and "grep -hF &#x27;req-abc123&#x27;" in page
    image = finished_ppl.user.images.get()
    assert f'href="/admin/gallery/image/{image.id}/change/"' in page
    assert f'src="/admin/gallery/image/{image.id}/thumbnail/"' in page
    for job_input in finished_ppl.inputs.all():
        assert f"{LIST}{finished_ppl.id}/input/{job_input.pk}/" in page
    assert "Finished." in page


def test_the_job_page_is_read_only_without_save_or_delete(client_for, superuser, finished_ppl):
    page = page_of(client_for(superuser), finished_ppl.id)
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'class="deletelink"' not in page
    assert "Retry as its owner…" in page and "Delete for good…" in page and "Cancel this job…" not in page


def test_a_waiting_job_shows_where_it_stands(client_for, superuser, waiting_goods):
    page = page_of(client_for(superuser), waiting_goods.id)
    assert re.search(
        r"Waiting: position 1 for local; [^(]+ \((queue|user_concurrency|provider_capacity)\)\. "
        r"Result in about \d+ s\.",
        page,
    )
    assert "Cancel this job…" in page and "Retry as its owner…" not in page


def test_cancel_asks_for_confirmation_then_cancels_logs_and_returns_to_the_job(
    client_for, superuser, waiting_goods
):
    admin = client_for(superuser)
    job_page = f"{LIST}{waiting_goods.id}/change/"
    form = {"action": "cancel_jobs", "_selected_action": [waiting_goods.id], "next": job_page}
    confirmation = admin.post(LIST, form)
    assert confirmation.status_code == 200 and "Yes, cancel 1 job" in confirmation.content.decode()
    waiting_goods.refresh_from_db()
    assert waiting_goods.status == JobStatus.QUEUED  # nothing happened yet

    done = admin.post(LIST, {**form, "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == job_page
    waiting_goods.refresh_from_db()
    assert waiting_goods.status == JobStatus.CANCELED
    assert waiting_goods.error_message == "Canceled by an administrator."
    assert messages_of(done) == [f"Canceled 1 job: {str(waiting_goods.id)[:8]}."]
    entry = LogEntry.objects.get(object_id=str(waiting_goods.id))
    assert entry.user == superuser and "Canceled by root" in entry.get_change_message()
    history = admin.get(f"{LIST}{waiting_goods.id}/history/").content.decode()
    assert "root" in history and "Canceled by root in the admin." in history


def test_bulk_cancel_says_in_one_message_what_was_canceled_and_what_had_finished(
    client_for, superuser, finished_ppl, waiting_goods
):
    admin = client_for(superuser)
    form = {"action": "cancel_jobs", "_selected_action": [waiting_goods.id, finished_ppl.id]}
    confirmation = admin.post(LIST, form).content.decode()
    assert re.search(r'id="skipped-jobs">\s*<li><a href="[^"]+">' + str(finished_ppl.id)[:8], confirmation)
    done = admin.post(LIST, {**form, "confirm": "yes"}, follow=True)
    assert messages_of(done) == [
        f"Canceled 1 job: {str(waiting_goods.id)[:8]}. Not canceled (already "
        f"finished): {str(finished_ppl.id)[:8]}."
    ]
    # The message is shown as written: the id is not capitalised.
    assert f"Canceled 1 job: {str(waiting_goods.id)[:8]}." in done.content.decode()


def test_retry_makes_a_new_job_for_the_owner_linked_both_ways(client_for, superuser, finished_ppl):
    admin = client_for(superuser)
    form = {"action": "retry_jobs", "_selected_action": [finished_ppl.id], "confirm": "yes"}
    done = admin.post(LIST, form)
    retry = Job.objects.get(retried_from=finished_ppl)
    assert retry.user_id == finished_ppl.user_id and retry.status == JobStatus.QUEUED
    assert messages_of(done) == [f"Queued 1 job as retries: {str(retry.id)[:8]}."]
    assert f'href="{LIST}{retry.id}/change/"' in page_of(admin, finished_ppl.id)
    assert f'href="{LIST}{finished_ppl.id}/change/"' in page_of(admin, retry.id)
    assert LogEntry.objects.filter(object_id=str(retry.id), user=superuser).exists()


def test_a_retry_the_owners_limits_refuse_is_reported_in_the_summary(
    client_for, superuser, api, user, finished_ppl, settings
):
    settings.MAX_PER_USER_QUEUE = 0
    api.post("/api/v1/jobs/goods", goods_form(), format="multipart")  # takes the only running place
    done = client_for(superuser).post(
        LIST, {"action": "retry_jobs", "_selected_action": [finished_ppl.id], "confirm": "yes"}
    )
    [message] = messages_of(done)
    assert message.startswith("Queued 0 jobs as retries. Refused: " + str(finished_ppl.id)[:8])
    assert not Job.objects.filter(retried_from=finished_ppl).exists()


def test_the_timeline_lists_the_jobs_events(client_for, superuser, waiting_goods):
    event_publish(
        user_id=waiting_goods.user_id,
        type="job.created",
        object_type="job",
        object_id=str(waiting_goods.id),
        payload={"id": str(waiting_goods.id), "queue_position": 1},
    )
    event_publish(
        user_id=waiting_goods.user_id,
        type="job.started",
        object_type="job",
        object_id=str(waiting_goods.id),
        payload={"id": str(waiting_goods.id)},
    )
    page = page_of(client_for(superuser), waiting_goods.id)
    timeline = re.search(r'<ol class="job-timeline">(.*?)</ol>', page, re.S).group(1)
    types = re.findall(r"<strong>([\w.]+)</strong>", timeline)
    assert types[-2:] == ["job.created", "job.started"] or types[:2] == ["job.created", "job.started"]


def test_a_product_page_job_links_its_page(client_for, superuser, user):
    from templates_app.models import Page

    page = Page.objects.create(
        owner=user, title="Mug", language="en", html="<p>x</p>", product_info_sha256="0" * 64
    )
    job = Job.objects.create(
        user=user,
        kind="page",
        provider="local",
        status=JobStatus.SUCCEEDED,
        provider_state={"page_id": str(page.id)},
        finished_at=page.created_at,
    )
    assert f'href="/admin/templates_app/page/{page.id}/change/"' in page_of(client_for(superuser), job.id)


def test_an_operator_may_cancel_but_not_delete(client_for, operator, waiting_goods):
    admin = client_for(operator)
    page = page_of(admin, waiting_goods.id)
    assert "Cancel this job…" in page
    actions = re.findall(r'<option value="(\w+)"', admin.get(LIST).content.decode())
    assert "cancel_jobs" in actions and "retry_jobs" in actions
    assert "delete_jobs" not in actions and "delete_selected" not in actions
    admin.post(LIST, {"action": "delete_jobs", "_selected_action": [waiting_goods.id], "confirm": "yes"})
    assert Job.objects.filter(pk=waiting_goods.id).exists()
    assert admin.get(f"{LIST}{waiting_goods.id}/delete/").status_code == 403


def test_staff_who_may_only_view_jobs_get_no_actions(client_for, operator, waiting_goods):
    operator.user_permissions.remove(*operator.user_permissions.filter(codename="change_job"))
    admin = client_for(operator)
    assert "Cancel this job…" not in page_of(admin, waiting_goods.id)
    admin.post(LIST, {"action": "cancel_jobs", "_selected_action": [waiting_goods.id], "confirm": "yes"})
    waiting_goods.refresh_from_db()
    assert waiting_goods.status == JobStatus.QUEUED


def test_a_content_manager_cannot_open_jobs(client_for, content_manager, waiting_goods):
    admin = client_for(content_manager)
    assert admin.get(LIST).status_code == 403
    assert admin.get(f"{LIST}{waiting_goods.id}/change/").status_code == 403


def test_a_superuser_deletes_finished_jobs_with_their_input_files_but_keeps_shared_and_active_ones(
    client_for, superuser, finished_ppl, waiting_goods, storage_dir
):
    admin = client_for(superuser)
    goods_files = [storage_dir / i.file.name for i in waiting_goods.inputs.all()]
    ppl_files = [storage_dir / i.file.name for i in finished_ppl.inputs.all()]
    form = {"action": "delete_jobs", "_selected_action": [finished_ppl.id, waiting_goods.id]}
    confirmation = admin.post(LIST, form).content.decode()
    assert "Yes, delete 1 job" in confirmation and "cancel it first" in confirmation
    done = admin.post(LIST, {**form, "confirm": "yes"})
    assert messages_of(done) == [
        f"Deleted 1 job: {str(finished_ppl.id)[:8]}, 2 input files removed. Kept "
        f"(still active): {str(waiting_goods.id)[:8]}."
    ]
    assert not Job.objects.filter(pk=finished_ppl.id).exists()
    assert Job.objects.filter(pk=waiting_goods.id).exists()
    assert not any(path.exists() for path in ppl_files) and all(path.exists() for path in goods_files)
    assert finished_ppl.user.images.count() == 1  # results stay in the owner's gallery
    assert LogEntry.objects.filter(object_id=str(finished_ppl.id), action_flag=3, user=superuser).exists()


def test_deleting_a_job_keeps_the_input_files_its_retry_still_uses(
    client_for, superuser, finished_ppl, storage_dir
):
    admin = client_for(superuser)
    admin.post(LIST, {"action": "retry_jobs", "_selected_action": [finished_ppl.id], "confirm": "yes"})
    files = [storage_dir / i.file.name for i in finished_ppl.inputs.all()]
    admin.post(LIST, {"action": "delete_jobs", "_selected_action": [finished_ppl.id], "confirm": "yes"})
    assert not Job.objects.filter(pk=finished_ppl.id).exists()
    assert all(path.exists() for path in files)


def test_an_edit_of_a_gallery_image_links_that_image(client_for, superuser, api):
    from tests.conftest import upload

    image_id = api.post("/api/v1/images/upload", {"image": upload()}, format="multipart").json()["id"]
    response = api.post(
        "/api/v1/jobs/edit", {"prompt": "Make it blue", "image_id": image_id}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    page = page_of(client_for(superuser), response.json()["id"])
    assert f'<a href="/admin/gallery/image/{image_id}/change/">image {image_id[:8]}</a>' in page
