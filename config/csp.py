"""Content-Security-Policy for the server-rendered pages: the admin, and the API docs (Swagger UI
at /api/docs/, ReDoc at /api/redoc/, both served from our own static files by
drf-spectacular-sidecar, no CDN). The web app's policy is set with its index (config/spa.py).

Inline <script> blocks of a page (the docs page starts Swagger UI with one) are allowed by their
hash, computed from the answer itself, so no inline script the page did not carry can run; the
same for <style> blocks where inline styles are not allowed anyway. Measured in Chromium (admin
pages signed in, the date widgets, Swagger UI with its operations): no violation.
"""

from __future__ import annotations

import base64
import hashlib
import re

_BASE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The admin's own templates and scripts set style attributes (and the template admin's preview
# adds style elements); styles cannot run code, and scripts stay 'self' only.
_ADMIN = {"style-src": "'self' 'unsafe-inline'"}
# ReDoc styles itself with styled-components (style elements added at run time) and parses the
# schema in a web worker made from a blob. (Its template also links Google Fonts and a logo on
# cdn.redoc.ly: blocked, so it falls back to system fonts.)
_REDOC = {"style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"}
_POLICIES = [
    (re.compile(r"^/admin/"), _ADMIN),
    (re.compile(r"^/api/docs/"), {}),
    (re.compile(r"^/api/redoc/"), _REDOC),
]
_INLINE = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1>", re.S | re.I)


def _hashes(content: bytes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"script": [], "style": []}
    for match in _INLINE.finditer(content):
        tag, body = match.group(1).lower().decode(), match.group(2)
        if tag == "script" and b"src=" in match.group(0)[: match.group(0).find(b">")]:
            continue  # an external script: 'self' covers it
        if body.strip():
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            found[tag].append(f"'sha256-{digest}'")
    return found


def content_security_policy(path: str, content: bytes) -> str | None:
    for pattern, extra in _POLICIES:
        if pattern.match(path):
            directives = {**_BASE, **extra}
            inline = _hashes(content)
            for tag in ("script", "style"):
                if inline[tag] and "'unsafe-inline'" not in directives[f"{tag}-src"]:
                    directives[f"{tag}-src"] += " " + " ".join(dict.fromkeys(inline[tag]))
            return "; ".join(f"{name} {value}" for name, value in directives.items())
    return None


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response or response.streaming:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        policy = content_security_policy(request.path, response.content)
        if policy:
            response["Content-Security-Policy"] = policy
        return response
