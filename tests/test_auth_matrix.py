"""Who may do what, for every route of the URL configuration: anonymous, the owner of the objects
in the path, another user, and a staff user.

The routes are walked from `get_resolver()`; each one (and each HTTP method its view answers)
needs an entry in ROUTES with the status each persona gets, or the first test fails: a new route
cannot ship without saying who may use it. API routes authenticate with a JWT, the admin and the
operations pages with a session (as a browser does). The objects in paths belong to the owner;
another user and staff (who use the admin APIs for other people's things) get 404 for them.

Each persona's request is sent as a real client sends it, with a valid body where the operation
takes one, so the owner's code is the operation's success code; where a valid body cannot be made
here (a URL to download, a provider to wait for) the body is left empty and the code is the 400
that shows the request got past authentication and permissions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image as PILImage
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_create
from gallery.imaging import prepared_from_image
from gallery.services import image_create, image_trash
from generation.llm import get_llm
from generation.models import Job
from generation.selectors import job_get
from generation.services.jobs import job_cancel
from templates_app.models import Category, Template, TemplateSet
from templates_app.pages import page_generate
from templates_app.selectors import page_template_ids_resolve
from templates_app.services import template_create
from tests.conftest import goods_form, upload

PASSWORD = "correct horse battery"
PERSONAS = ("anonymous", "owner", "other", "staff")
LOGIN = "login"  # a redirect to the admin's sign-in page
EITHER_HEALTH = frozenset({200, 503})  # a probe: 503 while a dependency (no worker here) is down


# --- the objects and the personas ---------------------------------------------------------------


class World:
    """The three users and, made on first use, the owner's objects."""

    def __init__(self) -> None:
        self.owner = user_create(username="matrix-owner", password=PASSWORD)
        self.other = user_create(username="matrix-other", password=PASSWORD)
        self.staff = user_create(username="matrix-staff", password=PASSWORD, is_staff=True)

    def user(self, persona: str):
        return None if persona == "anonymous" else getattr(self, persona)

    @functools.cached_property
    def job(self) -> Job:
        response = _jwt_client(self.owner).post("/api/v1/jobs/goods", goods_form(), format="multipart")
        assert response.status_code == 202, response.content
        return job_get(user=self.owner, job_id=response.json()["id"])

    @functools.cached_property
    def finished_job(self) -> Job:
        return job_cancel(job=self.job)

    @functools.cached_property
    def image(self):
        return _picture(self.owner)

    @functools.cached_property
    def trashed_image(self):
        return image_trash(user=self.owner, image_id=_picture(self.owner).id)

    @functools.cached_property
    def page(self):
        """A page whose first block (the hero) has an image slot and an image."""
        category = Category.objects.get(slug="living")

        async def make_image(prompt: str):
            from asgiref.sync import sync_to_async

            return await sync_to_async(_picture)(self.owner)

        return async_to_sync(page_generate)(
            llm=get_llm(),
            owner_id=self.owner.id,
            product_info="Linen wide trousers, 100% linen, S/M/L, beige.",
            product_name=None,
            template_ids=page_template_ids_resolve(category_id=category.id),
            language=None,
            with_images=True,
            make_image=make_image,
        )

    @functools.cached_property
    def template(self) -> Template:
        """A copy of a starter template, in no set (one in a set cannot be deleted: 409)."""
        starter = Template.objects.filter(is_active=True).order_by("id").first()
        return template_create(
            user=self.staff,
            category=starter.category,
            name=f"{starter.name} (matrix)",
            block_type=starter.block_type,
            html=starter.html,
            slots=starter.slots,
        )

    @functools.cached_property
    def category(self) -> Category:
        return self.template.category

    @functools.cached_property
    def template_set(self) -> TemplateSet:
        return TemplateSet.objects.order_by("id").first()


def _picture(owner):
    picture = PILImage.new("RGB", (64, 48), (200, 180, 160))
    return image_create(owner=owner, prepared=prepared_from_image(picture, "png"), source="upload")


def _jwt_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _session_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


# --- the table ----------------------------------------------------------------------------------

Codes = tuple[Any, Any, Any, Any]  # anonymous, owner, other, staff: a status, a set of them, or LOGIN


@dataclass(frozen=True)
class Op:
    codes: Codes
    body: Callable[[World, Any], Any] | None = None  # (world, acting user or None) -> the body
    format: str = "json"
    query: str = ""


@dataclass(frozen=True)
class Route:
    ops: dict[str, Op]
    args: Callable[[World], dict] = lambda world: {}
    via: str = "jwt"  # "jwt" (API), "session" (browser pages, the admin)
    methods: tuple[str, ...] = field(default=())  # for function views, whose methods cannot be read


