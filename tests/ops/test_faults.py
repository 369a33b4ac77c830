"""Faults with real processes: the Redis broker and cache stopped under load, the database down.

Nothing is lost and the client is told the truth: a job that was committed is answered 202 (its
inputs kept) while Redis is down and a worker finishes it once Redis is back; reads degrade to
the database; what truly cannot be served answers 503 `service_unavailable` with Retry-After,
never 500."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_create
from generation.models import Job, JobInput
from tests.conftest import database_url, goods_form

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout: float, message: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(message)


class RedisServer:
    """A redis-server of this test's own, on its own port; stopped and started again at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self._answers, 10, "redis-server did not start")

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as a crashed or unreachable server: no goodbye to clients
            self.process.wait()


def _base_env(tmp_path: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "OUTPUT_DIR": str(tmp_path / "out"),
        "LOG_LEVEL": "WARNING",
        "HTTPS": "off",
        "WORKER_STATE_DIR": str(tmp_path / "state"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "4",
        "THROTTLE_JOBS_PER_MINUTE": "0",
        "THROTTLE_UPLOADS_PER_MINUTE": "0",
        **extra,
    }
    return env


class Processes:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict) -> subprocess.Popen:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def processes():
    started = Processes()
    yield started
    started.stop_all()


def _web(processes: Processes, env: dict) -> httpx.Client:
    port = free_port()
    env = {**env, "PORT": str(port)}
    processes.start(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "config.asgi:application",
        ],
        env,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    # A deadline, not a duration: on a loaded machine the start-up alone took over 30 s.
    _wait_for(lambda: client.get("/healthz/live").status_code == 200, 120, "gunicorn did not start")
    return client


def _sign_in(client: httpx.Client, user) -> None:
    """A token signed with the key the servers share (the tests' hasher is not theirs)."""
    client.headers["Authorization"] = f"Bearer {RefreshToken.for_user(user).access_token}"


def _goods_files() -> dict:
    form = goods_form()
    image = form.pop("character_image")
    return {"data": form, "files": {"character_image": (image.name, image.read(), image.content_type)}}


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_under_load_loses_nothing_and_answers_no_500(processes, tmp_path, starter_catalogue):
    redis = RedisServer(free_port())
    redis.start()
    try:
        env = _base_env(
            tmp_path,
            DATABASE_URL=database_url(),
            Q_BROKER="redis",
            REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
            CACHE_URL=f"redis://127.0.0.1:{redis.port}/1",
            Q_WORKERS="1",
            Q_TIMEOUT="20",
            Q_RETRY="70",
            ENGINE_TICK_SECONDS="3",
            ENGINE_STAGE_GRACE_SECONDS="4",
            Q_POLL_SECONDS="0.05",
            LOCAL_PROVIDER_DELAY_SECONDS="0",
            MAX_PER_USER_QUEUE="100",
            MAX_PER_USER_CONCURRENT="100",
        )
        user = user_create(username="dana", password="pw-123456789")
        client = _web(processes, env)
        _sign_in(client, user)
        processes.start([sys.executable, "manage.py", "runworkers"], env)
        first = client.post("/api/v1/jobs/goods", **_goods_files())
        assert first.status_code == 202, first.text
        assert client.get("/api/v1/templates").status_code == 200  # cached while Redis is up

        redis.stop()
        during: list[httpx.Response] = []
        for _ in range(6):
            during.append(client.post("/api/v1/jobs/goods", **_goods_files()))
            during.append(client.get("/api/v1/jobs"))
            during.append(client.get("/api/v1/templates"))
            during.append(client.get("/api/v1/categories"))
        statuses = [(r.request.method, r.request.url.path, r.status_code) for r in during]
        assert not [s for s in statuses if s[2] >= 500], statuses
        posted = [r for r in during if r.request.method == "POST"]
        assert all(r.status_code == 202 for r in posted), [r.text for r in posted]
        ids = [first.json()["id"]] + [r.json()["id"] for r in posted]
        assert Job.objects.filter(id__in=ids).count() == len(ids)  # committed
        for job_input in JobInput.objects.filter(job_id__in=ids):
            assert (tmp_path / "out" / job_input.file.name).exists() or job_input.file.storage.exists(
                job_input.file.name
            ), job_input.file.name

        redis.start()  # the same port, empty: every task that was in it is gone
        _wait_for(
            lambda: Job.objects.filter(id__in=ids, status="succeeded").count() == len(ids),
            120,
            f"not all jobs finished after Redis came back: "
            f"{list(Job.objects.filter(id__in=ids).values_list('status', 'error_code'))}",
        )
    finally:
        processes.stop_all()
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_a_stopped_database_answers_503_and_healthz_says_why(processes, tmp_path):
    closed_port = free_port()  # nothing listens there
    env = _base_env(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/x",
        Q_BROKER="orm",
        CACHE_URL="",
        METRICS_TOKEN="fault-test-metrics-token",
    )
    client = _web(processes, env)

    answer = client.get("/api/v1/jobs", headers={"Authorization": "Bearer not-a-token-at-all"})
    assert answer.status_code in (401, 503), answer.text  # a bad token needs no database
    answer = client.post("/api/v1/auth/token", json={"username": "dana", "password": "pw-123456789"})
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "service_unavailable"
    assert int(answer.headers["Retry-After"]) > 0

    # Not an API view (the session is read from the database): a plain page, still 503.
    client.cookies.set("sessionid", "x" * 32)
    answer = client.get("/admin/")
    client.cookies.clear()
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.headers.get("X-Request-ID")  # answered through every middleware, logged as usual

    assert client.get("/healthz").json()["checks"]["database"]["status"] == "fail"
    client.cookies.set("sessionid", "x" * 32)  # a staff browser's session cannot be read either
    assert client.get("/healthz").json()["checks"]["database"]["status"] == "fail"
    client.cookies.clear()
    health = client.get("/healthz", headers={"Authorization": "Bearer fault-test-metrics-token"})
    assert health.status_code == 503
    body = health.json()
    assert body["checks"]["database"]["status"] == "fail"
    assert "database" in body["checks"]["database"]["message"].lower()
    assert client.get("/healthz/live").status_code == 200


