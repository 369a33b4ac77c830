"""One error contract for the whole API: {"code", "message", "fields"?, <figures>?}.

Services raise ApplicationError subclasses with a stable code; the DRF exception handler
maps them, DRF's own exceptions and Django's ValidationError onto that shape. Figures a client
needs to explain an error (`queue_full`: limit, waiting; `storage_quota_exceeded`: used_bytes,
quota_bytes; `throttled`: retry_after_seconds) are top-level keys next to code and message.

The message follows the request's language (LocaleMiddleware reads Accept-Language): English is
the service's own sentence, Korean comes from the table below (the seeds' wording where a seed had
one). Clients should still key on `code`; the message is for people.
"""

from __future__ import annotations

from collections.abc import Callable
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

from config.unavailable import MESSAGE as UNAVAILABLE_MESSAGE
from config.unavailable import is_unavailable, log_unavailable, retry_after_seconds


class ApplicationError(Exception):
    """A failure the client should understand; `code` is part of the API contract.

    `extra` holds the figures behind the error; they are rendered as top-level keys.
    """

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None,
                 status_code: int | None = None, headers: dict | None = None,
                 extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.fields = fields
        self.headers = headers or {}
        self.extra = extra or {}


class InvalidInput(ApplicationError):
    code = "invalid"


class NotFound(ApplicationError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(ApplicationError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


class LimitExceeded(ApplicationError):
    code = "limit_exceeded"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class Throttled(ApplicationError):
    """429 with Retry-After: too many attempts of something (e.g. failed sign-ins)."""

    code = "throttled"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after_seconds: int):
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)},
                         extra={"retry_after_seconds": retry_after_seconds})


@extend_schema_field({"oneOf": [{"type": "array", "items": {"type": "string"}},
                                {"type": "object", "additionalProperties": True}]})
