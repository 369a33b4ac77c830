"""A Content-Security-Policy on the admin and on the API docs (the web app keeps its own)."""

import base64
import hashlib
import re

import pytest

from accounts.services import user_create

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in policy.split("; ")}


def test_the_admin_login_page_has_a_policy_with_no_inline_scripts(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = _directives(response)
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"


def test_the_admin_pages_of_staff_have_it_too(client):
    client.force_login(
        user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)
    )
    for path in ("/admin/", "/admin/generation/job/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _directives(response)["script-src"] == "'self'", path


def test_the_api_docs_allow_only_their_own_inline_script_by_hash_and_no_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content
    assert b"cdn.jsdelivr.net" not in html  # Swagger UI comes from our static files
    [inline] = [
        body
        for attrs, body in re.findall(rb"<script([^>]*)>(.*?)</script>", html, re.S)
        if b"src=" not in attrs and body.strip()
    ]
    digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
    policy = _directives(response)
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert "'unsafe-inline'" not in policy["style-src"] and policy["connect-src"] == "'self'"


def test_the_web_app_keeps_its_own_policy(client):
    from config.spa import _NOT_BUILT_CSP, CONTENT_SECURITY_POLICY

    response = client.get("/gallery")
    assert response["Content-Security-Policy"] in (CONTENT_SECURITY_POLICY, _NOT_BUILT_CSP)
