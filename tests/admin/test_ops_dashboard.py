"""The admin index: PPL Studio's branding, and the operations dashboard whose figures match the
data (jobs in known states), with failures linked to the filtered job list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import user_create
from config.health import health_cache_clear
from gallery.models import Image
from generation import dashboard
from generation.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def make_job(
    user, *, status=JobStatus.QUEUED, kind="goods", provider="local", ago=60, run_seconds=10, error_code=""
) -> Job:
    """A job row in a given state (the dashboard's subject is reading them)."""
    now = timezone.now()
    created = now - timedelta(seconds=ago)
    started = created + timedelta(seconds=5) if status != JobStatus.QUEUED else None
    finished = (
        started + timedelta(seconds=run_seconds)
        if status not in (JobStatus.QUEUED, JobStatus.RUNNING)
        else None
    )
    return Job.objects.create(
        user=user,
        kind=kind,
        provider=provider,
        status=status,
        created_at=created,
        started_at=started,
        finished_at=finished,
        error_code=error_code,
    )


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]+)<', page).group(1)


@pytest.fixture
def jobs(user, other_user):
    make_job(user, ago=600)
    make_job(other_user, ago=30)
    make_job(user, kind="ppl", ago=20)
    make_job(user, status=JobStatus.RUNNING, kind="ppl", ago=40)
    make_job(user, status=JobStatus.SUCCEEDED, ago=100, run_seconds=10)
    make_job(user, status=JobStatus.SUCCEEDED, ago=200, run_seconds=30)
    make_job(user, status=JobStatus.FAILED, error_code="provider_failed", ago=300)
    make_job(other_user, status=JobStatus.FAILED, error_code="provider_failed", ago=400)
    make_job(user, status=JobStatus.TIMED_OUT, error_code="timed_out", ago=500)
    make_job(user, status=JobStatus.FAILED, error_code="provider_failed", ago=3 * 86400)  # too old
    make_job(user, status=JobStatus.CANCELED, error_code="canceled", ago=100)


def test_the_admin_is_branded_ppl_studio_with_a_favicon_and_view_site_to_the_web_app(client_for, superuser):
    page = client_for(superuser).get("/admin/").content.decode()
    assert "<title>PPL Studio administration | PPL Studio admin</title>" in page
    assert '<a href="/admin/">PPL Studio</a>' in page
    assert re.search(r'<link rel="icon" href="/static/generation/admin/favicon.svg"', page)
    assert '<a href="/">View site</a>' in page


