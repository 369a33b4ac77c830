"""The one retry policy of provider HTTP (generation/clients/http.py), sync, async and downloads,
against a real server on loopback: what is retried, how often, after how long, and what a
create that may have reached the provider is never sent again."""

from __future__ import annotations

import asyncio
import socket
import time
from email.utils import formatdate

import pytest
import tenacity

from generation.clients.http import HttpConfig, ProviderHttp, Retry, RetryPolicy, retry_after_seconds
from generation.providers.base import ProviderError
from tests.fakes.server import FakeServer, Reply, json_reply

ATTEMPTS = 4


class Scripted(FakeServer):
    """Answers /thing with the scripted replies in order, then 200 {"ok": true}."""

    def __init__(self, *replies: Reply):
        super().__init__()
        self.replies = list(replies)
        self.route("GET", "/thing", self.answer)
        self.route("POST", "/thing", self.answer)
        self.route("GET", "/file", self.file)

    def answer(self, request):
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
        return json_reply({"ok": True})

    def file(self, request):
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
        return Reply(200, b"PNGDATA", {"Content-Type": "image/png"})


def http_for(url: str, **config) -> ProviderHttp:
    return ProviderHttp(
        HttpConfig(provider="Fake", base_url=url, max_attempts=ATTEMPTS, backoff_base_seconds=0.01, **config)
    )


def failing(status: int, headers: dict | None = None) -> Reply:
    return json_reply({"detail": f"HTTP {status}"}, status, headers)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- what is retried ----------------------------------------------------------------------------


def test_a_safe_request_is_retried_through_server_errors():
    with Scripted(failing(503), failing(500), failing(429)) as fake:
        response = http_for(fake.url).request("GET", "thing")
    assert response.json() == {"ok": True}
    assert len(fake.requests) == 4


def test_attempts_are_bounded_and_the_last_error_is_raised():
    with Scripted(*[failing(503)] * 10) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).request("GET", "thing")
    assert (caught.value.code, caught.value.permanent) == ("provider_unavailable", False)
    assert len(fake.requests) == ATTEMPTS


def test_a_client_error_is_not_retried():
    with Scripted(failing(400)) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).request("GET", "thing")
    assert caught.value.code == "provider_rejected" and len(fake.requests) == 1


def test_a_create_answered_500_is_never_sent_again():
    with Scripted(failing(500)) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).request("POST", "thing", json={})
    # A 500 may come after the work was accepted: sending it again could pay twice.
    assert len(fake.requests) == 1
    assert (caught.value.code, caught.value.not_sent) == ("provider_unavailable", False)


def test_a_create_refused_on_every_attempt_says_it_was_not_sent():
    with Scripted(*[failing(503)] * 10) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).request("POST", "thing", json={})
    assert len(fake.requests) == ATTEMPTS and caught.value.not_sent is True


def test_a_create_that_never_connected_is_retried_and_says_it_was_not_sent():
    with pytest.raises(ProviderError) as caught:
        http_for(f"http://127.0.0.1:{closed_port()}").request("POST", "thing", json={})
    assert (caught.value.code, caught.value.not_sent) == ("provider_unavailable", True)


def test_a_create_that_timed_out_after_it_was_sent_is_not_sent_again():
    with Scripted() as fake:
        fake.hang_seconds = 1.0
        with pytest.raises(ProviderError) as caught:
            http_for(fake.url, read_timeout=0.2).request("POST", "thing", json={})
    assert (caught.value.code, caught.value.not_sent) == ("provider_timeout", False)
    assert len(fake.requests) == 1


def test_a_create_that_reached_the_provider_once_never_says_not_sent():
    # A refusal (429: not processed), then an answer that may have been processed (500).
    replies = failing(429, {"Retry-After": "0"}), failing(500)
    with Scripted(*replies) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).request("POST", "thing", json={})
    assert len(fake.requests) == 2 and caught.value.not_sent is False


# --- how long between attempts ------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_before_the_next_attempt():
    with Scripted(failing(429, {"Retry-After": "1"})) as fake:
        started = time.monotonic()
        http_for(fake.url).request("POST", "thing", json={})
    assert len(fake.requests) == 2 and time.monotonic() - started >= 1.0