def user_api(read_ok: int = 200) -> Codes:
    """Any signed-in user, on their own data."""
    return (401, read_ok, read_ok, read_ok)


def owned(ok: int = 200) -> Codes:
    """The owner's object: someone else's id is not found, staff included."""
    return (401, ok, 404, 404)


def staff_only(ok: int = 200) -> Codes:
    return (401, 403, 403, ok)


def public(ok: Any = 200) -> Codes:
    return (ok, ok, ok, ok)


def catalogue_write(ok: int) -> Codes:
    """Templates, categories and sets: read by everyone signed in, changed by content managers
    (staff are)."""
    return (401, 403, 403, ok)


def _job(world):
    return {"job_id": world.job.id}


def _image(world):
    return {"image_id": world.image.id}


def _trashed_image(world):
    return {"image_id": world.trashed_image.id}


def _job_input(world):
    return {"job_id": world.job.id, "role": "character_image"}


def _page(world):
    return {"page_id": world.page.page_id}


def _ids(attribute: str):
    return lambda world, user: {"ids": [str(getattr(world, attribute).id)]}


def _describe(world, user):
    return {"description": "Changed."}


def _template_body(world, user):
    template = world.template
    return {
        "category": template.category_id,
        "name": f"{template.name} (copy)",
        "block_type": template.block_type,
        "html": template.html,
        "slots": template.slots,
    }


def _template_set_body(world, user):
    return {"name": "Matrix set", "category": world.category.id, "template_ids": [world.template.id]}


def _sign_in(world, user):
    return {"username": "matrix-owner", "password": PASSWORD}


def _refresh(world, user):
    return {"refresh": str(RefreshToken.for_user(world.owner))}


CATALOGUE_ROUTES = {
    "template-list": Route({"GET": Op(user_api()), "POST": Op(catalogue_write(201), body=_template_body)}),
    "template-detail": Route(
        {
            "GET": Op(user_api()),
            "PUT": Op(catalogue_write(200), body=_template_body),
            "PATCH": Op(catalogue_write(200), body=_describe),
            "DELETE": Op(catalogue_write(204)),
        },
        args=lambda world: {"template_id": world.template.id},
    ),
    "template-preview": Route({"GET": Op(user_api())}, args=lambda world: {"template_id": world.template.id}),
    "category-list": Route(
        {
            "GET": Op(user_api()),
            "POST": Op(catalogue_write(201), body=lambda w, u: {"slug": "matrix", "name": "Matrix"}),
        }
    ),
    "category-templates": Route(
        {"GET": Op(user_api())}, args=lambda world: {"category_id": world.category.id}
    ),
    "template-set-list": Route(
        {"GET": Op(user_api()), "POST": Op(catalogue_write(201), body=_template_set_body)}
    ),
    "template-set-detail": Route(
        {
            "GET": Op(user_api()),
            "PUT": Op(catalogue_write(200), body=_template_set_body),
            "PATCH": Op(catalogue_write(200), body=_describe),
        },
        args=lambda world: {"template_set_id": world.template_set.id},
    ),
}