def test_the_dashboard_figures_match_the_jobs(client_for, superuser, jobs):
    page = client_for(superuser).get("/admin/").content.decode()
    assert figure(page, "waiting") == "3" and figure(page, "running") == "1"
    assert figure(page, "failed") == "3"  # two provider_failed and one timed out in the last 24 h
    assert figure(page, "created") == "10"  # every job but the one from three days ago
    goods = re.search(r'<tr data-kind="goods" data-provider="local">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</a>", goods) == ["2", "0"]
    ppl = re.search(r'<tr data-kind="ppl" data-provider="local">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)</a>", ppl) == ["1", "1"]
    failures = dict(re.findall(r'<tr data-code="([^"]+)">.*?<td class="num">(\d+)</td>', page, re.S))
    assert failures == {"provider_failed": "2", "timed_out": "1"}
    timings = re.search(r'<tr data-kind="goods">(.*?)</tr>', page, re.S).group(1)
    assert "5.0 s" in timings and "20.0 s" in timings  # median wait, median run of the two successes


def test_the_oldest_waiting_job_is_linked(client_for, superuser, user):
    oldest = make_job(user, ago=900)
    make_job(user, ago=10)
    page = client_for(superuser).get("/admin/").content.decode()
    section = re.search(r'id="ops-oldest-waiting">(.*?)</p>', page, re.S).group(1)
    assert f'href="/admin/generation/job/{oldest.id}/change/"' in section and "15" in section


def test_a_failure_link_lists_exactly_those_jobs(client_for, superuser, jobs):
    admin = client_for(superuser)
    page = admin.get("/admin/").content.decode()
    link = re.search(r'href="(/admin/generation/job/\?failed_24h=provider_failed)"', page).group(1)
    listed = admin.get(link).content.decode()
    since = timezone.now() - timedelta(days=1)
    expected = Job.objects.filter(error_code="provider_failed", finished_at__gte=since)
    shown = set(re.findall(r'name="_selected_action" value="([^"]+)"', listed))
    assert shown == {str(job.id) for job in expected} and len(shown) == 2


def test_storage_totals_the_trash_and_who_uses_most(client_for, superuser, user, other_user):
    rows = ((user, 3_000_000, False), (user, 1_000_000, True), (other_user, 500_000, False))
    for owner, size, trashed in rows:
        Image.objects.create(
            owner=owner,
            file="images/x.png",
            width=1,
            height=1,
            format="png",
            size_bytes=size,
            sha256="0" * 64,
            source="upload",
            deleted_at=timezone.now() if trashed else None,
        )
    page = client_for(superuser).get("/admin/").content.decode()
    assert figure(page, "storage") == "4.3\xa0MB" and figure(page, "trash") == "976.6\xa0KB"
    owners = re.findall(r'<a href="/admin/accounts/user/(\d+)/change/">(\w+)</a>', page)
    assert owners[:2] == [(str(user.id), "alice"), (str(other_user.id), "bob")]


def test_worker_clusters_and_provider_health_are_shown(client_for, superuser):
    page = client_for(superuser).get("/admin/").content.decode()
    assert figure(page, "clusters") == "0" and "provider:local" in page


def test_the_figures_are_cached_a_few_seconds(client_for, superuser, user, monkeypatch):
    monkeypatch.setattr(dashboard, "CACHE_SECONDS", 300)  # however slow this machine is
    admin = client_for(superuser)
    admin.get("/admin/")
    make_job(user)
    assert figure(admin.get("/admin/").content.decode(), "waiting") == "0"  # the cached answer
    cache.delete("admin-dashboard")
    assert figure(admin.get("/admin/").content.decode(), "waiting") == "1"


def test_the_dashboard_costs_the_same_queries_however_many_jobs(client_for, superuser, user):
    admin = client_for(superuser)

    def job_and_image_queries() -> int:
        cache.clear()
        health_cache_clear()  # the health checks' own per-process cache would make this depend on time
        with CaptureQueriesContext(connection) as captured:
            admin.get("/admin/")
        return len([q for q in captured if "generation_job" in q["sql"] or "gallery_image" in q["sql"]])

    few = job_and_image_queries()
    for _ in range(30):
        make_job(user, status=JobStatus.FAILED, error_code="provider_failed")
        make_job(user)
    assert job_and_image_queries() == few <= 10


def test_a_content_manager_sees_the_apps_but_no_dashboard(client_for, content_manager, jobs):
    response = client_for(content_manager).get("/admin/")
    assert response.status_code == 200 and 'id="ops-dashboard"' not in response.content.decode()


def test_an_operator_sees_the_dashboard(client_for, operator, jobs):
    page = client_for(operator).get("/admin/").content.decode()
    assert 'id="ops-dashboard"' in page and figure(page, "waiting") == "3"


def test_a_plain_user_is_sent_to_the_sign_in_page(client_for, db):
    response = client_for(user_create(username="plain", password="correct horse battery")).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_queue_row_links_to_its_waiting_jobs(client_for, superuser, jobs):
    admin = client_for(superuser)
    page = admin.get("/admin/").content.decode()
    row = re.search(r'<tr data-kind="goods" data-provider="local">(.*?)</tr>', page, re.S).group(1)
    link = re.search(r'href="([^"]+)">2</a>', row).group(1).replace("&amp;", "&")
    listed = admin.get(link)
    assert listed.status_code == 200
    shown = set(re.findall(r'name="_selected_action" value="([^"]+)"', listed.content.decode()))
    assert shown == {str(job.id) for job in Job.objects.filter(status="queued", kind="goods")}


def test_stuck_jobs_are_counted_and_flagged(client_for, superuser, user, settings):
    settings.JOB_TIMEOUT_SECONDS, settings.HEALTHZ_QUEUE_WAIT_WARN_SECONDS = 100, 300
    make_job(user, status=JobStatus.RUNNING, ago=200)  # started 195 s ago: past 100 s + a minute
    make_job(user, status=JobStatus.RUNNING, ago=60)
    make_job(user, ago=400)
    make_job(user, ago=10)
    page = client_for(superuser).get("/admin/").content.decode()
    assert figure(page, "overdue") == "1" and figure(page, "long-waiting") == "1"
    assert '<p id="ops-stuck" class="ops-alert">' in page
