"""Worker cluster heartbeat: how the web processes (and the worker pod's liveness probe) know
that a django-q2 cluster is alive and making progress, in every deployment mode.

django-q2's sentinel saves its status (`Stat`) every guard cycle (0.5 s) through the broker:
into Redis with the Redis broker, but into the *default cache* with the ORM broker, which in the
embedded mode is per-process memory that the web server cannot see. So the brokers below extend
`set_stat` to also
- renew a lease row `qc:<cluster id>` in EngineLease (every CLUSTER_HEARTBEAT_SECONDS, expiring
  CLUSTER_HEARTBEAT_TTL_SECONDS later; deleted when the cluster stops), which /healthz reads, and
- touch a heartbeat file on the local disk, which `manage.py workers_alive` reads (a liveness
  probe must not depend on the database).
Each worker process touches a progress file when it starts a task, so a cluster whose sentinel
still runs but whose workers take nothing while tasks wait (django-q2 #23) is noticed too.

Selected by Q_CLUSTER["broker_class"] in settings; enqueueing and dequeueing are unchanged.
"""

from __future__ import annotations

import logging
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_q.brokers import Broker
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.signals import pre_execute
from django_q.signing import BadSignature, SignedPackage

logger = logging.getLogger(__name__)

LEASE_PREFIX = "qc:"
_STOPPING = {Conf.STOPPING, Conf.STOPPED}


def _state_dir() -> Path:
    configured = getattr(settings, "WORKER_STATE_DIR", "")
    return Path(configured) if configured else Path(tempfile.gettempdir())


def heartbeat_file() -> Path:
    return _state_dir() / f"studio-{Conf.CLUSTER_NAME}.heartbeat"


def progress_file() -> Path:
    return _state_dir() / f"studio-{Conf.CLUSTER_NAME}.progress"


def _touch(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as exc:
        logger.warning("cannot touch %s: %s", path, exc.strerror)


def lease_name(cluster_id) -> str:
    return f"{LEASE_PREFIX}{cluster_id.hex}"[:32]


def holder_name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}"[:64]


class _HeartbeatMixin(Broker):
    """Put before a django-q2 broker class (ORM, Redis): extends its set_stat."""

    _last_beat = 0.0
    _started = False

    def set_stat(self, key: str, value: str, timeout: int) -> None:
        super().set_stat(key, value, timeout)
        try:
            stat = SignedPackage.loads(value)
        except BadSignature:
            return
        try:
            self._beat(stat)
        except Exception as exc:  # the sentinel must keep guarding, whatever the database does
            logger.warning("cluster heartbeat not written: %r", exc)

    def _beat(self, stat) -> None:
        from generation.models import EngineLease

        name = lease_name(stat.cluster_id)
        if stat.status in _STOPPING:
            EngineLease.objects.filter(name=name).delete()
            heartbeat_file().unlink(missing_ok=True)
            return
        now_monotonic = time.monotonic()
        if now_monotonic - self._last_beat < settings.CLUSTER_HEARTBEAT_SECONDS:
            return
        self._last_beat = now_monotonic
        now = timezone.now()
        expires = now + timedelta(seconds=settings.CLUSTER_HEARTBEAT_TTL_SECONDS)
        holder = holder_name(stat.pid)
        if not EngineLease.objects.filter(name=name).update(holder=holder, expires_at=expires):
            EngineLease.objects.update_or_create(
                name=name, defaults={"holder": holder, "expires_at": expires}
            )
        _touch(heartbeat_file())
        if not self._started:
            self._started = True
            _touch(progress_file())  # "no task taken yet" counts from the cluster's start
            EngineLease.objects.filter(
                name__startswith=LEASE_PREFIX, expires_at__lt=now - timedelta(hours=1)
            ).delete()


class HeartbeatOrmBroker(_HeartbeatMixin, ORM):
    pass


class HeartbeatRedisBroker(_HeartbeatMixin, Redis):
    pass


_last_progress = 0.0


def _task_started(sender, **kwargs) -> None:
    # Runs in each worker process before each task; at most one touch a second per process.
    global _last_progress
    now = time.monotonic()
    if now - _last_progress >= 1.0:
        _last_progress = now
        _touch(progress_file())


pre_execute.connect(_task_started, dispatch_uid="studio-worker-progress")


# --- reads ------------------------------------------------------------------------------------


def clusters_alive() -> list[str]:
    """Holders (host:pid) of the clusters whose heartbeat has not expired."""
    from generation.models import EngineLease

    return list(
        EngineLease.objects.filter(name__startswith=LEASE_PREFIX, expires_at__gte=timezone.now())
        .order_by("holder")
        .values_list("holder", flat=True)
    )


def broker_tasks_waiting() -> int:
    """Tasks ready in the broker. Raises when the broker does not answer."""
    if settings.Q_BROKER == "orm":
        from django_q.models import OrmQ

        # Counted here rather than by the ORM broker, which closes the caller's connection.
        return OrmQ.objects.using(Conf.ORM).filter(key=Conf.CLUSTER_NAME, lock__lte=timezone.now()).count()
    from django_q.brokers import get_broker

    broker = get_broker()
    broker.ping()
    return broker.queue_size()


def file_age_seconds(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


__all__ = [
    "HeartbeatOrmBroker",
    "HeartbeatRedisBroker",
    "broker_tasks_waiting",
    "clusters_alive",
    "file_age_seconds",
    "heartbeat_file",
    "progress_file",
]