# --- the cache alone unreachable, in this process (a real Redis client on a port nobody answers) --


@pytest.fixture
def cache_down(settings):
    """The default cache on a Redis port where nothing listens (the real client, refused)."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"RETRY_SECONDS": 0},
        }
    }
    with contextlib.suppress(AttributeError):
        del caches._connections.default  # the next use builds the cache from the new settings
    yield
    with contextlib.suppress(AttributeError):
        del caches._connections.default


def test_without_the_cache_sign_in_throttles_and_catalogue_still_answer(
    cache_down, settings, db, user, starter_catalogue
):
    from rest_framework.test import APIClient

    from config.health import health_cache_clear

    settings.THROTTLE_JOBS_PER_MINUTE = 1  # counted in the cache: with it away, nothing is counted
    client = APIClient()
    wrong = client.post("/api/v1/auth/token", {"username": "alice", "password": "nope"}, format="json")
    assert wrong.status_code == 401  # counted nowhere, refused all the same
    right = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": "correct horse battery"}, format="json"
    )
    assert right.status_code == 200, right.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {right.json()['access']}")
    assert client.get("/api/v1/templates").status_code == 200
    assert client.get("/api/v1/categories").status_code == 200
    assert client.get("/api/v1/jobs").status_code == 200
    for _ in range(2):
        answer = client.post("/api/v1/jobs/goods", goods_form(), format="multipart")
        assert answer.status_code == 202, answer.content
    assert (
        client.post("/api/v1/auth/logout", {"refresh": right.json()["refresh"]}, format="json").status_code
        < 500
    )

    health_cache_clear()
    cache_check = client.get("/healthz").json()["checks"]["cache"]
    assert cache_check["status"] == "warn"  # degraded, served without it: not a reason for 503


@pytest.mark.django_db(transaction=True)  # the enqueue runs on a real commit
def test_a_broker_that_cannot_take_the_wake_up_still_leaves_the_job_committed_with_its_inputs(
    user, monkeypatch, storage_dir
):
    """The enqueue after commit fails (as the Redis broker does when it is down): 202, inputs kept."""
    from django_q.brokers import orm
    from redis.exceptions import ConnectionError as RedisConnectionError

    from tests.conftest import api_client_for

    def refused(self, task):  # the network boundary: the broker's enqueue
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(orm.ORM, "enqueue", refused)
    answer = api_client_for(user).post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["id"])
    for job_input in job.inputs.all():
        assert job_input.file.storage.exists(job_input.file.name)


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_accepts_but_never_answers_costs_seconds_not_the_request(processes, tmp_path):
    """A hung Redis (connections accepted, nothing answered): bounded waits, then 202 and 200."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(100)  # the kernel completes the connections; nobody ever reads them
    port = silent.getsockname()[1]
    try:
        env = _base_env(
            tmp_path,
            DATABASE_URL=database_url(),
            Q_BROKER="redis",
            REDIS_URL=f"redis://127.0.0.1:{port}/0",
            CACHE_URL=f"redis://127.0.0.1:{port}/1",
            MAX_PER_USER_QUEUE="100",
            MAX_PER_USER_CONCURRENT="100",
        )
        user = user_create(username="erin", password="pw-123456789")
        client = _web(processes, env)
        _sign_in(client, user)
        started = time.monotonic()
        answer = client.post("/api/v1/jobs/goods", **_goods_files())
        assert answer.status_code == 202, answer.text
        assert time.monotonic() - started < 15  # the cache's 1 s and the broker's 5 s, not forever
        assert Job.objects.filter(pk=answer.json()["id"]).exists()
        started = time.monotonic()
        assert client.get("/api/v1/jobs").status_code == 200
        assert client.get("/api/v1/templates").status_code == 200
        assert time.monotonic() - started < 5  # the cache is skipped for a while after it failed
    finally:
        silent.close()


def test_a_job_whose_transaction_rolls_back_leaves_no_input_files(api, storage_dir):
    """The database refuses the inputs' rows after their files were written: the transaction rolls
    back and takes the files with it (on PostgreSQL as a connection failure: 503, not 500)."""
    table = JobInput._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_inputs() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'terminating connection' USING ERRCODE = '57P01'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_inputs()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'inputs refused'); END"
            )
    api.raise_request_exception = False
    answer = api.post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert answer.status_code != 202
    if connection.vendor == "postgresql":
        assert answer.status_code == 503 and answer.json()["code"] == "service_unavailable"
        assert answer["Retry-After"]
    assert Job.objects.count() == 0
    assert [p for p in storage_dir.rglob("*") if p.is_file() and "inputs" in p.parts] == []
