"""Restart a hung worker cluster in place, from inside `manage.py runworkers`.

django-q2's task processes take work from an in-memory queue whose read lock is held by the
idle process that waits on it. When that process is killed (kill -9, the OOM killer), the lock
is never released: every other task process blocks on it forever while the sentinel, seeing all
its processes alive, replaces only the dead one. Tasks pile up in the broker and nothing runs
(found with benchmarks/chaos_bench.py). Every task ends within Q_TIMEOUT, so a healthy cluster
always starts a task sooner than WORKER_RESTART_SECONDS (Q_TIMEOUT + 15 by default) while tasks
wait. Past it, the watchdog kills the cluster's processes and re-executes `runworkers` in the
same process (same PID for run.sh and for the container), which reconciles the jobs and starts
a fresh cluster. Nothing is lost: jobs are repaired by the reconciler, never submitted twice.

The worker pod's liveness probe (`manage.py workers_alive`, WORKER_STALL_SECONDS) stays the
outer safety net, for a main process that is itself stuck.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

import psutil
from django.conf import settings
from django.db import connections

from generation.heartbeat import broker_tasks_waiting, file_age_seconds, progress_file

logger = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
# Give a fresh cluster time to start its processes and take its first task.
FIRST_CHECK_AFTER_SECONDS = 10.0
# On SIGTERM the engine gets this long to hand back what it holds (Kubernetes waits 30 s).
STOP_SECONDS = 8.0


def cluster_is_hung(limit_seconds: float) -> tuple[bool, int, float | None]:
    """(hung?, tasks waiting, seconds since a task last started)."""
    waiting = broker_tasks_waiting()
    age = file_age_seconds(progress_file())
    return bool(waiting and age is not None and age > limit_seconds), waiting, age


def restart_in_place(reason: str) -> None:
    """Kill every process this one started, then become a fresh `runworkers`."""
    logger.error("worker cluster hung, restarting it: %s", reason, extra={"event": "cluster_restart"})
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=10)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606  (the same command, again)


def cluster_run_watched(*, companions: Sequence[BaseProcess] = ()) -> None:
    """Run a django-q2 cluster (what `manage.py qcluster` does) beside `companions` (the engine
    process) and watch them from this thread.

    The check runs in the main thread rather than a side thread on purpose: once the cluster has
    started, `qcluster` returns and the interpreter sits in its exit path joining the sentinel,
    so a side thread that killed the sentinel would be torn down with the exiting interpreter
    before it could re-execute the command. SIGTERM/SIGINT end this loop; then the companions
    and the cluster get STOP_SECONDS to stop before what is left is killed.
    """
    from django_q.cluster import Cluster

    limit = settings.WORKER_RESTART_SECONDS
    # The cluster's processes are forked from this one: a database connection opened here before
    # the fork would be shared with them (and closed under us by the first child that closes it).
    connections.close_all()
    _adopt_orphans()
    cluster = Cluster()
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    # Replaces the cluster's own handler, which stops it from inside the handler and can wait
    # forever on a lock held by a cluster process the same SIGTERM (to the group) killed.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    cluster.start()
    next_check = time.monotonic() + FIRST_CHECK_AFTER_SECONDS
    while not stopping and cluster.sentinel is not None and cluster.sentinel.is_alive():
        time.sleep(0.2)
        dead = [c.name for c in companions if not c.is_alive()]
        if dead and not stopping:
            restart_in_place(f"{', '.join(dead)} exited")
        if not limit or time.monotonic() < next_check:
            continue
        next_check = time.monotonic() + CHECK_SECONDS
        try:
            hung, waiting, age = cluster_is_hung(limit)
        except Exception as exc:  # a database or broker hiccup is /healthz's business
            logger.warning("watchdog check failed: %r", exc)
            connections.close_all()  # the next check opens a fresh connection
            continue
        if hung:
            restart_in_place(
                f"{waiting} task(s) waiting and no task started for {age:.0f} s "
                f"(WORKER_RESTART_SECONDS={limit:g})"
            )
    _stop_within(cluster, companions, STOP_SECONDS)


def _adopt_orphans() -> None:
    """Become the Linux "child subreaper" of the processes started below: a task process the
    sentinel starts while it dies (a SIGTERM to the group) is then this process's child, found
    and stopped by _stop_within, instead of an orphan left running."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


_PR_SET_CHILD_SUBREAPER = 36


def _stop_within(cluster, companions: Sequence[BaseProcess], seconds: float) -> None:
    """Stop the companions (SIGTERM: the engine hands back what it holds) and the cluster (its
    task processes finish the task at hand); whatever still runs after `seconds` is killed. A
    killed task is one the reconciler resumes, never one sent twice."""
    deadline = time.monotonic() + seconds
    for companion in companions:
        if companion.is_alive() and companion.pid is not None:  # alive: started, so it has a pid
            with contextlib.suppress(ProcessLookupError):
                os.kill(companion.pid, signal.SIGTERM)
    stopper = threading.Thread(target=cluster.stop, daemon=True)
    stopper.start()
    stopper.join(max(0.0, deadline - time.monotonic()))
    for companion in companions:
        companion.join(max(0.0, deadline - time.monotonic()))
    leftovers = psutil.Process().children(recursive=True)
    for child in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(leftovers, timeout=5)
    if stopper.is_alive():
        # Stuck on a lock a killed cluster process held; multiprocessing's exit handlers would
        # wait on it too. Everything this process started is gone: leave now.
        logger.warning("worker cluster did not stop in %g s; its processes were killed", seconds)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)
