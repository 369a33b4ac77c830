"""Answering polls loads no provider module into a web worker (nor Pillow, which `local` draws
with): a waiting job's standing reads the providers' figures from a table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from generation.models import JobKind
from tests.conftest import database_url
from tests.factories import JobFactory, JobInputFactory, UserFactory, finished_job_with_result

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.subprocess]

ROOT = Path(__file__).resolve().parents[2]

# A web worker's start (as tests/ops/test_web_imports.py probes it), then GET /api/v1/jobs/{id}
# through the WSGI handler for each id given; prints the modules loaded.
_PROBE = """
import io, json, sys
import django
django.setup()
import config.asgi, config.urls
from django.core.handlers.wsgi import WSGIHandler
app, token = WSGIHandler(), sys.argv[1]
for job_id in sys.argv[2:]:
    status = []
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": f"/api/v1/jobs/{job_id}", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    body = b"".join(app(environ, lambda code, headers, exc_info=None: status.append(code)))
    assert status == ["200 OK"], (status, body[:300])
print(json.dumps(sorted(sys.modules)))
"""


def test_polling_jobs_in_every_state_imports_no_provider_module_nor_pillow():
    user = UserFactory(max_queued_jobs=10, max_concurrent_jobs=1)
    JobFactory(running=True)  # another user's, so the waiting job's figures have a start to read
    waiting = [JobFactory(user=user, kind=kind) for kind in (JobKind.GOODS, JobKind.PAGE)]
    JobInputFactory(job=waiting[0])
    jobs = [
        *waiting,
        JobFactory(user=user, running=True),  # progress 0: its ETA is the nominal duration
        finished_job_with_result(user=user),
        finished_job_with_result(user=user, kind=JobKind.PAGE),
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "HTTPS": "off",
        "SECRET_KEY": settings.SECRET_KEY,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "LOG_LEVEL": "WARNING",
        "ACCESS_LOG_LEVEL": "WARNING",
    }
    token = str(RefreshToken.for_user(user).access_token)

    done = subprocess.run(
        [sys.executable, "-c", _PROBE, token, *(str(job.id) for job in jobs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "generation.selectors" in loaded  # the probe did answer through the job API
    assert {name for name in loaded if name.split(".")[0] == "PIL"} == set()
    providers = {name for name in loaded if name.startswith("generation.providers.")}
    assert providers <= {"generation.providers.base", "generation.providers.registry"}
