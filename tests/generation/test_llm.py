"""The LLM seam: language detection, the offline LLM, and the `openai` SDK against a fake
OpenAI-compatible server on loopback (the only stand-in)."""

from __future__ import annotations

import asyncio
import time

import pytest

from generation.llm import LLM_MAX_ATTEMPTS, LLMError, detect_language, get_llm, register_local_task
from generation.providers.base import ProviderError, ProviderNotConfigured
from tests.fakes.openai_server import FakeOpenAIServer, Reply

API_KEY = "sk-test-key-123"
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "bullets": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "bullets"],
    "additionalProperties": False,
}
GOOD = {"title": "Fresh coffee", "bullets": ["Roasted today", "Whole beans"]}


@pytest.fixture
def fake(settings):
    with FakeOpenAIServer(api_key=API_KEY) as server:
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_API_KEY = API_KEY
        settings.OPENAI_BASE_URL = server.base_url
        settings.LLM_MODEL = "gpt-4o-mini"
        settings.LLM_TIMEOUT_SECONDS = 5
        yield server


def complete(**overrides):
    request = {
        "task": "page_copy",
        "system": "You write product pages.",
        "user": "A coffee bag.",
        "schema": SCHEMA,
    } | overrides
    return get_llm().complete_json(**request)


def llm_error(**overrides) -> LLMError:
    with pytest.raises(LLMError) as caught:
        complete(**overrides)
    return caught.value


# --- language detection ---


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("병을 나무 테이블 위에 올려줘", "ko"),
        ("Nike 운동화를 흰 배경에 놓아줘", "ko"),
        ("ボトルを木のテーブルの上に置いてください", "ja"),
        ("把瓶子放在木桌上", "zh"),
        ("Поставь бутылку на деревянный стол", "ru"),
        ("Put the bottle on a wooden table", "en"),
        ("Add the text '안녕하세요' to the mug", "en"),
        ("Coloca la botella sobre una mesa de madera", "es"),
        ("Mets la bouteille sur la table en bois", "fr"),
        ("Stell die Flasche auf den Holztisch und mach den Hintergrund weiß", "de"),
        ("Coloque a garrafa sobre a mesa", "pt"),
        ("Metti la bottiglia sul tavolo", "it"),
        ("Đặt chai lên bàn gỗ", "vi"),
        ("", "und"),
        ("123 !!!", "und"),
    ],
)
def test_language_is_detected_by_script_and_common_words(text, language):
    assert detect_language(text) == language


# --- the offline LLM ---


def test_the_local_llm_is_the_default_and_ready_offline(settings):
    settings.LLM_PROVIDER = "local"
    llm = get_llm()
    assert (llm.name, llm.model) == ("local", "local")
    assert llm.probe() == (True, "offline LLM")


def test_the_local_llm_passes_korean_through_and_says_so(settings):
    settings.LLM_PROVIDER = "local"
    translation = get_llm().translate_to_english("병을 나무 테이블 위에 올려줘")
    assert translation.text == "병을 나무 테이블 위에 올려줘"
    assert translation.source_language == "ko"
    assert translation.translated is False
    assert translation.model == "local"
    assert translation.note == (
        "Not translated: the offline LLM cannot translate Korean, so the prompt was sent as written."
    )


def test_a_registered_local_task_answers_json_tasks_validated_against_the_schema(settings):
    settings.LLM_PROVIDER = "local"
    register_local_task(
        "test_local_copy",
        lambda context, schema: {
            "title": context["product"].title(),
            "bullets": [f"Made for {context['product']}"],
        },
    )
    result = complete(task="test_local_copy", context={"product": "coffee"})
    assert result.data == {"title": "Coffee", "bullets": ["Made for coffee"]}
    assert (result.model, result.prompt_tokens, result.completion_tokens) == ("local", 0, 0)


def test_a_local_task_answering_outside_the_schema_is_bad_output(settings):
    settings.LLM_PROVIDER = "local"
    register_local_task("test_local_sloppy", lambda context, schema: {"title": ""})
    error = llm_error(task="test_local_sloppy")
    assert error.code == "llm_bad_output"
    assert "test_local_sloppy" in error.message


def test_an_unregistered_local_task_is_bad_output_naming_the_task(settings):
    settings.LLM_PROVIDER = "local"
    error = llm_error(task="no_such_task")
    assert error.code == "llm_bad_output"
    assert "no_such_task" in error.message


# --- translation through the OpenAI SDK ---