class _FieldErrors(serializers.JSONField):
    """One field's messages; for a list or an object given, the same keyed by item or key
    (`{"ids": {"0": ["Must be a valid UUID."]}}`)."""


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The error shape, for the schema: the figures appear only with the codes that carry them."""

    code = serializers.CharField()
    message = serializers.CharField(help_text="In the request's language (Accept-Language: ko or en).")
    fields = serializers.DictField(child=_FieldErrors(), required=False,
                                   help_text="Per input field, what is wrong with it (code `invalid`).")
    limit = serializers.IntegerField(required=False, help_text="queue_full: jobs that may wait.")
    waiting = serializers.IntegerField(required=False, help_text="queue_full: your jobs waiting now.")
    running = serializers.IntegerField(required=False, help_text="queue_full: your jobs running now.")
    max_concurrent = serializers.IntegerField(required=False,
                                              help_text="queue_full: jobs that may run at once.")
    used_bytes = serializers.IntegerField(required=False, help_text="storage_quota_exceeded.")
    quota_bytes = serializers.IntegerField(required=False, help_text="storage_quota_exceeded.")
    retry_after_seconds = serializers.IntegerField(required=False, help_text="throttled (also Retry-After).")


# --- Korean messages ------------------------------------------------------------------------------

def _megabytes(value: Any) -> str:
    return f"{int(value) / (1024 * 1024):.1f}"


def _ko_queue_full(extra: dict) -> str:
    if extra.get("limit") == 0:
        return ("실행 중인 작업이 끝나야 새 작업을 넣을 수 있습니다(대기 가능한 작업 수: 0개). "
                "작업이 끝나기를 기다리거나 하나를 취소한 뒤 다시 시도하세요.")
    return (f"대기 중인 작업이 이미 {extra['waiting']}개로, 한 번에 대기할 수 있는 최대 개수"
            f"({extra['limit']}개)입니다. 작업이 시작되기를 기다리거나 하나를 취소한 뒤 다시 시도하세요.")


def _ko_storage_quota(extra: dict) -> str:
    return (f"저장 공간을 모두 사용했습니다({_megabytes(extra['used_bytes'])} MB / "
            f"{_megabytes(extra['quota_bytes'])} MB, 휴지통과 썸네일 포함). "
            "이미지를 삭제하고 휴지통을 비운 뒤 다시 시도하세요.")


def _ko_throttled(extra: dict) -> str:
    return f"요청이 너무 많습니다. {int(extra['retry_after_seconds'])}초 후에 다시 시도하세요."


_KO_MESSAGES: dict[str, str | Callable[[dict], str]] = {
    # request and account
    "invalid": "입력값을 확인하세요.",
    "invalid_input": "입력값을 확인하세요.",
    "parse_error": "요청 본문을 읽을 수 없습니다.",
    "payload_too_large": "요청 본문이 너무 큽니다.",
    "unsupported_media_type": "지원하지 않는 요청 형식입니다.",
    "not_acceptable": "요청한 응답 형식을 지원하지 않습니다.",
    "method_not_allowed": "허용되지 않는 요청 방식입니다.",
    "not_found": "찾을 수 없습니다.",
    "not_authenticated": "로그인이 필요합니다.",
    "authentication_failed": "인증에 실패했습니다. 다시 로그인하세요.",
    "token_not_valid": "토큰이 유효하지 않거나 만료되었습니다. 다시 로그인하세요.",
    "invalid_credentials": "아이디 또는 비밀번호가 올바르지 않습니다.",
    "permission_denied": "이 작업을 할 권한이 없습니다.",
    "csrf_failed": "보안 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
    "throttled": _ko_throttled,
    "invalid_signature": "웹훅 서명이 맞지 않습니다.",
    "server_error": "서버 오류가 발생했습니다.",
    "internal_error": "서버 오류가 발생했습니다.",
    "error": "요청을 처리하지 못했습니다.",
    # limits
    "queue_full": _ko_queue_full,
    "limit_exceeded": "한도를 넘었습니다.",
    "storage_quota_exceeded": _ko_storage_quota,
    # jobs
    "job_finished": "이미 끝난 작업이라 취소할 수 없습니다.",
    "job_not_finished": "끝난 작업만 다시 실행할 수 있습니다.",
    "idempotency_key_reused": "이 Idempotency-Key는 이미 다른 요청에 사용되었습니다.",
    "conflict": "다른 변경과 충돌했습니다. 새로고침한 뒤 다시 시도하세요.",
    "canceled": "취소된 작업입니다.",
    "failed": "작업이 실패했습니다.",
    "moderated": "안전성 검사에서 차단되었습니다.",
    "timeout": "이미지 생성 시간이 초과되었습니다",  # seed 000/001's wording, as its frontend shows it
    "timed_out": "이미지 생성 시간이 초과되었습니다",
    "page_timeout": "상세페이지 생성 시간이 초과되었습니다.",
    "submit_interrupted": "작업을 보내는 중에 서버가 중단되었습니다. 중복 결제를 막기 위해 다시 보내지 "
                          "않았으니 다시 실행하세요.",
    "fetch_failed": "URL에서 이미지를 가져올 수 없습니다.",
    "file_missing": "파일을 찾을 수 없습니다.",
    # service state (preflight)
    "service_unavailable": "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
    "workers_down": "작업을 처리할 워커가 실행 중이지 않아 작업이 시작되지 않습니다. "
                    "잠시 후 다시 시도하세요.",
    "storage_full": "서버 저장 공간이 가득 차 지금은 결과를 저장할 수 없습니다.",
    "storage_unavailable": "지금은 결과를 저장할 수 없습니다(저장소에 쓸 수 없음).",
    # image providers
    "provider_error": "이미지 생성 서비스에서 오류가 발생했습니다.",
    "provider_failed": "이미지 생성에 실패했습니다.",
    "provider_unavailable": "이미지 생성 서비스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
    "provider_timeout": "이미지 생성 서비스가 응답하지 않습니다.",
    "provider_rate_limited": "이미지 생성 서비스가 바쁩니다. 잠시 후 다시 시도하세요.",
    "provider_auth": "이미지 생성 서비스 인증에 실패했습니다. 관리자에게 문의하세요.",
    "provider_credits": "이미지 생성 서비스의 크레딧이 부족합니다. 관리자에게 문의하세요.",
    "provider_not_configured": "이미지 생성 서비스가 설정되지 않았습니다. 관리자에게 문의하세요.",
    "provider_misconfigured": "이미지 생성 서비스 설정이 잘못되었습니다. 관리자에게 문의하세요.",
    "provider_unknown": "알 수 없는 이미지 생성 서비스가 설정되어 있습니다. 관리자에게 문의하세요.",
    "provider_rejected": "이미지 생성 서비스가 요청을 거부했습니다.",
    "provider_bad_response": "이미지 생성 서비스의 응답을 처리할 수 없습니다.",
    "provider_not_found": "이미지 생성 서비스에서 작업을 찾을 수 없습니다.",
    "provider_result_expired": "결과 링크가 만료되었습니다. 다시 실행하세요.",
    "provider_task_lost": "이미지 생성 서비스가 작업을 잃어버렸습니다. 다시 실행하세요.",
    "provider_canceled": "이미지 생성 서비스에서 작업이 취소되었습니다.",
    "provider_unsupported": "선택된 서비스에서는 이 작업을 지원하지 않습니다.",
    # the writing model (translations, product pages)
    "llm_unavailable": "글쓰기 모델에 연결할 수 없습니다.",
    "llm_timeout": "글쓰기 모델이 응답하지 않습니다.",
    "llm_bad_output": "글쓰기 모델의 답을 처리할 수 없습니다.",
    "llm_refused": "글쓰기 모델이 요청을 거절했습니다.",
    "llm_rejected": "글쓰기 모델이 요청을 거부했습니다.",
    "llm_rate_limited": "글쓰기 모델이 바쁩니다. 잠시 후 다시 시도하세요.",
    "llm_auth": "글쓰기 모델 인증에 실패했습니다. 관리자에게 문의하세요.",
    "llm_credits": "글쓰기 모델의 크레딧이 부족합니다. 관리자에게 문의하세요.",
    "llm_not_configured": "글쓰기 모델이 설정되지 않았습니다. 관리자에게 문의하세요.",
    # templates and pages
    "no_default_set": "이 카테고리에는 기본 템플릿 세트가 없습니다.",
    "empty_template_set": "템플릿 세트가 비어 있습니다.",
    "default_set_conflict": "이 카테고리에는 이미 기본 템플릿 세트가 있습니다.",
    "template_in_use": "사용 중인 템플릿이라 삭제할 수 없습니다.",
    "category_exists": "같은 이름의 카테고리가 이미 있습니다.",
}


def request_language() -> str:
    """'ko' or 'en': the language LocaleMiddleware chose for this request."""
    return "ko" if (translation.get_language() or "").lower().startswith("ko") else "en"


def localized_message(code: str, message: str, extra: dict | None = None,
                      fields: dict | None = None, *, language: str | None = None) -> str:
    """The message for `code` in the request's language; `message` (English) otherwise.

    For a validation error the first field's problem follows (Django and DRF translate those
    themselves), so a single line still says what to fix.
    """
    if (language or request_language()) != "ko" or code not in _KO_MESSAGES:
        return message
    template = _KO_MESSAGES[code]
    try:
        text = template(extra or {}) if callable(template) else template
    except (KeyError, TypeError, ValueError):  # a figure is missing: the English sentence has it
        return message
    if fields and code in ("invalid", "invalid_input"):
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
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    for key, value in (extra or {}).items():
        body.setdefault(key, value)  # figures never overwrite code, message or fields
    return body


def _localized_body(code: str, message: str, fields: dict | None = None,
                    extra: dict | None = None) -> dict:
    return error_body(code, localized_message(code, message, extra, fields), fields, extra)


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if is_unavailable(exc):  # the database or the broker is down: 503, never 500
        log_unavailable(exc, context.get("request"))
        return Response(_localized_body("service_unavailable", UNAVAILABLE_MESSAGE), status=503,
                        headers={"Retry-After": str(retry_after_seconds())})
    if isinstance(exc, ApplicationError):
        return Response(_localized_body(exc.code, exc.message, exc.fields, exc.extra),
                        status=exc.status_code, headers=exc.headers)
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
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        response.data = _localized_body("invalid", _first_message(fields), fields)
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    detail = getattr(exc, "detail", str(exc))
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        message = str(detail.get("detail", "Authentication failed."))
        code = str(detail.get("code", code))
    else:
        message = str(detail)
        code = getattr(detail, "code", None) or code
    if isinstance(exc, exceptions.PermissionDenied) and message.startswith("CSRF Failed"):
        code = "csrf_failed"  # SessionAuthentication's refusal: the client should fetch a new token
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after_seconds"] = int(exc.wait + 0.999)
    response.data = _localized_body(code, message, extra=extra)
    return response
