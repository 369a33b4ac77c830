"""A page block costs at most LLM_MAX_ATTEMPTS (3) LLM calls whatever goes wrong: the LLM path has
one retry layer (generation.llm's), and the page pipeline adds none. Counted at the fake
OpenAI-compatible server on loopback, with the real `openai` SDK and the real pipeline."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
from asgiref.sync import async_to_sync

from generation.llm import LLM_MAX_ATTEMPTS, LLMError, get_llm
from templates_app.models import Page, Template
from templates_app.pages import page_generate
from templates_app.selectors import page_template_ids_resolve
from tests.fakes.openai_server import FakeOpenAIServer, Reply, page_answer, page_task
from tests.templates_app.conftest import KOREAN_PRODUCT

assert LLM_MAX_ATTEMPTS == 3


@pytest.fixture
def fake_llm(settings):
    with FakeOpenAIServer() as fake:
        settings.LLM_PROVIDER, settings.OPENAI_API_KEY = "openai", fake.api_key
        settings.OPENAI_BASE_URL, settings.LLM_TIMEOUT_SECONDS = fake.base_url, 5
        yield fake


def _write(user, template_ids: list[int]):
    return async_to_sync(page_generate)(
        llm=get_llm(),
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=template_ids,
        language="ko",
        with_images=False,
    )


def _block_calls(fake) -> Counter:
    """Block calls per block, told apart by the block line of their prompt."""
    return Counter(
        next(line for line in body["messages"][1]["content"].splitlines() if line.startswith("Block: "))
        for body in fake.chat_requests
        # A call canceled with its page before its body was sent reached no model.
        if "messages" in body and page_task(body)[0] == "page_block"
    )


def _plan_calls(fake) -> int:
    return sum(1 for body in fake.chat_requests if "messages" in body and page_task(body)[0] == "page_plan")


def _javascript_button(body):
    answer = page_answer(body)
    return Reply.json({**answer, "button_url": "javascript:alert(1)"} if "button_url" in answer else answer)


FAILURES = {
    "malformed JSON": (lambda body: Reply.malformed(), "llm_bad_output"),
    "429 with Retry-After": (lambda body: Reply.rate_limited(retry_after=0.05), "llm_rate_limited"),
    "500": (lambda body: Reply.server_error(500), "llm_unavailable"),
    "503": (lambda body: Reply.server_error(503), "llm_unavailable"),
    "prose in every format": (lambda body: Reply.text("Sure! Here is a great block."), "llm_bad_output"),
    "content the block refuses": (_javascript_button, "llm_bad_output"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_block_failing_every_call_costs_at_most_three_calls(user, catalogue, fake_llm, failure):
    respond, code = FAILURES[failure]
    cta = Template.objects.get(name="Beauty · Call to action")  # has a URL slot to refuse
    fake_llm.responder = lambda body: (
        Reply.json(page_answer(body)) if page_task(body)[0] == "page_plan" else respond(body)
    )
    with pytest.raises(LLMError) as caught:
        _write(user, [cta.id])
    assert caught.value.code == code
    assert _plan_calls(fake_llm) == 1
    assert list(_block_calls(fake_llm).values()) == [LLM_MAX_ATTEMPTS]
    assert not Page.objects.exists()


def test_server_errors_and_malformed_answers_in_turn_cost_at_most_three_calls(user, catalogue, fake_llm):
    # Before one retry layer this cost 12 calls: the SDK's retries, inside the client's re-ask,
    # inside the pipeline's own retry.
    turns = itertools.cycle([Reply.server_error(500), Reply.server_error(500), Reply.malformed()])
    fake_llm.responder = lambda body: (
        Reply.json(page_answer(body)) if page_task(body)[0] == "page_plan" else next(turns)
    )
    with pytest.raises(LLMError) as caught:
        _write(user, [Template.objects.get(name="Food · FAQ").id])
    assert caught.value.code == "llm_bad_output"
    assert list(_block_calls(fake_llm).values()) == [LLM_MAX_ATTEMPTS]


def test_a_server_refusing_every_answer_format_costs_at_most_three_calls(user, catalogue, fake_llm):
    fake_llm.supports_json_schema = fake_llm.supports_json_object = False
    fake_llm.responder = lambda body: Reply.text("Here is the block, in prose.")
    with pytest.raises(LLMError) as caught:
        _write(user, [Template.objects.get(name="Food · FAQ").id])
    # The plan: json_schema refused, json_object refused, then prose where JSON was asked for.
    assert caught.value.code == "llm_bad_output"
    assert len(fake_llm.chat_requests) == LLM_MAX_ATTEMPTS


def test_a_hanging_server_costs_at_most_three_calls_per_block(user, catalogue, fake_llm, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    faq = Template.objects.get(name="Food · FAQ")
    fake_llm.queue(
        Reply.json(
            {
                "title": "x",
                "blocks": [{"template_id": faq.id, "brief": "", "wants_image": False, "image_prompt": ""}],
            }
        )
    )
    fake_llm.responder = lambda body: Reply.hang(10)
    with pytest.raises(LLMError) as caught:
        _write(user, [faq.id])
    assert caught.value.code == "llm_timeout"
    assert list(_block_calls(fake_llm).values()) == [LLM_MAX_ATTEMPTS]


def test_every_block_of_a_failing_page_stays_within_three_calls(user, catalogue, fake_llm, settings):
    settings.PAGE_BLOCK_CONCURRENCY = 7
    ids = page_template_ids_resolve(category_id=catalogue["fashion"].id)
    # No block fails before every block's first call has reached the model: otherwise, on a
    # loaded machine, the page could end (canceling the rest) before a slow block sent anything.
    first_calls: set[str] = set()
    lock, all_in = threading.Lock(), threading.Event()

    def respond(body):
        if page_task(body)[0] == "page_plan":
            return Reply.json(page_answer(body))
        block = next(
            line for line in body["messages"][1]["content"].splitlines() if line.startswith("Block: ")
        )
        with lock:
            first_calls.add(block)
            if len(first_calls) == len(ids):
                all_in.set()
        all_in.wait(30)  # a deadline: they all arrive within milliseconds when nothing is wrong
        return Reply.server_error(503)

    fake_llm.responder = respond
    with pytest.raises(LLMError):
        _write(user, ids)
    calls = _block_calls(fake_llm)
    assert _plan_calls(fake_llm) == 1 and len(calls) == len(ids)
    assert max(calls.values()) <= LLM_MAX_ATTEMPTS
    assert len(fake_llm.chat_requests) <= 1 + LLM_MAX_ATTEMPTS * len(ids)


def test_a_block_that_recovers_on_its_last_attempt_is_written(user, catalogue, fake_llm):
    faq = Template.objects.get(name="Food · FAQ")
    plan = {
        "title": "감귤 주스",
        "blocks": [{"template_id": faq.id, "brief": "", "wants_image": False, "image_prompt": ""}],
    }
    fake_llm.queue(Reply.json(plan), Reply.rate_limited(retry_after=0.05), Reply.server_error(502))
    fake_llm.responder = lambda body: Reply.json(page_answer(body))
    result = _write(user, [faq.id])
    assert result.blocks[0]["attempts"] == LLM_MAX_ATTEMPTS
    assert len(fake_llm.chat_requests) == 1 + LLM_MAX_ATTEMPTS
