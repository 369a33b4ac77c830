"""A web worker imports only what serving requests needs: the libraries of code paths it rarely or
never runs (image decoding, URL fetches, template sanitising, provider and LLM clients) load on
first use (config/lazy.py), and so do the admin's model admins (config/lazy_admin.py), the
OpenAPI schema views and the provider webhooks' engine services, which keeps a worker's memory
down (benchmarks/api_bench.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.lazy import lazy_module

ROOT = Path(__file__).resolve().parents[2]
# Libraries a web worker must not import at start-up (each costs it ~0.3 to 23 MB).
DEFERRED = ["PIL", "httpx", "nh3", "tinycss2", "tenacity", "openai", "jsonschema", "websockets"]
# Our modules and those of Django apps that a web worker loads with the first request that needs
# them: the model admins with the first admin request, the schema views with the first schema
# or docs request, the engine's services and the providers with the first provider webhook.
DEFERRED_MODULES = [
    "config.admin",
    "gallery.admin",
    "generation.admin",
    "templates_app.admin",
    "django_q.admin",
    "rest_framework_simplejwt.token_blacklist.admin",
    "drf_spectacular.views",
    "generation.services.engine",
]

# As a web worker starts (config.asgi sets Django up), then what the first requests load: an API
# reverse() (the job and image answers make one), an admin page.
_PROBE = """
import json, sys
import config.asgi
from django.urls import get_resolver, reverse
get_resolver().url_patterns
at_start = sorted(sys.modules)
reverse("gallery:image-list")
after_reverse = sorted(sys.modules)
from django.contrib import admin
from django.test import Client
from generation.models import Job
admin_login = Client().get("/admin/login/").status_code
print(json.dumps({"at_start": at_start, "after_reverse": after_reverse, "admin_login": admin_login,
                  "admin_index": reverse("admin:index"), "job_admin": admin.site.is_registered(Job)}))
"""


@pytest.fixture(scope="module")
def web_probe() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false", "HTTPS": "off"}
    env.setdefault("SECRET_KEY", "web-imports-test-" + "x" * 50)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.subprocess
def test_a_web_worker_starts_without_the_libraries_of_rare_paths(web_probe):
    loaded = {name.split(".")[0] for name in web_probe["at_start"]}
    assert loaded & set(DEFERRED) == set()
    assert "django" in loaded and "rest_framework" in loaded  # the probe did load the app


@pytest.mark.subprocess
def test_a_web_worker_starts_without_the_modules_of_rare_requests(web_probe):
    assert set(web_probe["at_start"]) & set(DEFERRED_MODULES) == set()
    assert "generation.webhooks" in web_probe["at_start"]  # the URLconf was loaded


@pytest.mark.subprocess
def test_an_api_reverse_does_not_load_the_model_admins(web_probe):
    assert "gallery.admin" not in web_probe["after_reverse"]


@pytest.mark.subprocess
def test_the_first_admin_request_of_a_web_worker_loads_the_model_admins(web_probe):
    assert web_probe["admin_login"] == 200
    assert web_probe["admin_index"] == "/admin/"
    assert web_probe["job_admin"] is True


def test_a_lazy_module_imports_on_first_use_and_forwards_reads_and_writes():
    module = lazy_module("json.decoder")
    assert module.JSONDecodeError is sys.modules["json.decoder"].JSONDecodeError
    module.EXTRA_FOR_TEST = 1
    try:
        assert sys.modules["json.decoder"].EXTRA_FOR_TEST == 1
    finally:
        del sys.modules["json.decoder"].EXTRA_FOR_TEST
    assert "json.decoder" in repr(module)


def test_a_module_first_used_by_two_threads_at_once_is_complete_for_both(tmp_path, monkeypatch):
    """A request thread that reads a lazy module while another thread is still importing it
    waits for the import instead of reading the half-made module."""
    import builtins
    import threading

    (tmp_path / "lazy_probe_module.py").write_text(
        "import builtins\nbuiltins.lazy_probe_entered.set()\nbuiltins.lazy_probe_gate.wait(60)\nVALUE = 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(builtins, "lazy_probe_entered", threading.Event(), raising=False)
    monkeypatch.setattr(builtins, "lazy_probe_gate", threading.Event(), raising=False)
    monkeypatch.delitem(sys.modules, "lazy_probe_module", raising=False)
    module = lazy_module("lazy_probe_module")
    results: list = []

    def read() -> None:
        try:
            results.append(module.VALUE)
        except Exception as exc:  # what the second reader saw is the assertion
            results.append(exc)

    first = threading.Thread(target=read)
    first.start()
    assert builtins.lazy_probe_entered.wait(60)  # the first reader is inside the import
    second = threading.Thread(target=read)
    second.start()
    builtins.lazy_probe_gate.set()
    first.join(60)
    second.join(60)
    assert results == [1, 1]
    sys.modules.pop("lazy_probe_module", None)


def test_the_server_forks_its_workers_from_the_loaded_app_with_its_objects_frozen(tmp_path, monkeypatch):
    """deploy/gunicorn.conf.py: the master loads the app and freezes what it made before each fork,
    so the workers' collections leave the shared pages alone."""
    import gc
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.delenv("WEB_PRELOAD", raising=False)
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    gc.unfreeze()
    try:
        conf["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
