"""The error-code registry: every `code` the API answers and every `error.code` a job ends with.

Clients key on these codes (the web app maps each to words), so a code is a contract: add one
here before raising it, never rename one. Each carries the HTTP status it is answered with (for a
code that ends a job: the status that failure stands for; the seed endpoints answer a few of them
with it, see generation/compat.py), an English sentence (what it means, for the schema) and the
Korean message shown to Korean readers. Looking up an unknown code raises ValueError, so a code
that is not registered fails where it is raised (in the tests), not in a client.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

KoreanMessage = str | Callable[[dict], str]


def _megabytes(value: Any) -> str:
    return f"{int(value) / (1024 * 1024):.1f}"


def _ko_queue_full(extra: dict) -> str:
    if extra.get("limit") == 0:
        return (
            "실행 중인 작업이 끝나야 새 작업을 넣을 수 있습니다(대기 가능한 작업 수: 0개). "
            "작업이 끝나기를 기다리거나 하나를 취소한 뒤 다시 시도하세요."
        )
    return (
        f"대기 중인 작업이 이미 {extra['waiting']}개로, 한 번에 대기할 수 있는 최대 개수"
        f"({extra['limit']}개)입니다. 작업이 시작되기를 기다리거나 하나를 취소한 뒤 다시 시도하세요."
    )


def _ko_storage_quota(extra: dict) -> str:
    return (
        f"저장 공간을 모두 사용했습니다({_megabytes(extra['used_bytes'])} MB / "
        f"{_megabytes(extra['quota_bytes'])} MB, 휴지통과 썸네일 포함). "
        "이미지를 삭제하고 휴지통을 비운 뒤 다시 시도하세요."
    )


def _ko_throttled(extra: dict) -> str:
    return f"요청이 너무 많습니다. {int(extra['retry_after_seconds'])}초 후에 다시 시도하세요."


class ErrorCode(StrEnum):
    """A registered error code; compares equal to its string (`ErrorCode.NOT_FOUND == "not_found"`)."""

    status: int
    english: str
    korean: KoreanMessage

    def __new__(cls, value: str, status: int, english: str, korean: KoreanMessage) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.english = english
        member.korean = korean
        return member

    def korean_message(self, extra: dict) -> str:
        """The Korean message; KeyError/TypeError/ValueError when a figure it shows is missing."""
        return self.korean(extra) if callable(self.korean) else self.korean

    # --- requests and accounts ---
    INVALID = (
        "invalid",
        400,
        "The request is invalid; `fields` names each field and its problem.",
        "입력값을 확인하세요.",
    )
    PARSE_ERROR = ("parse_error", 400, "The request body cannot be read.", "요청 본문을 읽을 수 없습니다.")
    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        413,
        "The request body is too large.",
        "요청 본문이 너무 큽니다.",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        415,
        "Unsupported request media type.",
        "지원하지 않는 요청 형식입니다.",
    )
    NOT_ACCEPTABLE = (
        "not_acceptable",
        406,
        "The asked-for response format is not available.",
        "요청한 응답 형식을 지원하지 않습니다.",
    )
    METHOD_NOT_ALLOWED = ("method_not_allowed", 405, "Method not allowed.", "허용되지 않는 요청 방식입니다.")
    NOT_FOUND = ("not_found", 404, "No such object, or not yours.", "찾을 수 없습니다.")
    FILE_MISSING = ("file_missing", 404, "The file is missing from storage.", "파일을 찾을 수 없습니다.")
    NOT_AUTHENTICATED = ("not_authenticated", 401, "Sign-in required.", "로그인이 필요합니다.")
    AUTHENTICATION_FAILED = (
        "authentication_failed",
        401,
        "Authentication failed; sign in again.",
        "인증에 실패했습니다. 다시 로그인하세요.",
    )
    TOKEN_NOT_VALID = (
        "token_not_valid",
        401,
        "The token is invalid or expired; sign in again.",
        "토큰이 유효하지 않거나 만료되었습니다. 다시 로그인하세요.",
    )
    INVALID_CREDENTIALS = (
        "invalid_credentials",
        401,
        "Wrong username or password.",
        "아이디 또는 비밀번호가 올바르지 않습니다.",
    )
    PERMISSION_DENIED = ("permission_denied", 403, "You may not do this.", "이 작업을 할 권한이 없습니다.")
    CSRF_FAILED = (
        "csrf_failed",
        403,
        "The CSRF token is missing or wrong; reload and try again.",
        "보안 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로고침한 뒤 다시 시도하세요.",
    )
    THROTTLED = (
        "throttled",
        429,
        "Too many requests; `retry_after_seconds` (and Retry-After) says when.",
        _ko_throttled,
    )
    INVALID_SIGNATURE = (
        "invalid_signature",
        401,
        "The webhook signature does not match.",
        "웹훅 서명이 맞지 않습니다.",
    )
    URL_NOT_ALLOWED = (
        "url_not_allowed",
        400,
        "The URL may not be fetched (not public http(s)).",
        "가져올 수 없는 URL입니다(공개된 http(s) 주소만 가능합니다).",
    )
    FETCH_FAILED = (
        "fetch_failed",
        400,
        "The image could not be fetched from the URL.",
        "URL에서 이미지를 가져올 수 없습니다.",
    )
    INTERNAL_ERROR = ("internal_error", 500, "Something went wrong on our side.", "서버 오류가 발생했습니다.")
    ERROR = ("error", 400, "The request could not be handled.", "요청을 처리하지 못했습니다.")
    CONFLICT = (
        "conflict",
        409,
        "Conflicts with another change; reload and try again.",
        "다른 변경과 충돌했습니다. 새로고침한 뒤 다시 시도하세요.",
    )

    # --- limits ---
    QUEUE_FULL = (
        "queue_full",
        429,
        "Your queue is full (`limit`, `waiting`, `running`, `max_concurrent`).",
        _ko_queue_full,
    )
    LIMIT_EXCEEDED = ("limit_exceeded", 429, "A limit was reached.", "한도를 넘었습니다.")
    STORAGE_QUOTA_EXCEEDED = (
        "storage_quota_exceeded",
        409,
        "Your storage quota is used up (`used_bytes`, `quota_bytes`).",
        _ko_storage_quota,
    )

    # --- jobs: refusals ---
    JOB_FINISHED = (
        "job_finished",
        409,
        "The job has finished and cannot be canceled.",
        "이미 끝난 작업이라 취소할 수 없습니다.",
    )
    JOB_NOT_FINISHED = (
        "job_not_finished",
        409,
        "Only a finished job can be retried.",
        "끝난 작업만 다시 실행할 수 있습니다.",
    )
    JOB_INPUTS_EXPIRED = (
        "job_inputs_expired",
        409,
        "The job's input files were removed after JOB_INPUT_RETENTION_DAYS; it cannot be retried.",
        "보관 기간이 지나 작업의 입력 이미지가 삭제되어 다시 실행할 수 없습니다.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        409,
        "The Idempotency-Key was used for a different request.",
        "이 Idempotency-Key는 이미 다른 요청에 사용되었습니다.",
    )

    # --- jobs: how they end (job.error.code) ---
    CANCELED = ("canceled", 409, "The job was canceled.", "취소된 작업입니다.")
    FAILED = ("failed", 502, "The job failed.", "작업이 실패했습니다.")
    MODERATED = (
        "moderated",
        422,
        "The provider's safety check blocked the result.",
        "안전성 검사에서 차단되었습니다.",
    )
    TIMEOUT = (
        "timeout",
        504,
        "The job took longer than JOB_TIMEOUT_SECONDS.",
        "이미지 생성 시간이 초과되었습니다",
    )  # seed 000/001's wording, as its frontend shows it
    TIMED_OUT = ("timed_out", 504, "The job timed out.", "이미지 생성 시간이 초과되었습니다")
    PAGE_TIMEOUT = (
        "page_timeout",
        504,
        "The product page took longer than its budget.",
        "상세페이지 생성 시간이 초과되었습니다.",
    )
    SUBMIT_INTERRUPTED = (
        "submit_interrupted",
        502,
        "The server stopped while sending the job; it was not sent again (no double charge): retry it.",
        "작업을 보내는 중에 서버가 중단되었습니다. 중복 결제를 막기 위해 다시 보내지 않았으니 "
        "다시 실행하세요.",
    )
    INVALID_INPUT = (
        "invalid_input",
        422,
        "The job's inputs do not suit its provider.",
        "입력값을 확인하세요.",
    )

    # --- service state (preflight) ---
    SERVICE_UNAVAILABLE = (
        "service_unavailable",
        503,
        "A service the request needs is unavailable; Retry-After says when to try again.",
        "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
    )
    WORKERS_DOWN = (
        "workers_down",
        503,
        "No worker is running, so jobs would not start.",
        "작업을 처리할 워커가 실행 중이지 않아 작업이 시작되지 않습니다. 잠시 후 다시 시도하세요.",
    )
    STORAGE_FULL = (
        "storage_full",
        503,
        "The server's storage is full.",
        "서버 저장 공간이 가득 차 지금은 결과를 저장할 수 없습니다.",
    )
    STORAGE_UNAVAILABLE = (
        "storage_unavailable",
        503,
        "Storage cannot be written.",
        "지금은 결과를 저장할 수 없습니다(저장소에 쓸 수 없음).",
    )

    # --- image providers ---
    PROVIDER_ERROR = (
        "provider_error",
        502,
        "The image provider failed.",
        "이미지 생성 서비스에서 오류가 발생했습니다.",
    )
    PROVIDER_FAILED = (
        "provider_failed",
        502,
        "The image provider could not make the image.",
        "이미지 생성에 실패했습니다.",
    )
    PROVIDER_UNAVAILABLE = (
        "provider_unavailable",
        503,
        "The image provider cannot be reached.",
        "이미지 생성 서비스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
    )
    PROVIDER_TIMEOUT = (
        "provider_timeout",
        504,
        "The image provider did not answer in time.",
        "이미지 생성 서비스가 응답하지 않습니다.",
    )
    PROVIDER_RATE_LIMITED = (
        "provider_rate_limited",
        503,
        "The image provider is busy.",
        "이미지 생성 서비스가 바쁩니다. 잠시 후 다시 시도하세요.",
    )
    PROVIDER_AUTH = (
        "provider_auth",
        502,
        "The image provider refused our credentials.",
        "이미지 생성 서비스 인증에 실패했습니다. 관리자에게 문의하세요.",
    )
    PROVIDER_CREDITS = (
        "provider_credits",
        502,
        "The image provider account is out of credits.",
        "이미지 생성 서비스의 크레딧이 부족합니다. 관리자에게 문의하세요.",
    )
    PROVIDER_NOT_CONFIGURED = (
        "provider_not_configured",
        503,
        "The image provider is not configured.",
        "이미지 생성 서비스가 설정되지 않았습니다. 관리자에게 문의하세요.",
    )
    PROVIDER_MISCONFIGURED = (
        "provider_misconfigured",
        503,
        "The image provider is configured wrongly.",
        "이미지 생성 서비스 설정이 잘못되었습니다. 관리자에게 문의하세요.",
    )
    PROVIDER_UNKNOWN = (
        "provider_unknown",
        503,
        "An unknown image provider is configured.",
        "알 수 없는 이미지 생성 서비스가 설정되어 있습니다. 관리자에게 문의하세요.",
    )
    PROVIDER_REJECTED = (
        "provider_rejected",
        502,
        "The image provider rejected the request.",
        "이미지 생성 서비스가 요청을 거부했습니다.",
    )
    PROVIDER_BAD_RESPONSE = (
        "provider_bad_response",
        502,
        "The image provider's answer cannot be used.",
        "이미지 생성 서비스의 응답을 처리할 수 없습니다.",
    )
    PROVIDER_NOT_FOUND = (
        "provider_not_found",
        502,
        "The image provider does not know the task or model.",
        "이미지 생성 서비스에서 작업을 찾을 수 없습니다.",
    )
    PROVIDER_RESULT_EXPIRED = (
        "provider_result_expired",
        502,
        "The result link expired; retry the job.",
        "결과 링크가 만료되었습니다. 다시 실행하세요.",
    )
    PROVIDER_TASK_LOST = (
        "provider_task_lost",
        502,
        "The image provider lost the task; retry the job.",
        "이미지 생성 서비스가 작업을 잃어버렸습니다. 다시 실행하세요.",
    )
    PROVIDER_CANCELED = (
        "provider_canceled",
        502,
        "The image provider canceled the task.",
        "이미지 생성 서비스에서 작업이 취소되었습니다.",
    )
    PROVIDER_UNSUPPORTED = (
        "provider_unsupported",
        400,
        "The configured provider cannot do this.",
        "선택된 서비스에서는 이 작업을 지원하지 않습니다.",
    )

    # --- the writing model (translations, product pages) ---
    LLM_ERROR = ("llm_error", 502, "The writing model failed.", "글쓰기 모델에서 오류가 발생했습니다.")
    LLM_UNAVAILABLE = (
        "llm_unavailable",
        503,
        "The writing model cannot be reached.",
        "글쓰기 모델에 연결할 수 없습니다.",
    )
    LLM_TIMEOUT = (
        "llm_timeout",
        504,
        "The writing model did not answer in time.",
        "글쓰기 모델이 응답하지 않습니다.",
    )
    LLM_BAD_OUTPUT = (
        "llm_bad_output",
        502,
        "The writing model's answer cannot be used.",
        "글쓰기 모델의 답을 처리할 수 없습니다.",
    )
    LLM_REFUSED = (
        "llm_refused",
        502,
        "The writing model refused the task.",
        "글쓰기 모델이 요청을 거절했습니다.",
    )
    LLM_REJECTED = (
        "llm_rejected",
        502,
        "The writing model rejected the request.",
        "글쓰기 모델이 요청을 거부했습니다.",
    )
    LLM_RATE_LIMITED = (
        "llm_rate_limited",
        503,
        "The writing model is busy.",
        "글쓰기 모델이 바쁩니다. 잠시 후 다시 시도하세요.",
    )
    LLM_AUTH = (
        "llm_auth",
        502,
        "The writing model refused our credentials.",
        "글쓰기 모델 인증에 실패했습니다. 관리자에게 문의하세요.",
    )
    LLM_CREDITS = (
        "llm_credits",
        502,
        "The writing model account is out of credits.",
        "글쓰기 모델의 크레딧이 부족합니다. 관리자에게 문의하세요.",
    )
    LLM_NOT_CONFIGURED = (
        "llm_not_configured",
        503,
        "The writing model is not configured.",
        "글쓰기 모델이 설정되지 않았습니다. 관리자에게 문의하세요.",
    )

    # --- templates and pages ---
    NO_DEFAULT_SET = (
        "no_default_set",
        400,
        "The category has no default template set.",
        "이 카테고리에는 기본 템플릿 세트가 없습니다.",
    )
    EMPTY_TEMPLATE_SET = (
        "empty_template_set",
        400,
        "The template set has no active templates.",
        "템플릿 세트가 비어 있습니다.",
    )
    DEFAULT_SET_CONFLICT = (
        "default_set_conflict",
        409,
        "The category already has a default template set.",
        "이 카테고리에는 이미 기본 템플릿 세트가 있습니다.",
    )
    TEMPLATE_IN_USE = (
        "template_in_use",
        409,
        "The template is in use and cannot be deleted.",
        "사용 중인 템플릿이라 삭제할 수 없습니다.",
    )
    TEMPLATE_GONE = (
        "template_gone",
        409,
        "The block's template no longer exists.",
        "이 블록의 템플릿이 더 이상 없습니다.",
    )
    BLOCK_NOT_FOUND = (
        "block_not_found",
        404,
        "The page has no block at this index.",
        "페이지에 해당 블록이 없습니다.",
    )
    NO_IMAGE_SLOT = (
        "no_image_slot",
        400,
        "The block has no image to replace.",
        "이 블록에는 바꿀 이미지가 없습니다.",
    )
    CATEGORY_EXISTS = (
        "category_exists",
        409,
        "A category with this slug already exists.",
        "같은 이름의 카테고리가 이미 있습니다.",
    )


_BY_CODE: dict[str, ErrorCode] = {member.value: member for member in ErrorCode}


def registered_code(code: str) -> ErrorCode | None:
    """The registered code spelled `code`, None for a string that is not one."""
    return _BY_CODE.get(code)


def error_code(code: str) -> ErrorCode:
    """The registered code; ValueError (loudly, with the code) for one that is not registered."""
    member = _BY_CODE.get(code)
    if member is None:
        raise ValueError(f"{code!r} is not a registered error code (config/error_codes.py).")
    return member


def error_code_choices() -> list[tuple[str, str]]:
    """(code, "status: meaning") for every code: the schema's ErrorCode enum and its description."""
    return [(code.value, f"{code.status}: {code.english}") for code in ErrorCode]
