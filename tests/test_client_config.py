"""GET /api/v1/config: what the web app must know, read from what the API validates with."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.constants import ASPECT_RATIOS, GOODS_TYPES, OUTPUT_FORMATS, PROMPT_MAX_CHARS
from tests.conftest import goods_form, ppl_form

pytestmark = pytest.mark.django_db

CONFIG_FIELDS = {
    "max_upload_bytes",
    "max_image_pixels",
    "max_image_side",
    "aspect_ratios",
    "output_formats",
    "goods_types",
    "safety_tolerance",
    "prompt_max_length",
    "product_info_max_length",
    "job_timeout_seconds",
    "trash_retention_days",
    "languages",
    "max_queued_jobs",
    "max_concurrent_jobs",
}


def test_the_config_has_the_limits_choices_and_ranges(api, settings):
    body = api.get("/api/v1/config").json()
    assert set(body) == CONFIG_FIELDS
    assert body["max_upload_bytes"] == settings.MAX_UPLOAD_BYTES
    assert body["max_image_pixels"] == settings.INPUT_MAX_PIXELS
    assert body["max_image_side"] == 1024
    assert body["aspect_ratios"] == list(ASPECT_RATIOS)
    assert body["output_formats"] == list(OUTPUT_FORMATS) == ["png", "jpg"]
    assert body["goods_types"] == list(GOODS_TYPES)
    assert body["safety_tolerance"] == {
        "ppl": {"min": 0, "max": 2, "default": 2},
        "goods": {"min": 0, "max": 6, "default": 2},
    }
    assert body["prompt_max_length"] == PROMPT_MAX_CHARS == 2000
    assert body["product_info_max_length"] == 20_000
    assert body["job_timeout_seconds"] == settings.JOB_TIMEOUT_SECONDS
    assert body["trash_retention_days"] == settings.TRASH_RETENTION_DAYS
    assert body["languages"] == ["ko", "en"]


def test_the_config_follows_the_settings(api, settings):
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    settings.JOB_TIMEOUT_SECONDS = 42
    settings.TRASH_RETENTION_DAYS = 7
    body = api.get("/api/v1/config").json()
    assert (body["max_upload_bytes"], body["job_timeout_seconds"], body["trash_retention_days"]) == (
        2 * 1024 * 1024,
        42,
        7,
    )


def test_the_job_limits_are_the_callers_own(api, user):
    user.max_queued_jobs = 0
    user.max_concurrent_jobs = 2
    user.save(update_fields=["max_queued_jobs", "max_concurrent_jobs"])
    body = api.get("/api/v1/config").json()
    assert (body["max_queued_jobs"], body["max_concurrent_jobs"]) == (0, 2)


def test_the_ranges_are_the_ones_the_job_api_enforces(api):
    config = api.get("/api/v1/config").json()
    ppl_max = config["safety_tolerance"]["ppl"]["max"]
    goods_max = config["safety_tolerance"]["goods"]["max"]
    too_high = api.post("/api/v1/jobs/ppl", ppl_form(safety_tolerance=ppl_max + 1), format="multipart")
    assert too_high.status_code == 400 and "safety_tolerance" in too_high.json()["fields"]
    assert (
        api.post("/api/v1/jobs/goods", goods_form(safety_tolerance=goods_max), format="multipart").status_code
        == 202
    )
    long_prompt = "x" * (config["prompt_max_length"] + 1)
    assert (
        "prompt"
        in api.post("/api/v1/jobs/ppl", ppl_form(prompt=long_prompt), format="multipart").json()["fields"]
    )


def test_the_config_needs_a_signed_in_caller():
    assert APIClient().get("/api/v1/config").status_code == 401


def test_the_config_is_in_the_schema(api):
    schema = APIClient().get("/api/schema/?format=json").json()
    assert "/api/v1/config" in schema["paths"]
    assert set(schema["components"]["schemas"]["ClientConfig"]["properties"]) == CONFIG_FIELDS
