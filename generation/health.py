"""The job engine's health checks (registered with config.health): database write, migrations,
the queue broker, live worker clusters, every selected provider (configured, and reachable
where it offers a cheap probe), the LLM, and a warning when jobs wait too long."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from config.health import Check, CheckFailed, CheckWarning, register, register_dynamic


@register("database", order=10)
def database_write() -> str:
    from generation.models import EngineLease

    now = timezone.now()
    try:
        if not EngineLease.objects.filter(name="healthz").update(requested_at=now):
            EngineLease.objects.update_or_create(name="healthz", defaults={"requested_at": now})
    except Exception as exc:
        raise CheckFailed(f"The database does not accept writes ({type(exc).__name__}).")
    return f"write ok ({connections[DEFAULT_DB_ALIAS].vendor})"


_migrations_done = False


@register("migrations", order=15)
def migrations_applied() -> str:
    global _migrations_done
    if _migrations_done:  # once applied they stay applied for this process's code
        return "all applied"
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:3])
        raise CheckFailed(f"{len(plan)} migration(s) not applied ({names}…): run manage.py migrate.")
    _migrations_done = True
    return "all applied"


@register("broker", order=20)
def broker_reachable() -> str:
    from generation.heartbeat import broker_tasks_waiting

    try:
        waiting = broker_tasks_waiting()
    except Exception as exc:
        where = "REDIS_URL" if settings.Q_BROKER == "redis" else "the database"
        raise CheckFailed(
            f"The task queue ({settings.Q_BROKER}) does not answer ({type(exc).__name__}): check {where}."
        )
    return f"{settings.Q_BROKER} broker, {waiting} task(s) waiting"


@register("workers", order=21)
def workers_alive() -> str:
    from generation.heartbeat import clusters_alive

    alive = clusters_alive()
    if not alive:
        raise CheckFailed(
            f"No worker cluster has reported in the last {settings.CLUSTER_HEARTBEAT_TTL_SECONDS} s: "
            "jobs will wait. Start the workers (manage.py runworkers)."
        )
    return f"{len(alive)} cluster(s): {', '.join(alive[:5])}"


@register("queue_backlog", required=False, order=60)
def queue_backlog() -> str:
    from generation.models import Job, JobStatus

    limit = settings.HEALTHZ_QUEUE_WAIT_WARN_SECONDS
    oldest = (
        Job.objects.filter(status=JobStatus.QUEUED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is not None and oldest < timezone.now() - timedelta(seconds=limit):
        waited = int((timezone.now() - oldest).total_seconds())
        raise CheckWarning(
            f"The oldest waiting job has waited {waited} s (warning at {limit} s): "
            "add workers or check the providers' capacity."
        )
    return "no job waiting too long"


# --- providers and the LLM (network probes: run concurrently, bounded in time) ----------------


def _probe_outcome(outcome) -> str:
    """Providers' probe() returns (ok, message) or None; tolerate a bare bool or str too."""
    if outcome is None:
        return "configured (no probe)"
    if isinstance(outcome, tuple):
        is_ok, message = outcome[0], str(outcome[1]) if len(outcome) > 1 else ""
    elif isinstance(outcome, bool):
        is_ok, message = outcome, ""
    else:
        is_ok, message = True, str(outcome)
    if not is_ok:
        raise CheckFailed(f"Not reachable: {message or 'the probe failed'}.")
    return message or "reachable"


def _service_check(get_service, what: str):
    def check() -> str:
        from generation.providers import ProviderError

        try:
            service = get_service()
            service.check_configured()
            probe = getattr(service, "probe", None)
            return _probe_outcome(probe() if callable(probe) else None)
        except ProviderError as exc:
            raise CheckFailed(exc.message)

    check.__doc__ = what
    return check


def _provider_check(name: str, probe_check):
    """Failing while the provider's creates fail (the last one, within
    PROVIDER_OUTAGE_HEALTH_SECONDS), whatever its probe says; else the probe."""

    def check() -> str:
        from generation.services.outage import provider_recent_failure

        failure = provider_recent_failure(name)
        if failure is not None:
            ago, reason = failure
            raise CheckFailed(
                f"Its last create failed {ago} s ago ({reason}); jobs wait and are "
                "tried again until their deadline."
            )
        return probe_check()

    check.__doc__ = probe_check.__doc__
    return check


def selected_providers() -> dict[str, list[str]]:
    """Provider name -> the job kinds it is selected for, from the *_PROVIDER settings."""
    from generation.models import JobKind
    from generation.providers import provider_name_for_kind

    selected: dict[str, list[str]] = {}
    for kind in JobKind.values:
        try:
            name = provider_name_for_kind(kind)
        except (KeyError, AttributeError):
            continue  # a kind without a provider setting (e.g. served by the LLM)
        selected.setdefault(name, []).append(kind)
    return selected


@register_dynamic
def provider_checks() -> list[Check]:
    from generation.providers import get_provider

    checks = []
    for name, kinds in selected_providers().items():
        checks.append(
            Check(
                name=f"provider:{name}",
                required=True,
                concurrent=True,
                order=70,
                func=_provider_check(
                    name,
                    _service_check(lambda name=name: get_provider(name), f"{name} for {', '.join(kinds)}"),
                ),
            )
        )
    if getattr(settings, "LLM_PROVIDER", ""):

        def llm():
            from generation.llm import get_llm

            return get_llm()

        checks.append(
            Check(
                name=f"llm:{settings.LLM_PROVIDER}",
                required=True,
                concurrent=True,
                order=80,
                func=_service_check(llm, "LLM"),
            )
        )
    return checks
