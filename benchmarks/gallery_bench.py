"""Benchmark of the gallery list endpoints at a million rows on PostgreSQL.

Creates a scratch database, migrates it, fills `gallery_image` with INSERT … SELECT
generate_series (rows only, no files: lists never open files), then calls the user list and the
admin list in-process through DRF's test client (the full middleware, authentication, view,
serialization and JSON rendering), first pages and deep cursor pages, and prints p50/p95 and the
SQL queries per request. The scratch database is dropped at the end unless --keep.

Usage:
    .venv/bin/python benchmarks/gallery_bench.py \
        [--server postgres://postgres@127.0.0.1:5432] [--rows 1000000] [--users 1000] [--requests 300]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
from bench_common import pct

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "gallery_bench"


def admin_connection(server: str):
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def setup_django(server: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{DB_NAME}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("HTTPS", "off")  # the test client speaks plain http
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def fill(rows: int, users: int, heavy_rows: int) -> None:
    """`users` users; the first ("heavy") owns `heavy_rows` images, the rest share the others.
    Created over the last year, 5 % in the trash."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
                                       is_staff, is_active, date_joined)
            SELECT '!', false, 'bench' || g, '', '', '', g = 1, true, now()
            FROM generate_series(1, %s) g""",
            [users],
        )
        cursor.execute("SELECT min(id), max(id) FROM accounts_user WHERE username LIKE 'bench%%'")
        first_id, last_id = cursor.fetchone()
        others = max(1, last_id - first_id)
        cursor.execute(
            """
            INSERT INTO gallery_image (id, owner_id, file, thumbnail, width, height, format, size_bytes,
                                       thumbnail_bytes, sha256, source, prompt, job_id, position,
                                       created_at, deleted_at, purging_at)
            SELECT gen_random_uuid(),
                   CASE WHEN g <= %(heavy)s THEN %(first)s ELSE %(first)s + 1 + (g %% %(others)s) END,
                   'images/2026/01/' || md5(g::text) || '.png', 'thumbs/2026/01/' || md5(g::text) || '.webp',
                   1024, 1024, 'png', 900000 + (g %% 100000), 12000, md5(g::text) || md5(g::text),
                   (ARRAY['ppl','goods','edit','upload','import','page'])[1 + g %% 6],
                   'A bottle on a wooden table, soft light', NULL, 0,
                   now() - (random() * interval '365 days'),
                   CASE WHEN g %% 20 = 0 THEN now() - (random() * interval '30 days') END, NULL
            FROM generate_series(1, %(rows)s) g""",
            {"heavy": heavy_rows, "first": first_id, "others": others, "rows": rows},
        )
    print(
        f"filled {rows:,} images for {users:,} users ({heavy_rows:,} for the heavy user) "
        f"in {time.perf_counter() - started:.1f} s"
    )


def cursor_at(sql: str, params: list) -> str:
    from django.db import connection

    from config.pagination import _encode

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created_at, ident = cursor.fetchone()
    return _encode(created_at, ident)


def measure(client, label: str, path: str, params: dict, requests: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(10):  # warm-up
        assert client.get(path, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    queries = list(captured.captured_queries)
    assert response.status_code == 200, response.content[:300]
    results = len(response.json().get("results", []))
    timings, sql = [], []
    spent = [0.0]

    def timed(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    with connection.execute_wrapper(timed):
        for _ in range(requests):
            spent[0] = 0.0
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
            sql.append(spent[0] * 1000)
            assert response.status_code == 200
    print(
        f"{label:<60} p50 {statistics.median(timings):6.2f}  p95 {pct(timings, 0.95):6.2f} ms   "
        f"SQL p50 {statistics.median(sql):5.2f} ms  {len(queries)} queries  {results} rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--heavy-rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    with admin_connection(args.server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    try:
        setup_django(args.server)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        fill(args.rows, args.users, args.heavy_rows)
        with psycopg.connect(f"{args.server}/{DB_NAME}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE gallery_image")
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with admin_connection(args.server) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def run(args) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    settings.DEBUG = False
    # Django empties the query log at each request start, which would blind the query count.
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    logging.disable(logging.INFO)  # the per-request access log line is not what is measured here
    users = get_user_model().objects.filter(username__startswith="bench").order_by("id")
    heavy, typical = users[0], users[1]

    def client_for(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    heavy_api, typical_api = client_for(heavy), client_for(typical)  # heavy is staff too
    user_depth, admin_depth = args.heavy_rows // 2, args.rows // 2
    user_deep = cursor_at(
        """SELECT created_at, id FROM gallery_image
                             WHERE owner_id = %s AND deleted_at IS NULL
                             ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1""",
        [heavy.pk, user_depth],
    )
    admin_deep = cursor_at(
        """SELECT created_at, id FROM gallery_image WHERE deleted_at IS NULL
                              ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1""",
        [admin_depth],
    )
    n = args.requests
    print(
        f"\n{n} requests each, in-process (DRF test client, JWT auth, full middleware); page size 20; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    typical_rows = (args.rows - args.heavy_rows) // max(1, args.users - 1)
    measure(
        typical_api,
        f"user list, first page (typical user, ~{typical_rows:,} images)",
        "/api/v1/images",
        {"size": 20},
        n,
    )
    measure(
        heavy_api,
        f"user list, first page (heavy user, {args.heavy_rows:,} images)",
        "/api/v1/images",
        {"size": 20},
        n,
    )
    measure(
        heavy_api,
        f"user list, cursor page {user_depth:,} rows deep (heavy user)",
        "/api/v1/images",
        {"size": 20, "cursor": user_deep},
        n,
    )
    measure(
        heavy_api, "user trash, first page (heavy user)", "/api/v1/images", {"size": 20, "state": "trash"}, n
    )
    measure(
        heavy_api,
        "user list, source + date filter (heavy user)",
        "/api/v1/images",
        {"size": 20, "source": "goods", "from_date": "2000-01-01"},
        n,
    )
    measure(
        heavy_api,
        "admin list, all users, first page (+count estimate, audit)",
        "/api/v1/admin/images",
        {"size": 20},
        n,
    )
    measure(
        heavy_api,
        f"admin list, all users, cursor {admin_depth:,} rows deep",
        "/api/v1/admin/images",
        {"size": 20, "cursor": admin_deep},
        n,
    )
    measure(
        heavy_api,
        "admin list, include=deleted, all users",
        "/api/v1/admin/images",
        {"size": 20, "include": "deleted"},
        n,
    )
    measure(
        heavy_api,
        "admin list, one user, include=all, date range",
        "/api/v1/admin/images",
        {
            "size": 20,
            "user_id": typical.pk,
            "include": "all",
            "from_date": "2000-01-01",
            "to_date": "2100-01-01",
        },
        n,
    )
    measure(
        heavy_api,
        "admin list, page=50 (OFFSET 980, for the seed frontend)",
        "/api/v1/admin/images",
        {"size": 20, "page": 50},
        max(20, n // 5),
    )
    measure(
        heavy_api,
        "admin list, page=5000 (OFFSET 99,980: why cursors exist)",
        "/api/v1/admin/images",
        {"size": 20, "page": 5000},
        max(10, n // 15),
    )
    measure(
        heavy_api,
        f"usage (heavy user: SUM over {args.heavy_rows:,} rows)",
        "/api/v1/images/usage",
        {},
        max(20, n // 5),
    )


if __name__ == "__main__":
    main()
