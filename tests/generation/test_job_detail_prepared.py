"""On PostgreSQL a poll's reads (config/sql.py Statement: the job poll, the user behind a token)
are prepared once per database session and then only executed: the server no longer parses and
plans them at every poll."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import api_client_for
from tests.factories import JobFactory, UserFactory, finished_job_with_result

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'studio_%%'")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_polls_execute_statements_the_session_prepared_once(django_assert_num_queries):
    user = UserFactory()
    jobs = [JobFactory(user=user), finished_job_with_result(user=user)]
    api = api_client_for(user)
    for job in jobs:
        api.get(f"/api/v1/jobs/{job.id}")
    prepared = _prepared()

    for job in jobs * 3:
        with django_assert_num_queries(2) as captured:
            assert api.get(f"/api/v1/jobs/{job.id}").status_code == 200
        assert all(query["sql"].startswith("EXECUTE studio_") for query in captured.captured_queries)

    assert len(prepared) >= 2 and _prepared() == prepared  # the user's read and the job's


@pytest.mark.django_db(transaction=True)
def test_a_poll_prepares_its_statement_again_when_the_session_lost_it():
    user = UserFactory()
    job = finished_job_with_result(user=user)
    api = api_client_for(user)
    first = api.get(f"/api/v1/jobs/{job.id}")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a connection pooler's reset does
    assert _prepared() == set()

    again = api.get(f"/api/v1/jobs/{job.id}")

    assert again.status_code == 200 and again.content == first.content
    assert _prepared()


@pytest.mark.django_db
def test_behind_a_transaction_pooler_polls_send_their_statements_plain(
    monkeypatch, django_assert_num_queries
):
    user = UserFactory()
    job = finished_job_with_result(user=user)
    api = api_client_for(user)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)  # as Django asks there

    with django_assert_num_queries(2) as captured:
        assert api.get(f"/api/v1/jobs/{job.id}").status_code == 200

    assert all(query["sql"].startswith("SELECT") for query in captured.captured_queries)
