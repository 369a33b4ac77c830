"""Production is secure by default: DEBUG off and nothing but SECRET_KEY and ALLOWED_HOSTS give a
clean `check --deploy` (secure cookies, HSTS, the https redirect); HTTPS=off turns them off for a
plain-http deployment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "DATABASE_URL", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


_MINIMAL = {"SECRET_KEY": "", "ALLOWED_HOSTS": "studio.example.com"}
_PRINT = (
    "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
)


def test_check_deploy_is_clean_with_only_secret_key_and_allowed_hosts():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**_MINIMAL, "SECRET_KEY": secrets.token_urlsafe(50)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_off_means_https_unless_https_is_off():
    secure = _manage("shell", "--no-imports", "-c", _PRINT, env={"SECRET_KEY": secrets.token_urlsafe(50)})
    assert secure.stdout.split() == ["True", "True", "True", "31536000"], secure.stderr
    plain = _manage(
        "shell", "--no-imports", "-c", _PRINT, env={"SECRET_KEY": secrets.token_urlsafe(50), "HTTPS": "off"}
    )
    assert plain.stdout.split() == ["False", "False", "False", "0"], plain.stderr
    debug = _manage("shell", "--no-imports", "-c", _PRINT, env={"DEBUG": "true"})
    assert debug.stdout.split() == ["False", "False", "False", "0"], debug.stderr