def test_korean_is_translated_by_the_configured_model(fake):
    fake.queue(Reply.text("Put the bottle on a wooden table"))
    translation = get_llm().translate_to_english("병을 나무 테이블 위에 올려줘")
    assert translation.text == "Put the bottle on a wooden table"
    assert translation.translated is True
    assert translation.source_language == "ko"
    assert translation.model == "gpt-4o-mini"
    assert translation.note == "Translated from Korean by gpt-4o-mini."
    [request] = fake.requests
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["messages"][-1] == {"role": "user", "content": "병을 나무 테이블 위에 올려줘"}


def test_a_translation_is_retried_through_a_server_error(fake):
    fake.queue(Reply.server_error(502), Reply.text("Put the bottle on a wooden table"))
    assert get_llm().translate_to_english("병을 나무 테이블 위에 올려줘").translated is True
    assert len(fake.chat_requests) == 2


def test_english_is_not_sent_to_the_model(fake):
    translation = get_llm().translate_to_english("Put the bottle on a wooden table")
    assert translation.text == "Put the bottle on a wooden table"
    assert (translation.source_language, translation.translated) == ("en", False)
    assert fake.requests == []


# --- JSON tasks through the OpenAI SDK ---


def test_structured_output_round_trip_requests_the_json_schema(fake):
    fake.queue(Reply.json(GOOD, usage={"prompt_tokens": 120, "completion_tokens": 30}))
    result = complete()
    assert result.data == GOOD
    assert (result.model, result.prompt_tokens, result.completion_tokens) == ("gpt-4o-mini", 120, 30)
    [body] = fake.chat_requests
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "page_copy", "strict": True, "schema": SCHEMA},
    }


def test_the_async_call_gives_the_same_answer(fake):
    fake.queue(Reply.json(GOOD))
    result = asyncio.run(get_llm().acomplete_json(task="page_copy", system="s", user="u", schema=SCHEMA))
    assert result.data == GOOD


def test_a_server_without_json_schema_gets_json_mode_with_the_schema_in_the_prompt(fake):
    fake.supports_json_schema = False
    fake.queue(Reply.json(GOOD))
    assert complete().data == GOOD
    rejected, accepted = fake.chat_requests
    assert rejected["response_format"]["type"] == "json_schema"
    assert accepted["response_format"] == {"type": "json_object"}
    assert '"additionalProperties": false' in accepted["messages"][0]["content"]


def test_a_server_without_any_json_mode_gets_plain_text_and_the_answer_is_still_validated(fake):
    fake.supports_json_schema = fake.supports_json_object = False
    fake.queue(Reply.text(f"Here you go:\n```json\n{Reply.json(GOOD).content}\n```"))
    assert complete().data == GOOD
    assert [body.get("response_format", {}).get("type") for body in fake.chat_requests] == [
        "json_schema",
        "json_object",
        None,
    ]


def test_an_answer_that_is_not_json_is_asked_again_in_the_next_format_until_the_attempts_run_out(fake):
    fake.responder = lambda body: Reply.malformed()
    error = llm_error()
    assert (error.code, error.permanent) == ("llm_bad_output", True)
    assert "the task 'page_copy'" in error.message and "not a JSON object" in error.message
    # The server ignored json_schema, so each new ask steps down a format and says what was wrong.
    _first, second, third = fake.chat_requests
    assert [body.get("response_format", {}).get("type") for body in fake.chat_requests] == [
        "json_schema",
        "json_object",
        None,
    ]
    assert "not a JSON object" in second["messages"][-1]["content"]
    assert "not a JSON object" in third["messages"][-1]["content"]


def test_an_invalid_answer_followed_by_a_valid_one_succeeds(fake):
    fake.queue(Reply.json({"title": "Fresh coffee"}), Reply.json(GOOD))
    result = complete()
    assert result.data == GOOD
    assert len(fake.chat_requests) == 2
    assert result.prompt_tokens > 0 and result.completion_tokens > 0


def test_an_answer_violating_the_schema_is_asked_again_with_the_error_then_bad_output(fake):
    fake.queue(
        Reply.json({"title": "Fresh coffee"}),
        Reply.json({"title": 7, "bullets": []}),
        Reply.json({"bullets": []}),
    )
    error = llm_error()
    assert (error.code, error.permanent) == ("llm_bad_output", True)
    assert len(fake.chat_requests) == LLM_MAX_ATTEMPTS
    _first, second, third = fake.chat_requests
    assert second["response_format"]["type"] == "json_schema"
    assert "'bullets' is a required property" in second["messages"][-1]["content"]
    assert "7 is not of type 'string'" in third["messages"][-1]["content"]


