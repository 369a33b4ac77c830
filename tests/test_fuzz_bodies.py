"""Garbage bodies to every write route, and garbage query parameters to every read route, of the
URL configuration: never a 5xx (503 aside: a health check may be down in a test).

Routes are discovered from the URL resolver (a new route is fuzzed without an entry here), path
parameters filled with ids that exist or not, and each gets a few bodies: JSON scalars, deep
nesting, integers beyond 64 bits, NUL characters, wrong types for the field names the API uses,
and a form. As staff, so permission checks let the bodies reach the parsers and serializers.
Bounded: a few cases per route, no network (URLs in bodies point at a closed local port).
"""

from __future__ import annotations

import base64
import json
import random
import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

HUGE = 2**70
NUL = "a\u0000b"
DEEP = "[" * 3000 + "]" * 3000
FIELD_NAMES = [
    "prompt",
    "product_info",
    "product_name",
    "template_ids",
    "template_set_id",
    "category_id",
    "category",
    "slots",
    "metadata",
    "html",
    "name",
    "slug",
    "ids",
    "status",
    "image_id",
    "url",
    "image_url",
    "refresh",
    "username",
    "password",
    "old_password",
    "new_password",
    "aspect_ratio",
    "output_format",
    "goods_type",
    "seed",
    "safety_tolerance",
    "language",
    "with_images",
    "dry_run",
    "older_than_days",
    "is_default",
    "thumbnail_url",
    "description",
    "block_type",
    "is_active",
    "productInfo",
    "categoryId",
    "imageUrl",
]
WRONG_VALUES = [
    HUGE,
    -HUGE,
    NUL,
    [NUL],
    {"x": NUL},
    [HUGE],
    1.5e308,
    True,
    None,
    "",
    [],
    {},
    "\u202e" * 3,
    "9" * 500,
    [[[[[]]]]],
    "http://127.0.0.1:9/x.png",
]


def _routes(write: tuple[str, ...] = ("post", "put", "patch")) -> list[tuple[str, list[str]]]:
    """(path pattern, write methods) for every API route; pattern keeps Django's <conv:name>."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
                methods = [m for m in write if view is not None and hasattr(view, m)]
                path = prefix + str(entry.pattern)
                if methods and path.startswith("api/"):
                    found.append((path, methods))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _routes()
READ_ROUTES = [route for route in _routes(("get",)) if route[0] != "api/schema/"]  # seconds per schema
QUERY_NAMES = [
    "page",
    "size",
    "cursor",
    "category",
    "category_id",
    "user_id",
    "from_date",
    "to_date",
    "status",
    "kind",
    "ids",
    "search",
    "block_type",
    "include",
    "include_inactive",
    "inline_images",
    "download",
]
QUERY_VALUES = [
    str(HUGE),
    str(-HUGE),
    NUL,
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1e999",
    base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|00000000-0000-0000-0000-000000000001").decode(),
    base64.urlsafe_b64encode(f"id:{HUGE}".encode()).decode(),
    "%ff",
    "[" * 50,
    "",
]


def _fill(pattern: str, rng: random.Random) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "int": str(rng.choice([0, 1, 7])),
            "id": str(rng.choice([1, 2, 999999999999999999])),
        }.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, pattern)


def _bodies(rng: random.Random) -> list[tuple[str, str | bytes]]:
    """(content type, raw body): a fixed set of nasties plus random wrong types for known fields."""
    wrong = {name: rng.choice(WRONG_VALUES) for name in rng.sample(FIELD_NAMES, 12)}
    everything_huge = dict.fromkeys(FIELD_NAMES, HUGE)
    everything_nul = dict.fromkeys(FIELD_NAMES, NUL)
    return [
        ("application/json", "0"),
        ("application/json", "true"),
        ("application/json", "1.5"),
        ("application/json", '"x"'),
        ("application/json", "null"),
        ("application/json", DEEP),
        ("application/json", json.dumps(everything_huge)),
        ("application/json", json.dumps(everything_nul)),
        ("application/json", json.dumps(wrong)),
        ("application/json", '{"a": 1' + "9" * 5000 + "}"),
        ("application/json", b'\xff\xfe{"a": 1}'),
        ("application/x-www-form-urlencoded", f"category_id={HUGE}&prompt=%00&template_ids={HUGE}"),
    ]


@pytest.mark.parametrize("route,methods", ROUTES, ids=[path for path, _ in ROUTES])
def test_garbage_bodies_never_get_a_5xx(staff_user, settings, route, methods):
    settings.ALLOWED_FETCH_HOSTS = []
    settings.SEED_ENDPOINT_WAIT_SECONDS = 1  # a body that does make a job answers quickly
    rng = random.Random(route)  # the same cases on every run
    client = api_client_for(staff_user)
    failures = []
    for method in methods:
        for content_type, body in _bodies(rng):
            path = _fill(route, rng)
            response = getattr(client, method)(path, body, content_type=content_type)
            if response.status_code >= 500 and response.status_code != 503:  # 503: a check is down
                failures.append((method.upper(), path, content_type, body[:60], response.status_code))
    assert not failures, failures


def _likely_bad(name: str) -> str:
    """The value most likely to hurt a parameter of this name."""
    if name.endswith("date"):
        return "0001-01-01T00:00:00+14:00"  # before year 1 in UTC
    if name == "cursor":
        return QUERY_VALUES[6]  # a cursor whose moment is before year 1 in UTC
    return str(HUGE) if name in ("page", "size", "category", "category_id", "user_id") else NUL


@pytest.mark.parametrize("route", [path for path, _ in READ_ROUTES], ids=[path for path, _ in READ_ROUTES])
def test_garbage_query_parameters_never_get_a_5xx(staff_user, route):
    rng = random.Random(route)
    client = api_client_for(staff_user)
    failures = []
    # One parameter at a time (another bad one would be refused first and hide it), a few values each.
    cases = [{name: value} for name in QUERY_NAMES for value in {rng.choice(QUERY_VALUES), _likely_bad(name)}]
    cases += [{name: rng.choice(QUERY_VALUES) for name in rng.sample(QUERY_NAMES, 6)} for _ in range(2)]
    for query in cases:
        path = _fill(route, rng)
        response = client.get(path, query)
        if response.status_code >= 500 and response.status_code != 503:  # 503: a check is down
            failures.append((path, query, response.status_code))
    assert not failures, failures
