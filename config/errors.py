"""One error contract for the whole API: {"code", "message", "fields"?, <figures>?}.

Services raise ApplicationError subclasses with a stable code; the DRF exception handler
maps them, DRF's own exceptions and Django's ValidationError onto that shape. Figures a client
needs to explain an error (`queue_full`: limit, waiting; `storage_quota_exceeded`: used_bytes,
quota_bytes; `throttled`: retry_after_seconds) are top-level keys next to code and message.

Every code is registered in config/error_codes.py (an unknown one fails where it is raised). The
message follows the request's language (LocaleMiddleware reads Accept-Language): English is the
service's own sentence, Korean the registry's. Clients key on `code`; the message is for people.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.error_codes import ErrorCode, error_code, error_code_choices, registered_code
from config.unavailable import MESSAGE as UNAVAILABLE_MESSAGE
from config.unavailable import is_unavailable, log_unavailable, retry_after_seconds


class ApplicationError(Exception):
    """A failure the client should understand; `code` is part of the API contract.

    `extra` holds the figures behind the error; they are rendered as top-level keys.
    """

    code: str = ErrorCode.ERROR
    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        status_code: int | None = None,
        headers: dict | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = error_code(code)
        if status_code:
            self.status_code = status_code
        self.fields = fields
        self.headers = headers or {}
        self.extra = extra or {}


class InvalidInput(ApplicationError):
    code = ErrorCode.INVALID


class NotFound(ApplicationError):
    code = ErrorCode.NOT_FOUND
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(ApplicationError):
    code = ErrorCode.CONFLICT
    status_code = status.HTTP_409_CONFLICT


class LimitExceeded(ApplicationError):
    code = ErrorCode.LIMIT_EXCEEDED
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class Throttled(ApplicationError):
    """429 with Retry-After: too many attempts of something (e.g. failed sign-ins)."""

    code = ErrorCode.THROTTLED
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after_seconds: int):
        super().__init__(
            message,
            headers={"Retry-After": str(retry_after_seconds)},
            extra={"retry_after_seconds": retry_after_seconds},
        )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
        ]
    }
)
class _FieldErrors(serializers.JSONField):
    """One field's messages; for a list or an object given, the same keyed by item or key
    (`{"ids": {"0": ["Must be a valid UUID."]}}`)."""


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The error shape, for the schema: the figures appear only with the codes that carry them."""

    code = serializers.ChoiceField(
        choices=error_code_choices(), help_text="What went wrong, for programs (config/error_codes.py)."
    )
    message = serializers.CharField(help_text="In the request's language (Accept-Language: ko or en).")
    # The metaclass takes declared fields off the class, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=_FieldErrors(),
        required=False,
        help_text="Per input field, what is wrong with it (code `invalid`).",
    )
    limit = serializers.IntegerField(required=False, help_text="queue_full: jobs that may wait.")
    waiting = serializers.IntegerField(required=False, help_text="queue_full: your jobs waiting now.")
    running = serializers.IntegerField(required=False, help_text="queue_full: your jobs running now.")
    max_concurrent = serializers.IntegerField(
        required=False, help_text="queue_full: jobs that may run at once."
    )
    used_bytes = serializers.IntegerField(required=False, help_text="storage_quota_exceeded.")
    quota_bytes = serializers.IntegerField(required=False, help_text="storage_quota_exceeded.")
    retry_after_seconds = serializers.IntegerField(required=False, help_text="throttled (also Retry-After).")


# --- messages ---------------------------------------------------------------------------------------


def request_language() -> str:
    """'ko' or 'en': the language LocaleMiddleware chose for this request."""
    return "ko" if (translation.get_language() or "").lower().startswith("ko") else "en"


def localized_message(
    code: str,
    message: str,
    extra: dict | None = None,
    fields: dict | None = None,
    *,
    language: str | None = None,
) -> str:
    """The message for `code` in the request's language; `message` (English) otherwise.

    For a validation error the first field's problem follows (Django and DRF translate those
    themselves), so a single line still says what to fix.
    """
    if (language or request_language()) != "ko":
        return message
    try:
        text = error_code(code).korean_message(extra or {})
    except (KeyError, TypeError, ValueError):  # a figure is missing: the English sentence has it
        return message
    if fields and code in (ErrorCode.INVALID, ErrorCode.INVALID_INPUT):
        text = f"{text} {_first_message(fields)}"
    return text


# --- rendering ------------------------------------------------------------------------------------


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat: list = []
        for item in detail:
            value = _flatten(item)
            flat.extend(value if isinstance(value, list) else [value])
        return flat
    return str(detail)


def _first_message(fields: dict) -> str:
    for name, errors in fields.items():
        if isinstance(errors, dict):
            return f"{name}: {_first_message(errors)}"
        if errors:
            prefix = "" if name == "non_field_errors" else f"{name}: "
            return f"{prefix}{errors[0]}"
    return "Invalid input."


def error_body(code: str, message: str, fields: dict | None = None, extra: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": error_code(code).value, "message": message}
    if fields:
        body["fields"] = fields
    for key, value in (extra or {}).items():
        body.setdefault(key, value)  # figures never overwrite code, message or fields
    return body


def _localized_body(code: str, message: str, fields: dict | None = None, extra: dict | None = None) -> dict:
    return error_body(code, localized_message(code, message, extra, fields), fields, extra)


_DRF_CODES = {
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.ParseError: ErrorCode.PARSE_ERROR,
    exceptions.Throttled: ErrorCode.THROTTLED,
}


def _registered(code: str, default: ErrorCode) -> ErrorCode:
    """A library's own code (simplejwt's `token_not_valid`) when registered, else the default for
    its exception class: clients only ever see registered codes."""
    member = registered_code(code)
    return default if member is None else member


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if is_unavailable(exc):  # the database or the broker is down: 503, never 500
        log_unavailable(exc, context.get("request"))
        return Response(
            _localized_body("service_unavailable", UNAVAILABLE_MESSAGE),
            status=503,
            headers={"Retry-After": str(retry_after_seconds())},
        )
    if isinstance(exc, ApplicationError):
        return Response(
            _localized_body(exc.code, exc.message, exc.fields, exc.extra),
            status=exc.status_code,
            headers=exc.headers,
        )
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_localized_body("invalid", _first_message(fields), fields), status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response(_localized_body("payload_too_large", "The request body is too large."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(errors)
        response.data = _localized_body("invalid", _first_message(fields), fields)
        return response
    default = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), ErrorCode.ERROR)
    detail = getattr(exc, "detail", str(exc))
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        message = str(detail.get("detail", "Authentication failed."))
        code = _registered(str(detail.get("code", "")), default)
    else:
        message = str(detail)
        code = _registered(str(getattr(detail, "code", "") or ""), default)
    if isinstance(exc, exceptions.PermissionDenied) and message.startswith("CSRF Failed"):
        code = ErrorCode.CSRF_FAILED  # SessionAuthentication's refusal: the client should fetch a new token
    extra = {}
    # DRF's Throttled sets `wait` (seconds, or None); the stubs do not declare it.
    wait: float | None = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        extra["retry_after_seconds"] = int(wait + 0.999)
    response.data = _localized_body(code, message, extra=extra)
    return response