def test_a_callers_check_rejecting_an_answer_asks_again_with_its_reason(fake):
    fake.queue(Reply.json({"title": "Tea", "bullets": []}), Reply.json(GOOD))

    def check(data):
        if data["title"] == "Tea":
            raise ValueError("the title must name the coffee")
        return data["title"].upper()

    result = complete(check=check, what="the coffee page")
    assert (result.value, result.data, result.attempts) == ("FRESH COFFEE", GOOD, 2)
    assert "the title must name the coffee" in fake.chat_requests[1]["messages"][-1]["content"]


def test_a_refusal_is_llm_refused(fake):
    fake.queue(Reply.refused())
    assert llm_error().code == "llm_refused"


def test_an_answer_cut_off_at_the_token_limit_is_bad_output(fake):
    fake.queue(Reply.length())
    assert llm_error().code == "llm_bad_output"
    assert len(fake.chat_requests) == 1


# --- failures ---


def test_a_wrong_key_is_llm_auth_and_the_key_is_not_repeated(fake, settings):
    settings.OPENAI_API_KEY = "sk-wrong-key"
    error = llm_error()
    assert error.code == "llm_auth"
    assert error.permanent is True
    assert "sk-wrong-key" not in error.message
    assert fake.requests[0].headers["authorization"] == "Bearer sk-wrong-key"


def test_a_rate_limit_on_every_attempt_is_llm_rate_limited_and_transient(fake):
    fake.responder = lambda body: Reply.rate_limited(retry_after=0.05)
    error = llm_error()
    assert (error.code, error.permanent, error.retry_after_seconds) == ("llm_rate_limited", False, 0.05)
    assert len(fake.chat_requests) == LLM_MAX_ATTEMPTS


def test_a_rate_limit_is_retried_once_its_retry_after_has_passed(fake):
    fake.queue(Reply.rate_limited(retry_after=1), Reply.json(GOOD))
    started = time.monotonic()
    assert complete().data == GOOD
    assert time.monotonic() - started >= 1.0
    assert len(fake.chat_requests) == 2
    # The SDK's own retries are off (it counts its retries in this header): ours are the only layer.
    assert [request.headers.get("x-stainless-retry-count") for request in fake.requests] == ["0", "0"]


def test_an_exhausted_quota_is_llm_credits(fake):
    fake.queue(Reply.quota_exceeded())
    error = llm_error()
    assert (error.code, error.permanent) == ("llm_credits", True)


def test_a_server_error_on_every_attempt_is_llm_unavailable(fake):
    fake.responder = lambda body: Reply.server_error(500)
    error = llm_error()
    assert (error.code, error.permanent) == ("llm_unavailable", False)
    assert len(fake.chat_requests) == LLM_MAX_ATTEMPTS


def test_a_server_error_then_an_answer_succeeds(fake):
    fake.queue(Reply.server_error(503), Reply.json(GOOD))
    assert complete().data == GOOD
    assert len(fake.chat_requests) == 2


def test_a_server_that_is_down_is_llm_unavailable(settings):
    with FakeOpenAIServer(api_key=API_KEY) as server:
        base_url = server.base_url
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = API_KEY
    settings.OPENAI_BASE_URL = base_url
    assert llm_error().code == "llm_unavailable"


def test_a_server_hanging_past_the_timeout_is_llm_timeout(fake, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    fake.responder = lambda body: Reply.hang(10)
    error = llm_error()
    assert (error.code, error.permanent) == ("llm_timeout", False)
    assert len(fake.chat_requests) == LLM_MAX_ATTEMPTS


def test_a_missing_key_is_named_before_anything_is_sent(fake, settings):
    settings.OPENAI_API_KEY = ""
    llm = get_llm()
    with pytest.raises(ProviderNotConfigured) as caught:
        llm.check_configured()
    assert caught.value.variable == "OPENAI_API_KEY"
    assert "OPENAI_API_KEY" in caught.value.message
    assert isinstance(caught.value, LLMError) and isinstance(caught.value, ProviderError)
    assert caught.value.code == "llm_not_configured"
    with pytest.raises(ProviderNotConfigured):
        llm.translate_to_english("병을 테이블 위에 올려줘")
    assert fake.requests == []


def test_the_openai_probe_lists_the_models(fake):
    assert get_llm().probe() == (True, f"gpt-4o-mini at {fake.base_url.split('/')[2]}")
    assert fake.requests[0].path == "/v1/models"
