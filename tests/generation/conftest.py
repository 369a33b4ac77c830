"""The platform pointed at the fake providers (tests/fakes/) on loopback, one fixture each. A test
module that needs a variant asks for the fixture of the same name and adjusts the fake it gets."""

from __future__ import annotations

import pytest

from tests.fakes import bfl as fake_bfl
from tests.fakes import replicate as fake_replicate
from tests.fakes import together as fake_together


@pytest.fixture
def replicate(settings):
    with fake_replicate.FakeReplicate() as fake:
        settings.PPL_PROVIDER = "replicate"
        settings.REPLICATE_API_BASE = f"{fake.url}/v1"
        settings.REPLICATE_API_TOKEN = fake_replicate.TOKEN
        settings.REPLICATE_RESULT_HOSTS = ["127.0.0.1"]  # the fake delivers on loopback
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        yield fake


@pytest.fixture
def bfl(settings):
    with fake_bfl.FakeBfl() as fake:
        settings.GOODS_PROVIDER = "bfl"
        settings.BFL_API_BASE = fake.url
        settings.BFL_API_KEY = fake_bfl.KEY
        settings.BFL_RESULT_HOSTS = ["127.0.0.1"]  # the fake delivers on loopback
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        yield fake


@pytest.fixture
def together(settings):
    with fake_together.FakeTogether() as fake:
        settings.EDIT_PROVIDER = "together"
        settings.TOGETHER_API_BASE = f"{fake.url}/v1"
        settings.TOGETHER_API_KEY = fake_together.KEY
        settings.TOGETHER_RESULT_HOSTS = ["127.0.0.1"]  # the fake delivers on loopback
        settings.ALLOWED_FETCH_HOSTS = [fake.url.removeprefix("http://")]
        yield fake
