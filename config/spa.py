"""The web app's entry point: every browser route (not /api/, /admin/, /static/, /healthz,
/metrics) answers the built index.html, so deep links such as /jobs/<id> survive a reload.

index.html is looked up where WhiteNoise serves the app's assets from: STATIC_ROOT after
`collectstatic` (scripts/run.sh and the container image run it), and the staticfiles finders
(static/app/ in a checkout) when WhiteNoise uses them (DEBUG). It is read once per process and
again only when its modification time changes. Its hashed assets are cached for good by
WhiteNoise (WHITENOISE_IMMUTABLE_FILE_TEST); index.html itself is revalidated every time, so a
new build shows on the next load.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import re_path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

INDEX_NAME = "app/index.html"

# Vite emits no inline script or style (assetsInlineLimit 0; checked by tests/test_spa.py on a
# real build). img-src allows data: and blob: for previews of local files and pages with inlined
# images. The product-page preview is an <iframe sandbox srcdoc>: a srcdoc document inherits this
# policy, and generated pages carry their CSS in <style> elements and style="" attributes, hence
# 'unsafe-inline' for styles only; scripts stay 'self' (and the sandbox runs none). Style
# injection cannot leak data anywhere: every fetch and image is limited to this origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class _Index:
    path: str
    mtime_ns: int
    size: int
    content: bytes
    etag: str


_cache: dict[str, _Index] = {}
_cache_lock = threading.Lock()


def _uses_finders() -> bool:
    # The same rule as WhiteNoise's middleware: finders in DEBUG unless set explicitly.
    return getattr(settings, "WHITENOISE_USE_FINDERS", settings.DEBUG)


def _index_candidates() -> list[str]:
    candidates = []
    if _uses_finders():
        found = finders.find(INDEX_NAME)
        if found:
            candidates.append(str(found))
    if settings.STATIC_ROOT:
        candidates.append(os.path.join(settings.STATIC_ROOT, INDEX_NAME))
    return candidates


def load_index() -> _Index | None:
    """The current index.html, from memory unless the file changed; None when not built."""
    for path in _index_candidates():
        try:
            stat = os.stat(path)
        except OSError:
            continue
        cached = _cache.get(path)
        if cached and (cached.mtime_ns, cached.size) == (stat.st_mtime_ns, stat.st_size):
            return cached
        with _cache_lock:
            try:
                content = Path(path).read_bytes()
            except OSError:
                continue
            etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
            entry = _Index(path, stat.st_mtime_ns, stat.st_size, content, etag)
            _cache[path] = entry
            return entry
    return None


def _no_cache(response: HttpResponse, csp: str) -> HttpResponse:
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = csp
    # The CSRF cookie makes the answer depend on it; shared caches must not mix users.
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
@ensure_csrf_cookie
def spa_index(request: HttpRequest, path: str = "") -> HttpResponse:
    index = load_index()
    if index is None:
        return not_built_response()
    response: HttpResponse
    if index.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(index.content, content_type="text/html; charset=utf-8")
    response["ETag"] = index.etag
    return _no_cache(response, CONTENT_SECURITY_POLICY)


# Shown at every app route while the bundle has not been built (a checkout without Node, or a
# build not yet collected). 503: the app is not available from this server at the moment, which
# monitors and caches should not mistake for the app; the API and the admin work meanwhile.
_NOT_BUILT_STYLE = (
    "body{font:16px/1.6 system-ui,-apple-system,'Noto Sans KR',sans-serif;max-width:40rem;"
    "margin:3rem auto;padding:0 1.25rem;color:#1f2937}code{background:#f3f4f6;padding:.1em .3em;"
    "border-radius:4px}pre{background:#f3f4f6;padding:.75rem;border-radius:6px;overflow-x:auto}"
    "h2{font-size:1.1rem;margin-top:2rem}"
)
_NOT_BUILT_STYLE_HASH = base64.b64encode(hashlib.sha256(_NOT_BUILT_STYLE.encode()).digest()).decode()
_NOT_BUILT_CSP = "; ".join(
    [
        "default-src 'none'",
        f"style-src 'sha256-{_NOT_BUILT_STYLE_HASH}'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_NOT_BUILT_PAGE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PPL Studio: 웹 앱이 빌드되지 않았습니다 · The web app is not built</title>
<style>{style}</style>
</head>
<body>
<main>
<h1>웹 앱이 아직 빌드되지 않았습니다</h1>
<p>이 서버에는 웹 앱 번들(<code>static/app/index.html</code>)이 없습니다.
API와 관리자 화면은 그대로 사용할 수 있습니다.</p>
<p>빌드하려면 Node 20과 npm을 설치한 뒤 <code>scripts/run.sh</code>를 다시 실행하세요.
직접 빌드할 때는 다음 명령을 실행하세요.</p>
<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build
cd .. &amp;&amp; .venv/bin/python manage.py collectstatic --noinput</pre>
<ul>
<li><a href="{admin}">관리자 화면</a></li>
<li><a href="{docs}">API 문서</a></li>
</ul>
<section lang="en">
<h2>The web app is not built yet</h2>
<p>This server has no web app bundle (<code>static/app/index.html</code>). The API and the
admin work as usual.</p>
<p>To build it, install Node 20 and npm and run <code>scripts/run.sh</code> again, or run the
two commands above yourself.</p>
<ul>
<li><a href="{admin}">Admin</a></li>
<li><a href="{docs}">API documentation</a></li>
</ul>
</section>
</main>
</body>
</html>
"""


def not_built_response() -> HttpResponse:
    html = _NOT_BUILT_PAGE.format(style=_NOT_BUILT_STYLE, admin=reverse("admin:index"), docs=reverse("docs"))
    response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    return _no_cache(response, _NOT_BUILT_CSP)


# Included last by config/urls.py. The lookahead keeps unknown /api/..., /static/... and the ops
# paths on the JSON 404, and leaves /admin (no slash) to APPEND_SLASH's redirect.
urlpatterns = [
    re_path(r"^(?!(?:api|admin|static|healthz|metrics)(?:/|$))(?P<path>.*)$", spa_index, name="spa"),
]
