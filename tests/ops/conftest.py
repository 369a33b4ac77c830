"""Fixtures for the operations tests: fresh health and metrics caches, and a worker cluster's
heartbeat written through the real heartbeat broker (as a running sentinel would)."""

from __future__ import annotations

import uuid

import pytest
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.status import Status

from config.health import health_cache_clear
from config.metrics import metrics_cache_clear


@pytest.fixture(autouse=True)
def _fresh_ops_caches(settings, tmp_path, monkeypatch):
    settings.WORKER_STATE_DIR = str(tmp_path / "worker-state")
    settings.HEALTHZ_DISK_MIN_FREE_MB = 1
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    health_cache_clear()
    metrics_cache_clear()
    yield
    health_cache_clear()
    metrics_cache_clear()


def beat(*, status: str = Conf.IDLE, cluster_id: uuid.UUID | None = None, pid: int = 4242) -> uuid.UUID:
    """Save a cluster Stat through the configured broker, exactly as django-q2's sentinel does."""
    from django_q.brokers import get_broker

    cluster_id = cluster_id or uuid.uuid4()
    stat = Status(pid=pid, cluster_id=cluster_id)
    stat.status = status
    broker = get_broker()
    broker.set_stat(f"{Conf.Q_STAT}:{cluster_id}", SignedPackage.dumps(stat, True), 3)
    return cluster_id


def expire_heartbeats() -> None:
    """What the web side sees once every cluster missed its heartbeat (killed, hung, gone)."""
    from datetime import timedelta

    from django.utils import timezone

    from generation.models import EngineLease

    past = timezone.now() - timedelta(seconds=1)
    EngineLease.objects.filter(name__startswith="qc:").update(expires_at=past)


@pytest.fixture
def workers_up(db):
    """A live worker cluster, as far as health can tell."""
    return beat()


@pytest.fixture
def select_provider(settings, monkeypatch):
    """Select a provider class for PPL jobs (registered the way real adapters are)."""
    from generation.providers.registry import PROVIDERS

    def select(cls) -> None:
        monkeypatch.setitem(PROVIDERS, cls.name, f"{cls.__module__}.{cls.__qualname__}")
        settings.PPL_PROVIDER = cls.name

    return select
