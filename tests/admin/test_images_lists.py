"""Admin lists past their count limit (config.admin_lists): no full COUNT(*), "about N" / "more
than N", and previous / next paging that reaches any page instead of jumping back to page 1.
The images and the jobs lists use it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generation.models import Job
from tests.gallery.conftest import image_rows

pytestmark = pytest.mark.django_db

LIST = "/admin/gallery/image/"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    # Exact counts still reach the 200 rows of "show all" (list_max_show_all): past that, estimates.
    settings.ADMIN_LIST_EXACT_COUNT_LIMIT = 20


def _ids_on(page: str) -> list[str]:
    return re.findall(r'name="_selected_action" value="([0-9a-f-]+)"', page)


def test_past_the_limit_the_list_is_never_counted_in_full(client_for, superuser, user):
    image_rows(user, 260)
    with CaptureQueriesContext(connection) as queries:
        page = client_for(superuser).get(LIST).content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "gallery_image" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
    about = "about" if connection.vendor == "postgresql" else "more than 200 images"
    assert about in page and 'rel="next"' in page and 'rel="prev"' not in page
    assert len(_ids_on(page)) == 50


def test_next_and_previous_reach_every_page_and_the_last_one_ends(client_for, superuser, user):
    made = [str(image.pk) for image in image_rows(user, 260)]  # newest first, as the list
    admin = client_for(superuser)
    last = admin.get(LIST, {"p": "6"})
    page = last.content.decode()
    assert last.status_code == 200 and _ids_on(page) == made[250:]
    assert 'rel="prev"' in page and 'rel="next"' not in page and "Page 6" in page
    assert _ids_on(admin.get(LIST, {"p": "2"}).content.decode()) == made[50:100]


def test_a_page_past_the_end_is_empty_with_a_way_back_not_page_one(client_for, superuser, user):
    image_rows(user, 260)
    response = client_for(superuser).get(LIST, {"p": "30"})
    page = response.content.decode()
    assert response.status_code == 200 and _ids_on(page) == [] and 'rel="prev"' in page


def test_filters_and_paging_combine(client_for, superuser, user, other_user):
    image_rows(user, 270, trashed=True)
    image_rows(other_user, 30)
    page = client_for(superuser).get(LIST, {"state": "deleted", "p": "6"}).content.decode()
    assert len(_ids_on(page)) == 20 and 'href="?p=5&amp;state=deleted"' in page


def test_under_the_limit_the_count_is_exact_and_stock(client_for, superuser, user, settings):
    settings.ADMIN_LIST_EXACT_COUNT_LIMIT = 1000
    image_rows(user, 60)
    page = client_for(superuser).get(LIST).content.decode()
    assert "60 images" in page and "Select all 60 images" in page and "about" not in page


def test_select_all_past_the_limit_names_the_estimate(client_for, superuser, user):
    image_rows(user, 260)
    page = client_for(superuser).get(LIST).content.decode()
    assert "Select all matching images (" in page


def test_the_jobs_list_pages_the_same_way(client_for, superuser, user):
    Job.objects.bulk_create([Job(user=user, kind="ppl", provider="local") for _ in range(270)])
    admin = client_for(superuser)
    first = admin.get("/admin/generation/job/").content.decode()
    assert 'rel="next"' in first and ("about" in first or "more than 200 jobs" in first)
    last = admin.get("/admin/generation/job/", {"p": "6"})
    assert last.status_code == 200 and len(_ids_on(last.content.decode())) == 20


def test_the_jobs_list_searches_by_id_prefix_username_and_request_id(client_for, superuser, user, other_user):
    mine = Job.objects.create(user=user, kind="ppl", provider="local", request_id="req-1234abcd")
    theirs = Job.objects.create(user=other_user, kind="ppl", provider="replicate")
    admin = client_for(superuser)

    def found(term):
        return set(_ids_on(admin.get("/admin/generation/job/", {"q": term}).content.decode()))

    assert found(str(theirs.pk)[:8]) == {str(theirs.pk)}
    assert found("ALICE") == {str(mine.pk)} and found("req-1234abcd") == {str(mine.pk)}
    assert found("nobody") == set()


def test_the_jobs_list_filters_by_typed_user_date_and_provider(client_for, superuser, user, other_user):
    old = Job.objects.create(user=user, kind="ppl", provider="local")
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    new = Job.objects.create(user=user, kind="ppl", provider="replicate")
    theirs = Job.objects.create(user=other_user, kind="ppl", provider="local")
    admin = client_for(superuser)

    def listed(**query):
        return set(_ids_on(admin.get("/admin/generation/job/", query).content.decode()))

    assert listed(user="bob") == {str(theirs.pk)}
    assert listed(provider__exact="replicate") == {str(new.pk)}
    day = timezone.localdate() - timedelta(days=30)
    assert listed(created_from=str(day), created_to=str(day)) == {str(old.pk)}
    with CaptureQueriesContext(connection) as queries:
        admin.get("/admin/generation/job/")
    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()]