def test_retry_after_as_an_http_date_is_waited_before_the_next_attempt():
    with Scripted() as fake:
        fake.replies = [failing(503, {"Retry-After": formatdate(time.time() + 3, usegmt=True)})]
        started = time.monotonic()
        http_for(fake.url).request("GET", "thing")
    assert len(fake.requests) == 2 and time.monotonic() - started >= 1.5


def test_a_long_retry_after_is_capped_by_the_policy():
    with Scripted(failing(503, {"Retry-After": "3600"})) as fake:
        http = http_for(fake.url)
        http.policy = RetryPolicy(max_attempts=2, max_retry_after_seconds=0.05)
        started = time.monotonic()
        http.request("GET", "thing")
    assert len(fake.requests) == 2 and time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past: at once
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(headers, seconds):
    assert retry_after_seconds(headers) == seconds


def test_retry_after_as_a_future_http_date_is_the_seconds_until_then():
    seconds = retry_after_seconds({"retry-after": formatdate(time.time() + 60, usegmt=True)})
    assert 55 <= seconds <= 60


def _state_after(attempt_number: int, error: Exception) -> tenacity.RetryCallState:
    state = tenacity.RetryCallState(tenacity.Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt_number
    state.set_exception((Retry, Retry(error), None))
    return state


def test_backoff_grows_exponentially_with_full_jitter_up_to_its_cap():
    policy = RetryPolicy(backoff_base_seconds=0.5, backoff_cap_seconds=8.0)
    for attempt_number in range(1, 10):
        window = min(8.0, 0.5 * 2 ** (attempt_number - 1))
        state = _state_after(attempt_number, ProviderError("down", permanent=False))
        waits = [policy.wait_seconds(state) for _ in range(200)]
        assert all(0 <= wait <= window for wait in waits)
        assert max(waits) > window / 2 and min(waits) < window / 2  # spread over the whole window


def test_a_servers_retry_after_replaces_the_backoff_up_to_the_cap():
    policy = RetryPolicy(backoff_base_seconds=0.5, max_retry_after_seconds=30.0)
    assert policy.wait_seconds(_state_after(1, ProviderError("busy", retry_after_seconds=4.0))) == 4.0
    assert policy.wait_seconds(_state_after(1, ProviderError("busy", retry_after_seconds=3600))) == 30.0


def test_an_error_that_is_not_a_retry_ends_the_call_at_once():
    calls = []

    def attempt():
        calls.append(1)
        raise ProviderError("refused", code="provider_rejected")

    with pytest.raises(ProviderError, match="refused"):
        RetryPolicy(max_attempts=5).call(attempt)
    assert len(calls) == 1


# --- async and downloads ------------------------------------------------------------------------


def test_the_async_client_follows_the_same_policy():
    async def run(fake: Scripted):
        http = http_for(fake.url)
        try:
            response = await http.arequest("GET", "thing")
            fake.replies = [failing(500)]
            with pytest.raises(ProviderError) as caught:
                await http.arequest("POST", "thing", json={})
        finally:
            await http.aclose()
        return response, caught.value

    with Scripted(failing(502), failing(504)) as fake:
        response, error = asyncio.run(run(fake))
    assert response.json() == {"ok": True}
    assert [request.method for request in fake.requests] == ["GET", "GET", "GET", "POST"]
    assert (error.code, error.not_sent) == ("provider_unavailable", False)


def test_a_download_from_the_providers_server_is_retried_through_unavailability():
    with Scripted(failing(503), failing(502)) as fake:
        data = http_for(fake.url).download_from_server("file", max_bytes=1000)
    assert data == b"PNGDATA" and len(fake.requests) == 3


def test_a_download_that_is_gone_is_not_retried():
    with Scripted(failing(404)) as fake, pytest.raises(ProviderError) as caught:
        http_for(fake.url).download_from_server("file", max_bytes=1000)
    assert caught.value.code == "provider_result_expired" and len(fake.requests) == 1


def test_a_result_download_through_the_guarded_fetcher_is_retried(settings):
    with Scripted(failing(503)) as fake:
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        settings.BFL_RESULT_HOSTS = ["127.0.0.1"]
        http = ProviderHttp(
            HttpConfig(
                provider="BFL",
                base_url="https://api.bfl.ai",
                max_attempts=ATTEMPTS,
                backoff_base_seconds=0.01,
            )
        )
        data = http.download(f"{fake.url}/file", max_bytes=1000)
    assert data == b"PNGDATA" and len(fake.requests) == 2
