"""The error-code registry: every code answered or ending a job is registered (an unknown one
fails where it is raised), each has a status and words in both languages, and the codes the web
app keys on stay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.error_codes import ErrorCode, error_code
from config.errors import ApplicationError, InvalidInput
from generation.providers import ProviderError
from generation.services.transitions import job_transition
from tests.factories import JobFactory

WEB_APP_MESSAGES = Path(__file__).resolve().parents[1] / "frontend/src/i18n/messages/errors.ts"
WEB_APP_OWN_CODES = {"network_error", "unknown"}  # the app's own: no answer reached it


def test_every_code_has_an_error_status_and_an_english_meaning():
    # Korean: tests/test_error_language.py renders every code's message with its figures.
    for code in ErrorCode:
        assert 400 <= code.status <= 599 and code.english.strip(), code


def test_every_code_the_web_app_has_words_for_is_registered():
    keyed = set(re.findall(r'"error\.([a-z_]+)"', WEB_APP_MESSAGES.read_text())) - WEB_APP_OWN_CODES
    assert keyed and keyed <= {code.value for code in ErrorCode}


def test_an_unregistered_code_fails_where_it_is_raised(db):
    with pytest.raises(ValueError, match="not a registered error code"):
        error_code("invalid_thing")
    with pytest.raises(ValueError):
        InvalidInput("Bad.", code="invalid_thing")
    with pytest.raises(ValueError):
        ProviderError("Bad.", code="provider_melted")
    job = JobFactory(running=True)
    with pytest.raises(ValueError):
        job_transition(job_id=job.id, sources=["running"], target="failed", error_code="melted")
    job.refresh_from_db()
    assert job.status == "running"


def test_a_registered_code_is_answered_as_its_plain_string(api):
    error = ApplicationError("Gone.", code="file_missing")
    assert error.code is ErrorCode.FILE_MISSING and error.code == "file_missing"
    body = api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000").json()
    assert body["code"] == "not_found"


def test_the_schema_lists_every_code_in_the_error_shape():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert set(components["ErrorCode"]["enum"]) == {code.value for code in ErrorCode}
    assert "429: Your queue is full" in components["Error"]["properties"]["code"]["description"]
