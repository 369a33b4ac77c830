"""Browsers open the stream with `Accept: text/event-stream` (EventSource always sends it)."""

import pytest

from accounts.services import user_create


@pytest.mark.django_db
def test_the_stream_answers_a_browsers_accept_header(client):
    user = user_create(username="alice", password="correct horse battery")
    client.force_login(user)
    response = client.get("/api/v1/events", HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert b"".join(response.streaming_content).startswith(b"retry: 3000")


@pytest.mark.django_db
def test_an_anonymous_browser_gets_the_401_as_json(client):
    response = client.get("/api/v1/events", HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 401
    assert response.json()["code"]
