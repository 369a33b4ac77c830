"""The web app served by Django: index.html at every browser route (deep links and reloads work),
its headers, the hashed assets' caching, and the page shown while the bundle is not built.

A small stand-in build goes into a temporary STATIC_ROOT, so these tests need no Node; the last
one checks the real build when there is one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config.spa import load_index

REPO = Path(__file__).resolve().parent.parent
FAKE_INDEX = (
    '<!doctype html><html lang="ko"><head><title>PPL Studio</title>'
    '<script type="module" crossorigin src="/static/app/assets/index-AbC_12-z.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def static_root(settings, tmp_path):
    """An empty STATIC_ROOT, with the checkout's static/ out of the finders' reach."""
    root = tmp_path / "static_root"
    root.mkdir()
    settings.STATIC_ROOT = str(root)
    settings.STATICFILES_DIRS = []
    settings.DEBUG = False
    return root


@pytest.fixture
def built_app(static_root):
    """What `npm run build` + `collectstatic` leave in STATIC_ROOT."""
    _write(static_root / "app" / "index.html", FAKE_INDEX)
    _write(static_root / "app" / "assets" / "index-AbC_12-z.js", "console.log('app')")
    _write(static_root / "app" / "assets" / "x-ABCDEFGH.js", "export {}")
    _write(static_root / "app" / "favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    return static_root


def csp_directives(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# Fixed values: parallel test processes (pytest-xdist) must collect the same test ids.
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/jobs/3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
        "/gallery",
        "/create/page",
        "/pages/42",
        "/trash?x=1",
        "/account/",
    ],
)
def test_every_app_route_answers_the_index_page(client, built_app, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == FAKE_INDEX


def test_the_index_page_is_revalidated_on_every_load(client, built_app):
    response = client.get("/gallery")

    assert response["Cache-Control"] == "no-cache"
    assert "Cookie" in response["Vary"]


def test_a_reload_with_the_same_build_answers_not_modified(client, built_app):
    etag = client.get("/jobs").headers["ETag"]

    response = client.get("/jobs", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["Cache-Control"] == "no-cache"


def test_the_index_page_has_a_strict_content_security_policy(client, built_app):
    csp = csp_directives(client.get("/"))

    assert csp["script-src"] == ["'self'"]
    # The page preview (<iframe sandbox srcdoc>) inherits this policy; generated pages need their
    # <style> elements and style="" attributes, so inline styles only.
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe-eval" in v for values in csp.values() for v in values)


def test_the_index_page_sets_the_csrf_cookie_the_app_sends_back(client, built_app):
    response = client.get("/create/ppl")

    token = response.cookies["csrftoken"]
    assert token.value
    assert not token["httponly"]  # the app reads it to send X-CSRFToken


def test_only_get_and_head_reach_the_index_page(client, built_app):
    assert client.head("/gallery").status_code == 200
    assert client.post("/gallery").status_code in (403, 405)  # CSRF or method: never the page


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/v1/nope", "/api/", "/static/app/nope.js", "/healthz/nope", "/metrics/x"]
)
def test_unknown_api_static_and_ops_paths_keep_the_json_404(client, built_app, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_admin_is_still_the_admin(client, built_app):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin").status_code == 301  # APPEND_SLASH, not the app


def test_the_api_is_still_the_api(client, built_app, db):
    response = client.get("/api/v1/auth/me")

    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_a_new_build_is_served_without_a_restart(client, built_app):
    index = built_app / "app" / "index.html"
    client.get("/")
    index.write_text(FAKE_INDEX.replace("index-AbC_12-z", "index-NewHash1"))
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert b"index-NewHash1" in client.get("/").content


def test_the_index_page_is_read_from_disk_only_when_it_changes(client, built_app):
    index = built_app / "app" / "index.html"
    first = load_index()
    stat = index.stat()
    # Same size and the same modification time: the process keeps what it read.
    index.write_text(FAKE_INDEX.replace("PPL Studio", "PPL Stodio"))
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    assert load_index() is first
    assert client.get("/").content.decode() == FAKE_INDEX


def test_in_debug_the_checkout_build_is_found_through_the_finders(client, settings, static_root, tmp_path):
    checkout_static = tmp_path / "checkout_static"
    _write(checkout_static / "app" / "index.html", FAKE_INDEX.replace("PPL Studio", "dev build"))
    settings.STATICFILES_DIRS = [str(checkout_static)]
    settings.WHITENOISE_USE_FINDERS = True

    assert b"dev build" in client.get("/jobs").content


def test_hashed_assets_are_cached_for_good(client, built_app):
    response = client.get("/static/app/assets/x-ABCDEFGH.js")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "immutable" in client.get("/static/app/assets/index-AbC_12-z.js")["Cache-Control"]


def test_unhashed_static_files_are_not_cached_for_good(client, built_app):
    assert "immutable" not in client.get("/static/app/favicon.svg")["Cache-Control"]
    assert client.get("/static/app/index.html")["Cache-Control"] == "no-cache"


def test_without_a_build_every_app_route_explains_how_to_build_it(client, static_root):
    response = client.get("/jobs/123")

    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert "웹 앱이 아직 빌드되지 않았습니다" in html
    assert "The web app is not built yet" in html
    assert "npm ci &amp;&amp; npm run build" in html
    assert 'href="/admin/"' in html and 'href="/api/docs/"' in html


def test_the_not_built_page_allows_its_own_style_and_nothing_else(client, static_root):
    response = client.get("/")

    csp = csp_directives(response)
    style = re.search(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert csp["default-src"] == ["'none'"]
    assert csp["style-src"] == [f"'sha256-{digest}'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_without_a_build_the_api_and_the_admin_still_answer(client, static_root, db):
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/nope").json()["code"] == "not_found"


@pytest.mark.skipif(
    not (REPO / "static" / "app" / "index.html").exists(), reason="the web app is not built in this checkout"
)
def test_the_real_build_has_no_inline_script_or_style():
    html = (REPO / "static" / "app" / "index.html").read_text()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL | re.IGNORECASE)
    assert scripts, "index.html loads the app"
    assert all(" src=" in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html, re.IGNORECASE)
    for url in re.findall(r'(?:src|href)="(/static/app/assets/[^"]+)"', html):
        asset = REPO / "static" / url.removeprefix("/static/")
        assert asset.exists(), url
        assert re.search(django_settings.WHITENOISE_IMMUTABLE_FILE_TEST, url), f"{url} is cached for good"
