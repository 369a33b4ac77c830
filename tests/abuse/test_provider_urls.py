"""URLs a provider hands us: polling URLs are followed only on the provider's own host (our key
goes with them), and result files are downloaded through the guarded fetcher (gallery/fetch.py)
from the provider's result hosts only, every redirect checked like a user URL."""

from __future__ import annotations

import re

import pytest

from generation.clients.http import _same_provider_host
from generation.models import Job
from tests.conftest import goods_form, run_until_finished
from tests.fakes import bfl as fake_bfl
from tests.fakes.server import FakeServer, Reply

pytestmark = pytest.mark.django_db(transaction=True)


class Elsewhere(FakeServer):
    """Another server: records whatever reaches it; /redirect?to=… redirects anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/redirect", lambda request: Reply(302, b"", {"Location": request.query["to"][0]}))
        self.route("GET", r"/.*", lambda request: Reply(200, b"{}", {"Content-Type": "application/json"}))


class RedirectedBfl(fake_bfl.FakeBfl):
    """BFL whose answers point elsewhere: the polling URL, or the result sample."""

    def __init__(self, *, polling_url: str | None = None, sample_url: str | None = None) -> None:
        super().__init__()
        self.polling_override, self.sample_override = polling_url, sample_url

    def submit(self, request, model):
        reply = super().submit(request, model)
        if self.polling_override and reply.status == 200:
            reply.body = re.sub(
                rb'"polling_url": "[^"]+"', f'"polling_url": "{self.polling_override}"'.encode(), reply.body
            )
        return reply

    def _final(self, tid: str) -> dict:
        answer = super()._final(tid)
        if self.sample_override and answer.get("status") == "Ready":
            answer["result"]["sample"] = self.sample_override
        return answer


def _host_port(server: FakeServer) -> str:
    return server.url.removeprefix("http://")


def _run(settings, api, fake: fake_bfl.FakeBfl, *, allowed: list[str], result_hosts=("127.0.0.1",)) -> Job:
    settings.GOODS_PROVIDER = "bfl"
    settings.BFL_API_BASE = fake.url
    settings.BFL_API_KEY = fake_bfl.KEY
    settings.BFL_RESULT_HOSTS = list(result_hosts)
    settings.ALLOWED_FETCH_HOSTS = allowed
    response = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 202, response.json()
    job = run_until_finished(response.json()["id"])
    assert job.is_finished, "the job did not finish"
    return job


def test_a_polling_url_on_another_host_fails_the_job_and_the_key_never_goes_there(api, settings):
    with Elsewhere() as other:
        # the same address on another port: another server, which must never see the key
        with RedirectedBfl(polling_url=f"{other.url}/v1/get_result?id=stolen") as fake:
            job = _run(settings, api, fake, allowed=[_host_port(fake)])
        assert (job.status, job.error_code) == ("failed", "provider_bad_response")
        assert other.requests == []
        assert len(fake.received("POST", "/v1/flux-kontext")) == 1  # one paid submit, nothing more


def test_a_result_that_redirects_to_a_private_address_is_refused(api, settings):
    with Elsewhere() as redirector:
        sample = f"{redirector.url}/redirect?to=http://169.254.169.254/latest/meta-data/"
        with RedirectedBfl(sample_url=sample) as fake:
            job = _run(settings, api, fake, allowed=[_host_port(fake), _host_port(redirector)])
        assert (job.status, job.error_code) == ("failed", "provider_bad_response")
        assert len(redirector.received("GET", "/redirect")) == 1  # the hop after it was refused


def test_a_result_on_a_host_that_is_not_a_result_host_is_never_fetched(api, settings):
    with Elsewhere() as other:
        elsewhere = f"localhost:{other.url.rsplit(':', 1)[1]}"  # allowed to fetch, not a result host
        with RedirectedBfl(sample_url=f"http://{elsewhere}/sample.png") as fake:
            job = _run(settings, api, fake, allowed=[_host_port(fake), elsewhere])
        assert (job.status, job.error_code) == ("failed", "provider_bad_response")
        assert other.requests == []


def test_the_normal_flow_still_delivers_from_the_result_host(api, settings):
    with RedirectedBfl() as fake:
        job = _run(settings, api, fake, allowed=[_host_port(fake)])
    assert job.status == "succeeded", (job.error_code, job.error_message)
    [download] = fake.received("GET", "/delivery/")
    assert "x-key" not in download.headers


@pytest.mark.parametrize(
    ("url", "base", "same"),
    [
        ("https://api.eu1.bfl.ai/v1/get_result?id=1", "https://api.bfl.ai", True),  # BFL's regional hosts
        ("https://api.us.bfl.ai/v1/get_result?id=1", "https://api.bfl.ai", True),
        ("https://api.replicate.com/v1/predictions/x", "https://api.replicate.com/v1", True),
        ("http://api.bfl.ai/v1/get_result?id=1", "https://api.bfl.ai", False),  # no downgrade to http
        ("https://bfl.ai.evil.example/v1/get_result", "https://api.bfl.ai", False),
        ("https://evilbfl.ai/v1/get_result", "https://api.bfl.ai", False),
        ("https://api.bfl.ai:8443/v1/get_result", "https://api.bfl.ai", False),
        ("http://127.0.0.1:9999/x", "http://127.0.0.1:8888", False),
        ("http://127.0.0.1:8888/x", "http://127.0.0.1:8888", True),
    ],
)
def test_which_urls_count_as_the_providers_own_host(url, base, same):
    assert _same_provider_host(url, base) is same