ROUTES: dict[str, Route] = {
    # Operations (config/ops_urls.py): probes and scrapes carry no user; the admin's refresh link
    # is for staff signed in to the admin.
    "ops:healthz": Route({"GET": Op(public(EITHER_HEALTH))}, via="session", methods=("GET",)),
    "ops:healthz-live": Route({"GET": Op(public(200))}, via="session", methods=("GET",)),
    "ops:metrics": Route({"GET": Op(public(200))}, via="session", methods=("GET",)),  # from loopback
    "ops:admin-health-refresh": Route(
        {"GET": Op((LOGIN, LOGIN, LOGIN, 302))}, via="session", methods=("GET",)
    ),
    # The Django admin (every admin:* route): its own guard, staff only; the sign-in page is open.
    "admin:index": Route({"GET": Op((LOGIN, LOGIN, LOGIN, 200))}, via="session", methods=("GET",)),
    "admin:login": Route({"GET": Op((200, 200, 200, 302))}, via="session", methods=("GET",)),
    # Accounts: the sign-in endpoints are open (the credentials are in the body).
    "accounts:token": Route({"POST": Op(public(200), body=_sign_in)}),
    "accounts:token-refresh": Route({"POST": Op(public(200), body=_refresh)}),
    "accounts:logout": Route({"POST": Op(public(204), body=_refresh)}),
    "accounts:me": Route({"GET": Op(user_api())}),
    "accounts:session": Route(
        {"POST": Op(public(200), body=_sign_in), "DELETE": Op(public(204))}, via="session"
    ),
    "accounts:password": Route(
        {
            "POST": Op(
                user_api(204),
                body=lambda w, u: {
                    "old_password": PASSWORD,
                    "new_password": "a much longer new passphrase 42",
                },
            )
        }
    ),
    "preflight": Route({"GET": Op(user_api(), query="?kind=goods")}),
    "config": Route({"GET": Op(user_api())}),
    # Under WSGI (this test client) the stream sends what the log holds and ends.
    "events": Route({"GET": Op(user_api())}),
    # Jobs: creation by any user (their own job); a job's id belongs to its owner alone.
    "generation:job-list": Route({"GET": Op(user_api())}),
    "generation:job-ppl-create": Route(
        {
            "POST": Op(
                user_api(202),
                format="multipart",
                body=lambda w, u: {
                    "prompt": "Put the bottle on the table",
                    "input_image_1": upload("scene.png"),
                    "input_image_2": upload("product.png"),
                },
            )
        }
    ),
    "generation:job-goods-create": Route(
        {"POST": Op(user_api(202), format="multipart", body=lambda w, u: goods_form())}
    ),
    "generation:job-edit-create": Route(
        {
            "POST": Op(
                user_api(202),
                format="multipart",
                body=lambda w, u: {"image": upload(), "prompt": "Make the sky pink"},
            )
        }
    ),
    "generation:job-product-page-create": Route(
        {
            "POST": Op(
                user_api(202),
                body=lambda w, u: {
                    "product_info": "Linen wide trousers, 100% linen.",
                    "category_id": w.category.id,
                },
            )
        }
    ),
    "generation:job-bulk-cancel": Route({"POST": Op(user_api(), body=_ids("job"))}),
    # Provider callbacks: the signature is the authentication; none here, so 401 for everyone.
    "generation:webhook-replicate": Route({"POST": Op(public(401), body=lambda w, u: {"id": "x"})}),
    "generation:webhook-bfl": Route({"POST": Op(public(401), body=lambda w, u: {"id": "x"})}),
    "generation:job-detail": Route({"GET": Op(owned())}, args=_job),
    "generation:job-cancel": Route({"POST": Op(owned())}, args=_job),
    "generation:job-retry": Route(
        {"POST": Op(owned(202))}, args=lambda world: {"job_id": world.finished_job.id}
    ),
    "generation:job-input-file": Route({"GET": Op(owned())}, args=_job_input),
    "generation:job-input-thumbnail": Route({"GET": Op(owned())}, args=_job_input),
    # The gallery: own images; the admin APIs are staff only.
    "gallery:image-list": Route({"GET": Op(user_api())}),
    "gallery:image-usage": Route({"GET": Op(user_api())}),
    "gallery:image-upload": Route(
        {"POST": Op(user_api(201), format="multipart", body=lambda w, u: {"image": upload()})}
    ),
    # A URL the guarded fetcher would download cannot be served here (no network): 400 proves
    # the request was let through (tests/gallery/test_fetch.py covers the download).
    "gallery:image-import": Route(
        {"POST": Op(user_api(400), body=lambda w, u: {"url": "http://127.0.0.1/x.png"})}
    ),
    # Bulk changes answer 200 to everyone; someone else's ids come back as not_found.
    "gallery:image-bulk-delete": Route({"POST": Op(user_api(), body=_ids("image"))}),
    "gallery:image-bulk-restore": Route({"POST": Op(user_api(), body=_ids("trashed_image"))}),
    "gallery:image-trash-empty": Route({"POST": Op(user_api(), body=lambda w, u: {})}),
    "gallery:image-detail": Route({"GET": Op(owned())}, args=_image),
    "gallery:image-file": Route({"GET": Op(owned())}, args=_image),
    "gallery:image-thumbnail": Route({"GET": Op(owned())}, args=_image),
    "gallery:image-delete": Route({"POST": Op(owned())}, args=_image),
    "gallery:image-restore": Route({"POST": Op(owned())}, args=_trashed_image),
    "gallery:admin-image-list": Route({"GET": Op(staff_only())}),
    "gallery:admin-image-file": Route({"GET": Op(staff_only())}, args=_image),
    "gallery:admin-image-thumbnail": Route({"GET": Op(staff_only())}, args=_image),
    "gallery:admin-purge-trash": Route({"POST": Op(staff_only(), body=lambda w, u: {"dry_run": True})}),
    # The catalogue under /api/v1/ and, deprecated, under seed 003's /api/ paths.
    **{f"templates_app:{name}": route for name, route in CATALOGUE_ROUTES.items()},
    **{f"seed:{name}": route for name, route in CATALOGUE_ROUTES.items()},
    "templates_app:template-set-preview": Route(
        {"GET": Op(user_api())}, args=lambda world: {"template_set_id": world.template_set.id}
    ),
    # Pages: the owner's.
    "templates_app:page-list": Route({"GET": Op(user_api())}),
    "templates_app:page-detail": Route({"GET": Op(owned())}, args=_page),
    "templates_app:page-html": Route({"GET": Op(owned())}, args=_page),
    "templates_app:page-block-image": Route(
        {"POST": Op(owned(), body=lambda w, u: {"image_id": str(w.image.id)})},
        args=lambda world: {**_page(world), "index": 0},
    ),
    # Seed endpoints: those that wait for a provider get an empty body (400, after the checks).
    "seed:ppl-generate": Route({"POST": Op(user_api(400), body=lambda w, u: {}, format="multipart")}),
    "seed:goods-generate": Route({"POST": Op(user_api(400), body=lambda w, u: {}, format="multipart")}),
    "seed:generation-display-list": Route({"POST": Op(user_api(400), body=lambda w, u: {})}),
    "seed:generation-image": Route({"POST": Op(user_api(400), body=lambda w, u: {})}),
    "seed:generation-upload-image": Route(
        {"POST": Op(user_api(400), body=lambda w, u: {"url": "http://127.0.0.1/x.png"})}
    ),
    "seed:generation": Route({"GET": Op(public(200))}),
    "seed:generation-health": Route({"GET": Op(public(EITHER_HEALTH))}),
    # The schema and its documentation pages are public.
    "schema": Route({"GET": Op(public(200))}),
    "docs": Route({"GET": Op(public(200))}),
    "redoc": Route({"GET": Op(public(200))}),
    # The web app's catch-all: the same index.html for everyone (503 while it is not built).
    "spa": Route(
        {"GET": Op(public(EITHER_HEALTH))},
        args=lambda world: {"path": "jobs/x"},
        via="session",
        methods=("GET",),
    ),
}


