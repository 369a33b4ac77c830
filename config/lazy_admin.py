"""The Django admin's model admins, loaded by a web process with its first admin request.

A web worker mostly serves the API and the web app; importing every app's admin module and
building the admin's URL patterns at start-up cost each worker ~3 MB (benchmarks/api_bench.py
prints a worker's RSS). The web entry points (config/asgi.py, config/wsgi.py) call
`defer_admin_discovery()` before Django starts; `LazyStudioAdminConfig` then registers only the
admin's checks, and config/urls.py serves /admin/ through `AdminResolver`, which discovers the
model admins (exactly as `StudioAdminConfig.ready()` does) when a request first reaches /admin/
or something reverses an `admin:` name. Every other process (management commands, the task and
engine processes, the tests) discovers them at start-up as before, so `manage.py check` still
checks every model admin.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.urls import URLResolver
from django.urls.resolvers import RoutePattern
from django.utils.functional import cached_property

from config.apps import StudioAdminConfig

_deferred = False
_discovered = False
_lock = threading.Lock()


def defer_admin_discovery() -> None:
    """Called by a web entry point before django.setup(): model admins load on first use."""
    global _deferred
    _deferred = True


def admin_discover() -> None:
    """Every app's admin module and config/admin.py, once (a no-op where start-up did it)."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            StudioAdminConfig.ready(cast(StudioAdminConfig, apps.get_app_config("admin")))
            _discovered = True


class LazyStudioAdminConfig(StudioAdminConfig):
    def ready(self) -> None:
        global _discovered
        if _deferred:
            SimpleAdminConfig.ready(self)  # the admin's system checks, no model admin yet
        else:
            super().ready()
            _discovered = True


class AdminResolver(URLResolver):
    """/admin/ (`route`) with admin.site's URL patterns, built with the first request that reaches
    them or the first reverse() of an `admin:` name. Django's root resolver populates every nested
    resolver on any reverse() (the API reverses its own names), so this one populates only once
    its patterns are built."""

    def __init__(self, route: str) -> None:
        super().__init__(RoutePattern(route, is_endpoint=False), (), app_name="admin", namespace="admin")

    @cached_property
    def url_patterns(self) -> list[Any]:
        admin_discover()
        return admin.site.get_urls()

    def _build(self) -> None:
        self.url_patterns  # noqa: B018 - the cached property builds them

    def _populate(self) -> None:
        if "url_patterns" in self.__dict__:  # built (reading them would build them)
            super()._populate()

    @property
    def reverse_dict(self):
        self._build()
        return super().reverse_dict

    @property
    def namespace_dict(self):
        self._build()
        return super().namespace_dict

    @property
    def app_dict(self):
        self._build()
        return super().app_dict
