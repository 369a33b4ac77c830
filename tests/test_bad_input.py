"""Bad input answers a clear 4xx naming the field, and nothing is stored (each of these was a 500).

Through the API, on SQLite and PostgreSQL alike: out-of-range ids and dates, NUL characters,
scalar and deeply nested JSON bodies, forged webhook headers, CSS that hides a URL behind
escapes, and a refresh token whose user is gone.
"""

# ruff: noqa: F811 (the catalogue fixtures are imported, then named as test arguments)
from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from generation.models import Job
from templates_app.models import Template, TemplateSet
from tests.conftest import api_client_for
from tests.templates_app.conftest import (  # noqa: F401 (fixtures)
    SIMPLE_HTML,
    SIMPLE_SLOTS,
    category,
    manager,
    manager_api,
    manager_group,
    simple_template,
)

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = 2**64 + 1
DEEP = "[" * 5000 + "]" * 5000


def _fields(response) -> dict:
    body = response.json()
    assert body["code"] == "invalid", body
    return body["fields"]


def _template_body(in_category, **overrides) -> dict:
    body = {
        "category": in_category.id,
        "name": "Features",
        "block_type": "KeyFeatures",
        "html": SIMPLE_HTML,
        "slots": SIMPLE_SLOTS,
    }
    body.update(overrides)
    return body