# --- the routes of the URL configuration ----------------------------------------------------------


def _walk(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _walk(pattern.url_patterns, inner if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _view_methods(pattern: URLPattern) -> set[str] | None:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return None  # a function view: the table says which methods it answers
    return {
        method.upper()
        for method in view_class.http_method_names
        if method not in ("options", "head") and hasattr(view_class, method)
    }


def url_routes() -> dict[str, URLPattern]:
    """Every named route; the admin's many pages count as one entry (admin:index), guarded by
    the admin site itself."""
    routes = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        assert name, f"an unnamed route cannot be listed: {pattern.pattern}"
        if name.startswith("admin:") and name not in ROUTES:
            continue
        routes[name] = pattern
    return routes


def test_every_route_and_method_of_the_url_configuration_has_an_entry():
    routes = url_routes()
    missing = sorted(set(routes) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(routes))
    assert not missing, f"routes without an entry in ROUTES (say who may use them): {missing}"
    assert not stale, f"entries in ROUTES for routes that no longer exist: {stale}"
    for name, pattern in routes.items():
        methods = _view_methods(pattern)
        listed = set(ROUTES[name].ops)
        if methods is None:
            assert listed == set(ROUTES[name].methods), name
        else:
            assert methods == listed, (name, sorted(methods), "listed:", sorted(listed))


# --- the matrix -----------------------------------------------------------------------------------

CASES = [(name, method) for name, route in ROUTES.items() for method in route.ops]


def _send(client: APIClient, method: str, url: str, op: Op, body: Any):
    if body is None:
        return getattr(client, method.lower())(url)
    return getattr(client, method.lower())(url, body, format=op.format)


def _matches(expected: Any, response) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and reverse("admin:login") in response["Location"]
    if isinstance(expected, frozenset):
        return response.status_code in expected
    return response.status_code == expected


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{method} {name}" for name, method in CASES])
def test_each_persona_gets_the_status_the_table_says(name, method, db, starter_catalogue):
    route, op = ROUTES[name], ROUTES[name].ops[method]
    world = World()
    url = reverse(name, kwargs=route.args(world)) + op.query
    # The owner goes last: their request may change the object (cancel, delete) the others ask for.
    got = {}
    for persona in ("anonymous", "other", "staff", "owner"):
        user = world.user(persona)
        client = _jwt_client(user) if route.via == "jwt" else _session_client(user)
        body = op.body(world, user) if op.body else None
        response = _send(client, method, url, op, body)
        got[persona] = response
    expected = dict(zip(PERSONAS, op.codes, strict=True))
    wrong = {
        persona: (got[persona].status_code, expected[persona])
        for persona in PERSONAS
        if not _matches(expected[persona], got[persona])
    }
    assert not wrong, f"{method} {url}: (got, expected) per persona {wrong}; " + "; ".join(
        f"{p}: {got[p].content[:300]!r}" for p in wrong
    )
