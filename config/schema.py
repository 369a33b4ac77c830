"""OpenAPI post-processing: every error an operation can answer, documented with the error shape.

Views document their success answers (and the odd error with figures); the errors that come from
the platform itself are added here from what each view is: a body or a query can be invalid (400),
a body too large (413) or of the wrong type (415); a signed-in view answers 401; an unsafe method
under session auth can fail CSRF, and a view with a narrower permission refuses (403); a path
with an id can miss (404); throttled views answer 429; and any operation answers 503
`service_unavailable` when the database or broker cannot be reached. Codes a view documents itself
are kept; one documented without a body gets the error shape.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework_simplejwt.views import TokenViewBase

ERROR_REF = {"$ref": "#/components/schemas/Error"}
_UNSAFE = {"post", "put", "patch", "delete"}
_DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, `fields` naming each field) or an unreadable body (`parse_error`).",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in but not allowed (or `csrf_failed` for a session without its CSRF token).",
    "404": "No such object, or not yours.",
    "409": "Conflicts with the object's current state.",
    "413": "The request body is too large (`payload_too_large`).",
    "415": "Unsupported request media type.",
    "429": "Too many requests (`throttled`, with Retry-After) or a limit reached.",
    "503": "A service the request needs is unavailable (`service_unavailable`, with Retry-After).",
}
# Operations whose services raise Conflict (409) for the state of what they change.
_CONFLICTS = {
    ("/api/v1/jobs/{job_id}/cancel", "post"),
    ("/api/v1/jobs/{job_id}/retry", "post"),
    ("/api/v1/jobs/ppl", "post"),
    ("/api/v1/jobs/goods", "post"),
    ("/api/v1/jobs/edit", "post"),
    ("/api/v1/jobs/product-page", "post"),
    ("/api/v1/images/upload", "post"),
    ("/api/v1/images/import", "post"),
    ("/api/v1/images/{image_id}/restore", "post"),
    ("/api/v1/images/restore", "post"),
    ("/api/v1/categories", "post"),
    ("/api/v1/template-sets", "post"),
    ("/api/v1/template-sets/{template_set_id}", "put"),
    ("/api/v1/template-sets/{template_set_id}", "patch"),
    ("/api/v1/templates/{template_id}", "delete"),
    ("/api/v1/pages/{page_id}/blocks/{index}/image", "post"),
}


def _codes(path: str, method: str, operation: dict, view) -> set[str]:
    codes = {"503"}
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    if has_body or any(p.get("in") == "query" for p in parameters):
        codes.add("400")
    if has_body:
        codes |= {"413", "415"}
    if any(p.get("in") == "path" for p in parameters):
        codes.add("404")
    permissions = list(getattr(view, "permission_classes", []))
    anonymous = any(issubclass(p, AllowAny) for p in permissions) if permissions else True
    if not anonymous or (view is not None and issubclass(view, TokenViewBase)):  # a bad token: 401
        codes.add("401")
    if any(not issubclass(p, (AllowAny, IsAuthenticated)) for p in permissions):
        codes.add("403")
    authenticators = getattr(view, "authentication_classes", [])
    if method in _UNSAFE and any(issubclass(a, SessionAuthentication) for a in authenticators):
        codes.add("403")
    throttled = getattr(view, "throttle_scope", None) or any(
        getattr(t, "scope", None) for t in getattr(view, "throttle_classes", [])
    )
    if throttled:
        codes.add("429")
    if (path, method) in _CONFLICTS or (path.replace("/api/", "/api/v1/", 1), method) in _CONFLICTS:
        codes.add("409")
    return codes


def error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry."""
    views = {
        (path, method.lower()): getattr(callback, "cls", None)
        for path, _regex, method, callback in (generator.endpoints or [])
    }
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _UNSAFE | {"get", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(_codes(path, method, operation, views.get((path, method)))):
                response = responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
                if not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            for code, response in responses.items():  # a 4xx/5xx a view named without a body
                if code[:1] in "45" and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
                    response.setdefault("description", _DESCRIPTIONS.get(code, ""))
    return result


class PagedListAutoSchema(AutoSchema):
    """For a view whose GET answers a paged envelope (one object, not an array): its operation
    id still says `list`, as drf-spectacular names a plain list."""

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if self.method == "GET" and operation_id.endswith("_retrieve"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
