"""/metrics: each process's CPU time and resident memory under its role (web, task, engine), from
the serving process alone, and in multiprocess mode from every live process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.test_metrics import _sample

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


@pytest.mark.django_db
def test_metrics_show_the_serving_process_cpu_and_memory(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1/32"]
    text = client.get("/metrics").content.decode()
    assert _sample(text, "studio_process_resident_memory_bytes", role="web") > 10 * 1024 * 1024
    assert _sample(text, "studio_process_cpu_seconds", role="web") > 0


_TASK = """
import sys, django
django.setup()
from config.metrics import process_sample
process_sample("task")
print("sampled", flush=True)
sys.stdin.read()  # stays alive until the test closes stdin
"""

_SCRAPE = """
import os, django
django.setup()
from config.metrics import render
print(os.getpid())
print(render().decode())
"""


@pytest.mark.subprocess
def _scrape(env) -> tuple[str, str]:
    scrape = subprocess.run(
        [sys.executable, "-c", _SCRAPE],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=DEADLINE_SECONDS,
    )
    assert scrape.returncode == 0, scrape.stderr[-2000:]
    web_pid, text = scrape.stdout.split("\n", 1)
    return web_pid, text


def test_in_multiprocess_mode_a_scrape_shows_every_live_process_by_role(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    task = subprocess.Popen(
        [sys.executable, "-c", _TASK],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert task.stdout.readline().strip() == "sampled"
        web_pid, text = _scrape(env)
        for role, pid in (("task", str(task.pid)), ("web", web_pid)):
            assert _sample(text, "studio_process_resident_memory_bytes", role=role, pid=pid) > 0, role
            assert _sample(text, "studio_process_cpu_seconds", role=role, pid=pid) > 0, role
    finally:
        task.stdin.close()
        task.wait(timeout=DEADLINE_SECONDS)
        task.stdout.close()

    _, text = _scrape(env)  # the task process has exited: its series are gone
    assert _sample(text, "studio_process_resident_memory_bytes", role="task") is None
