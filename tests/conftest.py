"""Shared fixtures: personas, authenticated API clients, test images, and a worker stand-in
that runs queued django-q2 tasks in this process (real payloads from the real broker)."""

from __future__ import annotations

import functools
import io
import os
import runpy
from pathlib import Path

# The test client and the servers tests start speak plain http (DEBUG off would mean https): the
# processes tests start inherit this; this process loaded its settings before, so they are set
# below (before any live server loads its middleware).
os.environ.setdefault("HTTPS", "off")

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from PIL import Image, ImageDraw
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_create

django_settings.SECURE_SSL_REDIRECT = django_settings.SESSION_COOKIE_SECURE = False
django_settings.CSRF_COOKIE_SECURE = False
django_settings.SECURE_HSTS_SECONDS = 0


def _keeps_migration_data(item) -> bool:
    """A test in one rolled-back transaction: it may read what migrations load (the starter
    catalogue), which a transactional test's flush removes (pytest-django runs these first)."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )
    return not transactional and (marker is not None or "db" in fixtures)


def _flushes(item) -> bool:
    """A transactional test: pytest-django empties every table after it (migration data too)."""
    return not _keeps_migration_data(item) and (
        item.get_closest_marker("django_db") is not None
        or bool({"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))
    )


def pytest_collection_modifyitems(config, items):
    """Long tests first, so that scripts/test.sh's parallel workers (pytest-xdist, --dist load
    --maxschedchunk 2: a worker takes the next tests in collection order as it comes free) start
    them together while the short ones fill the gaps, instead of one worker ending the run with a
    long one; those that wait on real time (servers, worker clusters) then overlap the CPU-bound
    rest. Among the others the rolled-back ones come first (fewer reloads of migration data)."""

    def long(item) -> bool:
        return any(item.iter_markers("subprocess")) or any(item.iter_markers("slow"))

    items.sort(key=lambda item: (not long(item), not _keeps_migration_data(item)))


# Whether a transactional test has emptied this process's test database since its migration data
# was last loaded.
_migration_data_flushed = False


def _migration_data_restore() -> None:
    """What the data migrations load (the content managers and operators groups, the starter
    catalogue), loaded again with the real models, idempotently, with the ids they have after
    migrating (the flush leaves PostgreSQL's sequences where they were; tests name ids)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.core.management.color import no_style
    from django.db import connection

    models = [Group, Group.permissions.through, *apps.get_app_config("templates_app").get_models()]
    sequences = [{"table": m._meta.db_table, "column": m._meta.pk.column} for m in models]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)
    for module, function in (
        ("templates_app.migrations.0002_content_managers_group", "create_group"),
        ("generation.migrations.0008_operators_group", "create_group"),
        ("templates_app.migrations.0003_starter_catalogue", "load"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item):
    """A rolled-back test after a transactional one in this process finds the migration data
    again: loaded before its transaction begins (so once per flush, not once per test)."""
    global _migration_data_flushed
    if _migration_data_flushed and _keeps_migration_data(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _migration_data_restore()
        _migration_data_flushed = False
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _flushes(item):
        global _migration_data_flushed
        _migration_data_flushed = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Worker heartbeat and progress files per test (the default, the system temp dir, is shared
    # by every cluster named alike): tests run side by side (pytest-xdist) and the processes
    # they start inherit the environment.
    settings.WORKER_STATE_DIR = str(tmp_path / "worker-state")
    monkeypatch.setenv("WORKER_STATE_DIR", settings.WORKER_STATE_DIR)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LOCAL_PROVIDER_DELAY_SECONDS = 0
    settings.MAX_PER_USER_QUEUE = 3
    settings.MAX_PER_USER_CONCURRENT = 1
    # Tests that create many jobs or uploads are not throttled; tests/abuse sets the limits it checks.
    settings.THROTTLE_JOBS_PER_MINUTE = settings.THROTTLE_UPLOADS_PER_MINUTE = 0
    settings.THROTTLE_IMPORTS_PER_MINUTE = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def storage_dir(tmp_path):
    return tmp_path / "storage"


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def user(db):
    return user_create(username="alice", password="correct horse battery")


@pytest.fixture
def other_user(db):
    return user_create(username="bob", password="correct horse battery")


@pytest.fixture
def staff_user(db):
    return user_create(username="carol", password="correct horse battery", is_staff=True)


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api(user):
    return api_client_for(user)


@pytest.fixture
def other_api(other_user):
    return api_client_for(other_user)


@functools.cache  # bytes cannot change: each picture is drawn and encoded once per session
def png_bytes(size=(320, 240), color=(40, 120, 200), fmt="PNG", draw_square=None) -> bytes:
    image = Image.new("RGB", size, color)
    if draw_square:
        x0, y0, x1, y1, fill = draw_square
        ImageDraw.Draw(image).rectangle((x0, y0, x1, y1), fill=fill)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name="image.png", data=None, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type=content_type)


def scene_upload():
    return upload("scene.jpg", png_bytes((640, 480), (70, 140, 90), "JPEG"), "image/jpeg")


def product_upload():
    return upload(
        "product.png",
        png_bytes((300, 300), (255, 255, 255), "PNG", draw_square=(80, 60, 220, 240, (200, 30, 30))),
    )


def ppl_form(**overrides) -> dict:
    form = {
        "prompt": "Place the bottle on the table",
        "input_image_1": scene_upload(),
        "input_image_2": product_upload(),
        "aspect_ratio": "1:1",
        "output_format": "png",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def goods_form(**overrides) -> dict:
    form = {
        "character_image": upload(
            "char.png",
            png_bytes((256, 256), (255, 255, 255), "PNG", draw_square=(60, 40, 200, 220, (220, 0, 200))),
        ),
        "goods_type": "mug",
        "output_format": "png",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def run_tasks(max_tasks: int = 200, *, wait_seconds: float = 0) -> list[str]:
    """Run what the broker holds, as a worker would, and turns of the engine (polls due, pages
    claimed), until neither has anything left to do now, or, with `wait_seconds`, until no job
    in flight is due within that time. Returns task names ("engine": a turn)."""
    import time

    from generation.engine import engine_run_once
    from generation.selectors import seconds_to_next_poll

    broker = get_broker()
    ran: list[str] = []
    deadline = time.monotonic() + wait_seconds
    while len(ran) < max_tasks:
        if not broker.queue_size():
            if not engine_run_once():
                due_in = seconds_to_next_poll()
                if due_in is None or time.monotonic() + due_in > deadline:
                    break
                time.sleep(max(0.01, due_in))
                continue
            ran.append("engine")
        for ack_id, payload in broker.dequeue() or []:
            task = SignedPackage.loads(payload)
            broker.acknowledge(ack_id)
            func = task["func"]
            func = import_string(func) if isinstance(func, str) else func
            func(*task["args"], **task["kwargs"])
            ran.append(func.__name__)
    return ran


def run_until_finished(job_id, seconds: float = 15, *, poll_now: bool = True):
    """Run tasks and engine turns until the job ends; returns it (finished or not: the caller
    asserts). With `poll_now`, a poll the provider asked to come back for later (a 1 s hint, a
    backoff) is made due at once, for tests about what adapters send and make of the answers
    rather than about the waits between polls (tests/generation/test_engine*.py time those)."""
    import time

    from django.utils import timezone

    from generation.models import Job, JobStatus

    deadline = time.monotonic() + seconds
    while True:
        if poll_now:
            now = timezone.now()
            Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, next_check_at__gt=now).update(
                next_check_at=now
            )
        run_tasks(max_tasks=50)
        job = Job.objects.get(pk=job_id)
        if job.is_finished or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def database_url() -> str:
    """This test's database as a DATABASE_URL, for the processes a test starts (they see what the
    test committed: transactional tests)."""
    from django.db import connection

    db = django_settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def tasks():
    return run_tasks


@pytest.fixture
def starter_catalogue(db):
    """The starter catalogue of the data migration, for transactional tests (whose flush wipes
    migration data): loaded again with the real models, idempotently."""
    import importlib

    from django.apps import apps

    importlib.import_module("templates_app.migrations.0003_starter_catalogue").load(apps, None)


@pytest.fixture
def start_up_error(monkeypatch):
    """What config/settings.py stops start-up with under an environment of only PATH, HOME,
    DATABASE_URL and `env` (as `manage.py check` in a fresh process would, without starting one)."""
    settings_file = Path(__file__).resolve().parents[1] / "config" / "settings.py"

    def load(env: dict) -> str:
        base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "DATABASE_URL"}}
        monkeypatch.setattr(os, "environ", {**base, **env})
        with pytest.raises(ImproperlyConfigured) as stopped:
            runpy.run_path(str(settings_file))
        return str(stopped.value)

    return load
