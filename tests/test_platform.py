"""Cross-cutting behaviour: settings from the environment, CORS, the OpenAPI schema."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _base_env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "DATABASE_URL"}}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_PER_USER_QUEUE", "three"),
        ("JOB_TIMEOUT_SECONDS", "0"),
        ("DEBUG", "maybe"),
        ("LOG_FORMAT", "xml"),
        ("Q_BROKER", "kafka"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_its_name(start_up_error, name, value):
    assert name in start_up_error({name: value})


def test_a_retry_too_short_for_the_timeout_is_refused_at_start_up(start_up_error):
    assert "Q_RETRY" in start_up_error({"Q_TIMEOUT": "60", "Q_RETRY": "61"})


def test_production_refuses_to_start_without_a_secret_key(start_up_error):
    assert "SECRET_KEY" in start_up_error({"REQUIRE_SECRET_KEY": "true"})


@pytest.mark.subprocess
@pytest.mark.django_db
def test_web_and_worker_processes_start_without_heavy_libraries():
    """The seed's pods were OOMKilled because ML libraries sat in every process; the web
    application and the worker's task modules load none of them, nor the LLM SDK and the JSON
    schema validator, which only an LLM call needs (they load on first use)."""
    probe = (
        "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
        "import config.wsgi, generation.tasks, gallery.tasks;"
        "from generation.management.commands.runworkers import prepare_for_fork; prepare_for_fork();"
        "print(' '.join(sorted(m for m in ('torch', 'sentence_transformers', 'chromadb', 'numpy',"
        " 'openai', 'jsonschema') if m in sys.modules)) or 'none')"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=_base_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "none"


def test_cors_answers_allowed_frontend_origins_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://ppl.example.com"]
    allowed = client.options(
        "/api/v1/jobs", HTTP_ORIGIN="https://ppl.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://ppl.example.com"
    assert "idempotency-key" in allowed["Access-Control-Allow-Headers"]
    other = client.options(
        "/api/v1/jobs", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_job_api(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/jobs/ppl",
        "/api/v1/jobs/goods",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/jobs/{job_id}/retry",
        "/api/v1/auth/token",
    ):
        assert path in paths
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.subprocess
def test_the_schema_generates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--file", "/dev/null"],
        cwd=ROOT,
        env=_base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
