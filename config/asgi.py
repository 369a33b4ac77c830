"""The ASGI application (gunicorn with uvicorn workers: deploy/gunicorn.conf.py).

/api/v1/events goes to Django's ASGI handler: an open stream is a coroutine waiting on the
process's event hub (accounts/streams.py), not a thread. Every other request goes to the WSGI
application on a fixed pool of WEB_THREADS threads (a2wsgi), exactly as gthread served it:
Django's ASGI handler runs each sync view on a new thread per request, which opens a new
database connection per request (benchmarks/events_bench.py compares the three).
"""

import asyncio
import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.lazy_admin import defer_admin_discovery
from config.memory import release_free_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
defer_admin_discovery()  # the model admins load with the first admin request (~3 MB a worker)
STREAM_PATHS = frozenset({"/api/v1/events"})


class StreamHandler(ASGIHandler):
    """Django's ASGI handler without its thread per request: the sync parts of a stream request
    (middleware, authentication; milliseconds) run on asgiref's one shared thread instead of a
    thread (and a database connection) held by each stream for as long as it stays open."""

    async def __call__(self, scope, receive, send):
        await self.handle(scope, receive, send)


# Sets Django up. The ignore: a2wsgi types the WSGI environ as a TypedDict, django-stubs as
# dict[str, Any] (the same dict at run time).
django_wsgi = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)  # type: ignore[arg-type]
django_asgi = StreamHandler()
# The URLconf, and with it every view module, loads now rather than with the first request: under
# gunicorn's preload_app (deploy/gunicorn.conf.py) once in the master, its pages shared by the workers.
get_resolver().url_patterns  # noqa: B018


async def application(scope, receive, send):
    if scope["type"] == "http":
        if scope["path"] in STREAM_PATHS:
            await django_asgi(scope, receive, send)
            return
        await django_wsgi(scope, receive, send)
        if scope["method"] != "GET":  # uploads are decoded by writes; see config/memory.py
            await asyncio.get_running_loop().run_in_executor(None, release_free_memory)
    elif scope["type"] == "lifespan":  # nothing to set up or tear down
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