# --- webhooks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["sha256=\u00e9\u00e9", "\u2603"])
def test_a_bfl_webhook_with_a_non_ascii_signature_is_refused_401(client, settings, signature):
    settings.BFL_WEBHOOK_SECRET = "bfl-secret"
    response = client.post(
        "/api/v1/webhooks/bfl",
        b'{"id": "x"}',
        content_type="application/json",
        HTTP_X_BFL_SIGNATURE=signature,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


def _replicate_headers(**overrides) -> dict:
    import time

    headers = {
        "HTTP_WEBHOOK_ID": "msg_1",
        "HTTP_WEBHOOK_TIMESTAMP": str(int(time.time())),
        "HTTP_WEBHOOK_SIGNATURE": "v1,\u00e9t\u00e9",
    }
    headers.update(overrides)
    return headers


def test_a_replicate_webhook_with_a_non_ascii_signature_is_refused_401(client, settings):
    from tests.fakes.replicate import SECRET

    settings.REPLICATE_WEBHOOK_SECRET = SECRET
    response = client.post(
        "/api/v1/webhooks/replicate", b"{}", content_type="application/json", **_replicate_headers()
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"


def test_a_replicate_webhook_with_a_400_digit_timestamp_is_refused_401(client, settings):
    from tests.fakes.replicate import SECRET

    settings.REPLICATE_WEBHOOK_SECRET = SECRET
    response = client.post(
        "/api/v1/webhooks/replicate",
        b"{}",
        content_type="application/json",
        **_replicate_headers(HTTP_WEBHOOK_TIMESTAMP="9" * 400, HTTP_WEBHOOK_SIGNATURE="v1,abc"),
    )
    assert response.status_code == 401
    assert "timestamp" in response.json()["message"]


# --- JSON bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/generation/upload-image", "/api/generation/image", "/api/generation/display-list"]
)
@pytest.mark.parametrize("body", ["0", "true", "1.5", '"text"', "[1]", "null"])
def test_a_scalar_json_body_on_a_seed_endpoint_is_400(api, path, body):
    response = api.post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs/product-page",
        "/api/v1/templates",
        "/api/v1/auth/token",
        "/api/generation/display-list",
        "/api/v1/images/delete",
    ],
)
def test_deeply_nested_json_is_refused_400_naming_the_body(path, staff_user):
    response = api_client_for(staff_user).post(path, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert _fields(response) == {"body": [f"is nested more than {64} levels deep."]}


def test_json_nested_up_to_the_limit_is_read_as_usual(api):
    nested = "[" * 63 + "]" * 63  # 64 levels with the object around it
    response = api.post(
        "/api/v1/jobs/product-page",
        f'{{"product_info": "x", "template_ids": {nested}}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "body" not in _fields(response) and "template_ids" in _fields(response)


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    body = json.dumps({"product_info": "[" * 5000, "template_ids": [10**6]})
    response = api.post("/api/v1/jobs/product-page", body, content_type="application/json")
    assert response.status_code == 400
    assert list(_fields(response)) == ["template_ids"]


@pytest.mark.parametrize(
    "setting,limit",
    [("JSON_BODY_MAX_BYTES", 1000), ("DATA_UPLOAD_MAX_MEMORY_SIZE", 1000), ("JSON_BODY_MAX_BYTES", None)],
)
def test_a_json_body_over_the_size_limit_is_413(api, settings, setting, limit):
    if limit is not None:
        setattr(settings, setting, limit)
    body = json.dumps({"product_info": "x" * (2000 if limit else 1024 * 1024)})  # None: the default, 1 MiB
    response = api.post("/api/v1/jobs/product-page", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Job.objects.exists()


def test_a_json_body_that_is_not_json_is_400_parse_error(api):
    response = api.post("/api/v1/jobs/product-page", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- ids and dates out of range (OverflowError on SQLite) --------------------------------------


def test_a_form_with_more_fields_than_django_reads_is_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"ids={i}" for i in range(11))
    response = api.post("/api/v1/images/delete", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("path", ["/api/v1/images", "/api/v1/admin/images"])
def test_a_date_that_cannot_be_moved_to_utc_is_400_naming_from_date(staff_user, path):
    response = api_client_for(staff_user).get(path, {"from_date": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400
    assert "from_date" in _fields(response)


@pytest.mark.parametrize("path", ["/api/v1/images", "/api/v1/admin/images", "/api/v1/jobs", "/api/v1/pages"])
def test_a_cursor_with_a_date_out_of_range_is_400_naming_cursor(staff_user, path):
    cursor = base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|00000000-0000-0000-0000-000000000001")
    response = api_client_for(staff_user).get(path, {"cursor": cursor.decode()})
    assert response.status_code == 400
    assert "cursor" in _fields(response)


def test_a_user_id_beyond_64_bits_on_the_admin_list_is_400_naming_user_id(staff_user):
    response = api_client_for(staff_user).get("/api/v1/admin/images", {"user_id": BEYOND_64_BITS})
    assert response.status_code == 400
    assert "user_id" in _fields(response)


@pytest.mark.parametrize("path", ["/api/v1/templates", "/api/v1/template-sets", "/api/templates"])
@pytest.mark.parametrize(
    "param,value",
    [
        ("category", BEYOND_64_BITS),
        ("cursor", base64.urlsafe_b64encode(f"id:{BEYOND_64_BITS}".encode()).decode()),
    ],
)
def test_a_catalogue_filter_beyond_64_bits_is_400_naming_it(api, path, param, value):
    response = api.get(path, {param: value})
    assert response.status_code == 400
    assert param in _fields(response)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/templates/{BEYOND_64_BITS}",
        f"/api/v1/templates/{BEYOND_64_BITS}/preview",
        f"/api/v1/categories/{BEYOND_64_BITS}/templates",
        f"/api/v1/template-sets/{BEYOND_64_BITS}",
        f"/api/v1/template-sets/{BEYOND_64_BITS}/preview",
        f"/api/templates/{BEYOND_64_BITS}",
    ],
)
def test_a_catalogue_id_beyond_64_bits_in_the_path_is_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "field,value",
    [
        ("category_id", BEYOND_64_BITS),
        ("template_set_id", BEYOND_64_BITS),
        ("template_ids", [BEYOND_64_BITS]),
    ],
)
def test_a_product_page_id_beyond_64_bits_is_400_naming_it(api, field, value):
    response = api.post("/api/v1/jobs/product-page", {"product_info": "A shirt", field: value}, format="json")
    assert response.status_code == 400
    assert field in _fields(response)
    assert not Job.objects.exists()


def test_a_seed_display_list_category_beyond_64_bits_is_400(api):
    response = api.post(
        "/api/generation/display-list",
        {"productInfo": "A shirt", "categoryId": BEYOND_64_BITS},
        format="json",
    )
    assert response.status_code == 400
    assert "category_id" in _fields(response)


def test_catalogue_writes_with_ids_beyond_64_bits_are_400_naming_them(staff_user, category, simple_template):
    staff = api_client_for(staff_user)
    before = (Template.objects.count(), TemplateSet.objects.count())
    response = staff.post(
        "/api/v1/templates", _template_body(category, category=BEYOND_64_BITS), format="json"
    )
    assert response.status_code == 400 and "category" in _fields(response)
    response = staff.post(
        "/api/v1/template-sets",
        {"name": "S", "category": category.id, "template_ids": [BEYOND_64_BITS]},
        format="json",
    )
    assert response.status_code == 400 and "template_ids" in _fields(response)
    response = staff.post(
        "/api/v1/template-sets",
        {"name": "S", "category": BEYOND_64_BITS, "template_ids": [simple_template.id]},
        format="json",
    )
    assert response.status_code == 400 and "category" in _fields(response)
    assert (Template.objects.count(), TemplateSet.objects.count()) == before


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("metadata", {"note": "a\u0000b"}),
        ("metadata", {"deep": [{"x": ["ok", "bad\u0000"]}]}),
        ("metadata", {"key\u0000": 1}),
        (
            "slots",
            {
                "title": {"type": "text", "max_length": 60, "description": "t\u0000"},
                "features": {"type": "list", "max_items": 4},
            },
        ),
        ("name", "Fea\u0000tures"),
        ("html", SIMPLE_HTML + "\u0000"),
    ],
)
def test_a_nul_character_in_a_template_is_400_naming_the_field(staff_user, category, field, value):
    response = api_client_for(staff_user).post(
        "/api/v1/templates", _template_body(category, **{field: value}), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in _fields(response)
    assert not Template.objects.filter(category=category).exists()


def test_a_nul_character_in_a_template_update_is_400_and_changes_nothing(staff_user, simple_template):
    response = api_client_for(staff_user).patch(
        f"/api/v1/templates/{simple_template.id}", {"metadata": {"a": "\u0000"}}, format="json"
    )
    assert response.status_code == 400
    assert "metadata" in _fields(response)
    simple_template.refresh_from_db()
    assert simple_template.metadata == {} and simple_template.revision == 1


# --- tokens -----------------------------------------------------------------------------------


def test_refreshing_a_deleted_users_token_is_401(client, db):
    user = get_user_model().objects.create_user(username="gone", password="correct horse battery")
    refresh = str(RefreshToken.for_user(user))
    user.delete()
    response = client.post(
        "/api/v1/auth/token/refresh", {"refresh": refresh}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refreshing_a_live_users_token_still_works(client, user):
    refresh = str(RefreshToken.for_user(user))
    response = client.post(
        "/api/v1/auth/token/refresh", {"refresh": refresh}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["access"]


# --- template ids that cannot make a page -------------------------------------------------------


def test_product_page_template_ids_that_do_not_exist_or_are_inactive_are_400_naming_them(
    api, category, simple_template, user
):
    from templates_app.services import template_create

    inactive = template_create(
        user=user,
        category=category,
        name="Off",
        block_type="KeyFeatures",
        html=SIMPLE_HTML,
        slots=SIMPLE_SLOTS,
        is_active=False,
    )
    response = api.post(
        "/api/v1/jobs/product-page",
        {"product_info": "A shirt", "template_ids": [simple_template.id, 987654, inactive.id]},
        format="json",
    )
    assert response.status_code == 400
    assert _fields(response) == {
        "template_ids": [
            f"no active template has the id {987654}.",
            f"no active template has the id {inactive.id}.",
        ]
    }
    assert "987654" in response.json()["message"]
    assert not Job.objects.exists()


def test_product_page_with_active_template_ids_is_accepted(api, simple_template):
    response = api.post(
        "/api/v1/jobs/product-page",
        {"product_info": "A shirt", "template_ids": [simple_template.id]},
        format="json",
    )
    assert response.status_code == 202, response.json()


# --- CSS and URLs in templates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "html,shown",
    [
        ("<style>.x{background:\\75rl(https://evil.example/x.png)}</style>", "url("),
        ("<style>.x{background:u\\72l(https://evil.example/x.png)}</style>", "url("),
        ('<style>@\\69mport "https://evil.example/x.css";</style>', "@import"),
        ("<style>@font-face{font-family:x;src:local(x)}</style>", "@font-face"),
        ('<style>.x{background:image-set("https://evil.example/x.png" 1x)}</style>', "image-set("),
        ("<style>.x{b\\65havior:x}</style>", "behavior"),
        ('<div style="background:\\75rl(https://evil.example/x.png)"></div>', "url("),
    ],
)
def test_template_css_that_could_load_something_is_refused_whatever_its_escapes(
    staff_user, category, html, shown
):
    response = api_client_for(staff_user).post(
        "/api/v1/templates", _template_body(category, html=html + SIMPLE_HTML), format="json"
    )
    assert response.status_code == 400, response.content
    assert any(f"'{shown}'" in problem for problem in _fields(response)["html"]), _fields(response)
    assert not Template.objects.filter(category=category).exists()


def test_plain_template_css_is_accepted(staff_user, category):
    html = (
        "<style>.x{color:#333;background:linear-gradient(#fff,#eee)}@media (max-width:600px){.x{gap:1px}}"
        '</style><div style="color:red;padding:4px">' + SIMPLE_HTML + "</div>"
    )
    response = api_client_for(staff_user).post(
        "/api/v1/templates", _template_body(category, html=html), format="json"
    )
    assert response.status_code == 201, response.json()


def test_the_page_sanitiser_drops_css_that_hides_a_url_behind_escapes():
    from templates_app.page_html import page_assemble

    page = page_assemble(
        blocks_html=[
            "<style>.a{color:red}</style><style>.b{background:\\75rl(https://evil.example/1)}"
            '</style><div style="background:\\75rl(https://evil.example/2)">x</div>'
            '<p style="color:blue">y</p>'
        ],
        title="t",
        language="en",
    )
    assert "evil.example" not in page
    assert ".a{color:red}" in page and 'style="color:blue"' in page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "//evil.example/x.png",
        "ftp://example.com/x.png",
        "not a url",
    ],
)
def test_a_thumbnail_url_other_than_http_or_https_is_400(staff_user, category, url):
    response = api_client_for(staff_user).post(
        "/api/v1/templates", _template_body(category, thumbnail_url=url), format="json"
    )
    assert response.status_code == 400
    assert "thumbnail_url" in _fields(response)
    assert not Template.objects.filter(category=category).exists()


def test_an_https_thumbnail_url_is_kept(staff_user, category):
    response = api_client_for(staff_user).post(
        "/api/v1/templates",
        _template_body(category, thumbnail_url="https://cdn.example.com/t.png"),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["thumbnail_url"] == "https://cdn.example.com/t.png"


# --- inactive templates -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/preview"])
def test_an_inactive_template_is_not_found_for_a_user_but_shown_to_content_managers(
    api, manager, manager_api, simple_template, suffix
):
    from templates_app.services import template_update

    path = f"/api/v1/templates/{simple_template.id}{suffix}"
    assert api.get(path).status_code == 200  # cached while active
    template_update(template=simple_template, user=manager, data={"is_active": False})
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert manager_api.get(path).status_code == 200


# --- the schema -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/templates",
        "/api/v1/categories",
        "/api/v1/categories/{category_id}/templates",
        "/api/v1/template-sets",
    ],
)
def test_paged_catalogue_lists_are_documented_as_envelopes(schema, path):
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = content["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][ref]
    assert {"results", "page", "size", "has_next", "next_cursor"} <= set(component["properties"])
    assert component["properties"]["results"]["type"] == "array"


@pytest.mark.parametrize(
    "path,method,codes",
    [
        ("/api/v1/jobs/product-page", "post", {"400", "401", "429"}),
        ("/api/v1/templates", "post", {"400", "401", "403"}),
        ("/api/v1/templates/{template_id}", "get", {"401", "404"}),
        ("/api/v1/templates/{template_id}", "patch", {"400", "401", "403", "404"}),
        ("/api/v1/images", "get", {"400", "401"}),
        ("/api/v1/jobs/{job_id}/cancel", "post", {"401", "404", "409"}),
        ("/api/v1/auth/token/refresh", "post", {"400", "401"}),
    ],
)
def test_every_error_an_operation_can_answer_is_documented_with_the_error_shape(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses), sorted(responses)
    for code in codes:
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
