"""The product-page pipeline, run for real: the local LLM offline, and the openai path against a
fake OpenAI-compatible server on loopback."""

import json
import threading
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from PIL import Image as PILImage
from rest_framework.test import APIClient

from gallery.imaging import prepared_from_image
from gallery.services import image_create
from generation.llm import LLM_MAX_ATTEMPTS, LLMError, get_llm
from templates_app.models import Page, Template, TemplateSet
from templates_app.pages import page_generate
from templates_app.selectors import page_template_ids_resolve
from tests.fakes.openai_server import FakeOpenAIServer, Reply, page_answer, page_task
from tests.templates_app.conftest import KOREAN_PRODUCT, dangerous_markup


def generate(**arguments):
    return async_to_sync(page_generate)(llm=get_llm(), **arguments)


def _default_ids(category) -> list[int]:
    return page_template_ids_resolve(category_id=category.id)


def _usage(ids) -> dict[int, int]:
    return dict(Template.objects.filter(pk__in=ids).values_list("id", "usage_count"))


# --- the local LLM ----------------------------------------------------------------------------


def test_korean_product_text_makes_a_complete_korean_page_in_the_sets_order(user, catalogue):
    ids = _default_ids(catalogue["fashion"])
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=ids,
        language=None,
        with_images=False,
    )
    assert (result.language, result.title) == ("ko", "린넨 와이드 팬츠")
    assert [block["template_id"] for block in result.blocks] == ids
    assert [block["block_type"] for block in result.blocks] == [
        "Introduction",
        "KeyFeatures",
        "Specs",
        "HowToUse",
        "Reviews",
        "FAQ",
        "CallToAction",
    ]
    page = result.html
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ko"' in page
    sections = ["pp-hero", "pp-features", "pp-specs", "pp-steps", "pp-reviews", "pp-faq", "pp-cta"]
    positions = [page.index(f'class="pp {name}') for name in sections]
    assert positions == sorted(positions)
    for fact in (
        "린넨 와이드 팬츠",
        "통기성이 뛰어난 유럽산 린넨 원단",
        '<th scope="row">소재</th><td>린넨 100%</td>',
        "찬물에 단독 손세탁하세요.",
        "생각보다 훨씬 시원하고 핏이 예뻐요",
        "김** 고객님",
        "4.8",
        "소재는 어떻게 되나요?",
        "59,000원",
        "지금 린넨 와이드 팬츠를 만나보세요",
        "이런 점이 특별해요",
    ):
        assert fact in page, fact
    assert dangerous_markup(page) == []


def test_each_block_records_its_provenance_and_the_page_is_stored(user, catalogue):
    ids = _default_ids(catalogue["food"])
    Template.objects.filter(pk=ids[0]).update(revision=4)
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name="여름 린넨 팬츠",
        template_ids=ids,
        language="ko",
        with_images=False,
    )
    first = result.blocks[0]
    assert first["template_revision"] == 4 and first["position"] == 1
    for block in result.blocks:
        assert block["model"] == "local" and block["attempts"] == 1
        assert block["prompt_tokens"] == 0 and block["completion_tokens"] == 0
        assert block["seconds"] >= 0 and block["content"]
    page = Page.objects.get(pk=result.page_id)
    assert (page.owner_id, page.title, page.language) == (user.id, "여름 린넨 팬츠", "ko")
    assert page.html == result.html
    assert page.blocks == result.blocks and page.plan["model"] == "local"
    assert len(page.product_info_sha256) == 64


def test_blocks_without_material_stay_on_the_page_sparse_and_invent_nothing(user, catalogue):
    ids = _default_ids(catalogue["electronics"])
    text = (
        "SoundLab S2 wireless earbuds\nHybrid noise cancelling cuts up to 35 dB.\n"
        "- 32 hours of playback with the case\n- IPX4 splash resistant\nBluetooth: 5.3\nWeight: 4.8 g\n"
    )
    result = generate(
        owner_id=user.id,
        product_info=text,
        product_name=None,
        template_ids=ids,
        language=None,
        with_images=False,
    )
    assert result.language == "en" and result.title == "SoundLab S2 wireless earbuds"
    assert [block["template_id"] for block in result.blocks] == ids  # every chosen template, in order
    assert [block["position"] for block in result.blocks] == [1, 2, 3, 4, 5, 6, 7]
    by_type = {block["block_type"]: block for block in result.blocks}
    assert [t for t, block in by_type.items() if block["sparse"]] == ["HowToUse", "Reviews"]
    # Nothing true to put there: the blocks are short, and no step or review is invented.
    assert by_type["Reviews"]["content"] == {"title": "What customers say", "summary": "No reviews yet."}
    assert "steps" not in by_type["HowToUse"]["content"]
    assert "No reviews yet." in result.html and '<figure class="pp-review">' not in result.html
    assert "Why you'll love it" in result.html and "What is the bluetooth?" in result.html
    plan = Page.objects.get(pk=result.page_id).plan
    assert plan["sparse"] == [ids[3], ids[4]] and plan["chosen"] == [ids[0], ids[1], ids[2], ids[5], ids[6]]


def test_usage_counts_count_only_templates_of_stored_pages(user, catalogue):
    ids = _default_ids(catalogue["electronics"])
    before = _usage(ids)
    result = generate(
        owner_id=user.id,
        product_info="Plain speaker\nLoud and clear sound for any room.",
        product_name=None,
        template_ids=ids,
        language="en",
        with_images=False,
    )
    used = {block["template_id"] for block in result.blocks}
    after = _usage(ids)
    assert {pk: after[pk] - before[pk] for pk in ids} == {pk: (1 if pk in used else 0) for pk in ids}
    with FakeOpenAIServer() as fake, _openai(fake), pytest.raises(LLMError):
        fake.responder = lambda body: Reply.malformed()  # a page that fails is not a use
        generate(
            owner_id=user.id,
            product_info=KOREAN_PRODUCT,
            product_name=None,
            template_ids=ids,
            language="ko",
            with_images=False,
        )
    assert _usage(ids) == after


def test_injected_markup_in_the_product_text_never_reaches_the_page(user, catalogue):
    text = (
        "<script>alert(1)</script> 위험한 상품\n- <img src=x onerror=alert(1)> 특징\n"
        '- <a href="javascript:alert(1)">링크</a>\n링크: javascript:alert(1)\n'
        '"<svg onload=alert(1)>" - 해커 고객님\n'
        "https://shop.example/p/1 에서 구매하세요."
    )
    result = generate(
        owner_id=user.id,
        product_info=text,
        product_name=None,
        template_ids=_default_ids(catalogue["beauty"]),
        language=None,
        with_images=False,
    )
    assert dangerous_markup(result.html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.html  # shown as the text it is
    assert 'href="https://shop.example/p/1"' in result.html  # a real link survives as a link


def test_blocks_that_want_an_image_get_one_from_make_image(user, catalogue):
    calls = []

    async def make_image(prompt: str):
        calls.append(prompt)
        picture = PILImage.new("RGB", (64, 80), (200, 180, 160))
        return await sync_to_async(image_create)(
            owner=user, prepared=prepared_from_image(picture, "png"), source="page", prompt=prompt
        )

    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=_default_ids(catalogue["living"]),
        language=None,
        with_images=True,
        make_image=make_image,
    )
    hero = result.blocks[0]
    assert len(calls) == 1 and "린넨 와이드 팬츠" in calls[0]  # only the hero has an image slot
    assert hero["image_id"] and f'src="/api/v1/images/{hero["image_id"]}/file"' in result.html
    assert all(block["image_id"] is None for block in result.blocks[1:])


def test_a_failing_image_leaves_the_page_complete_without_it(user, catalogue):
    async def make_image(prompt: str):
        raise RuntimeError("image provider down")

    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=_default_ids(catalogue["living"]),
        language=None,
        with_images=True,
        make_image=make_image,
    )
    assert len(result.blocks) == 7 and result.blocks[0]["image_id"] is None and "<img" not in result.html


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"product_info": ""}, "product_info"),
        ({"product_info": "x" * 20_001}, "product_info"),
        ({"template_ids": []}, "template_ids"),
        ({"language": "korean!"}, "language"),
    ],
)
def test_bad_inputs_are_refused_before_any_llm_call(user, catalogue, kwargs, field):
    from config.errors import InvalidInput

    arguments = {
        "owner_id": user.id,
        "product_info": "상품",
        "product_name": None,
        "template_ids": _default_ids(catalogue["food"]),
        "language": None,
        "with_images": False,
        **kwargs,
    }
    with pytest.raises(InvalidInput) as caught:
        generate(**arguments)
    assert field in caught.value.fields


def test_inactive_or_unknown_templates_are_refused(user, catalogue):
    from config.errors import InvalidInput

    ids = _default_ids(catalogue["food"])
    Template.objects.filter(pk=ids[0]).update(is_active=False)
    with pytest.raises(InvalidInput, match="not active"):
        generate(
            owner_id=user.id,
            product_info="상품",
            product_name=None,
            template_ids=ids,
            language=None,
            with_images=False,
        )
    with pytest.raises(InvalidInput, match="no template with id 999999"):
        generate(
            owner_id=user.id,
            product_info="상품",
            product_name=None,
            template_ids=[999999],
            language=None,
            with_images=False,
        )


def test_template_ids_resolve_from_a_set_a_list_or_the_categorys_default(catalogue):
    from config.errors import InvalidInput

    food = catalogue["food"]
    default = TemplateSet.objects.get(category=food, is_default=True)
    expected = list(default.items.order_by("position").values_list("template_id", flat=True))
    assert page_template_ids_resolve(category_id=food.id) == expected
    assert page_template_ids_resolve(template_set_id=default.id) == expected
    assert page_template_ids_resolve(template_ids=[3, 1]) == [3, 1]
    with pytest.raises(InvalidInput):
        page_template_ids_resolve(template_set_id=default.id, template_ids=[1])


# --- the openai path, against a fake server on loopback ------------------------------------------


class _openai:
    def __init__(self, fake):
        self.fake = fake

    def __enter__(self):
        from django.conf import settings

        self.saved = {
            name: getattr(settings, name) for name in ("LLM_PROVIDER", "OPENAI_API_KEY", "OPENAI_BASE_URL")
        }
        settings.LLM_PROVIDER, settings.OPENAI_API_KEY = "openai", self.fake.api_key
        settings.OPENAI_BASE_URL = self.fake.base_url
        return self

    def __exit__(self, *exc):
        from django.conf import settings

        for name, value in self.saved.items():
            setattr(settings, name, value)


@pytest.fixture
def fake_openai():
    with FakeOpenAIServer() as fake, _openai(fake):
        yield fake


def test_the_openai_path_makes_the_same_structure_and_block_calls_overlap(
    user, catalogue, fake_openai, settings
):
    settings.PAGE_BLOCK_CONCURRENCY = 4
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    four_in = threading.Event()  # block calls answer once four are in (however slowly they arrive)
    calls = []

    def responder(body):
        started = time.monotonic()
        if page_task(body)[0] == "page_block":
            with lock:
                calls.append(started)
                if len(calls) == 4:
                    four_in.set()
            four_in.wait(10)
            with lock:
                spans.append((started, time.monotonic()))
        return Reply.json(page_answer(body), usage={"prompt_tokens": 120, "completion_tokens": 40})

    fake_openai.responder = responder
    ids = _default_ids(catalogue["fashion"])
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=ids,
        language=None,
        with_images=False,
    )
    assert [block["template_id"] for block in result.blocks] == ids and result.title == "페이크 상품"
    assert {block["model"] for block in result.blocks} == {"gpt-4o-mini"}
    assert all((b["prompt_tokens"], b["completion_tokens"]) == (120, 40) for b in result.blocks)
    most_at_once = max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans)
    assert len(spans) == 7 and most_at_once == 4  # concurrent, and bounded by PAGE_BLOCK_CONCURRENCY
    requests = fake_openai.chat_requests
    assert requests[0]["response_format"]["json_schema"]["name"] == "page_plan"
    assert "린넨 와이드 팬츠" in requests[1]["messages"][1]["content"]
    assert "<<<PRODUCT" in requests[1]["messages"][1]["content"]


def test_a_template_the_openai_plan_leaves_out_is_still_written_sparsely_in_its_place(
    user, catalogue, fake_openai
):
    ids = _default_ids(catalogue["fashion"])
    reviews = Template.objects.get(pk=ids[4])
    assert reviews.block_type == "Reviews"

    def responder(body):
        answer = page_answer(body)
        task, schema = page_task(body)
        if task == "page_plan":  # the plan drops the reviews block
            answer["blocks"] = [b for b in answer["blocks"] if b["template_id"] != reviews.id]
        elif "reviews" in schema["properties"]:
            answer = {"title": "후기", "summary": None, "rating": None, "reviews": []}
        return Reply.json(answer)

    fake_openai.responder = responder
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=ids,
        language=None,
        with_images=False,
    )
    assert [block["template_id"] for block in result.blocks] == ids
    sparse = result.blocks[4]
    assert sparse["sparse"] is True and sparse["content"] == {"title": "후기"}
    assert [block["sparse"] for block in result.blocks].count(True) == 1
    block_calls = [r for r in fake_openai.chat_requests if page_task(r)[0] == "page_block"]
    asked = next(r for r in block_calls if "reviews" in page_task(r)[1]["properties"])
    schema = page_task(asked)[1]
    # The sparse block's writer may leave every slot empty, and is told to invent nothing.
    assert schema["properties"]["reviews"]["type"] == ["array", "null"]
    assert schema["properties"]["title"]["type"] == ["string", "null"]
    assert "Never invent content" in asked["messages"][1]["content"]
    assert '<section class="pp pp-reviews' in result.html


def test_markup_in_the_llms_answer_is_escaped_or_removed(user, catalogue, fake_openai):
    attack = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
    fake_openai.responder = lambda body: Reply.json(page_answer(body, text=attack))
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=_default_ids(catalogue["beauty"]),
        language=None,
        with_images=False,
    )
    assert dangerous_markup(result.html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.html


def test_a_javascript_url_from_the_llm_is_rejected_and_the_block_fails_with_a_clear_code(
    user, catalogue, fake_openai
):
    def responder(body):
        answer = page_answer(body)
        if "button_url" in answer:
            answer["button_url"] = "javascript:alert(document.cookie)"
        return Reply.json(answer)

    fake_openai.responder = responder
    ids = _default_ids(catalogue["beauty"])
    with pytest.raises(LLMError) as caught:
        generate(
            owner_id=user.id,
            product_info=KOREAN_PRODUCT,
            product_name=None,
            template_ids=ids,
            language=None,
            with_images=False,
        )
    assert caught.value.code == "llm_bad_output"
    assert "block 'Beauty · Call to action' (CallToAction" in caught.value.message
    assert "button_url must be an http(s) URL" in caught.value.message
    assert not Page.objects.filter(owner=user).exists()


def test_malformed_block_output_is_asked_again_within_the_llms_attempts(user, catalogue, fake_openai):
    faq = Template.objects.get(name="Food · FAQ")
    plan = {
        "title": "감귤 주스",
        "blocks": [{"template_id": faq.id, "brief": "", "wants_image": False, "image_prompt": ""}],
    }
    # The plan, then two broken answers and a good one: the LLM's one retry layer.
    fake_openai.queue(Reply.json(plan), Reply.malformed(), Reply.malformed())
    fake_openai.responder = lambda body: Reply.json(page_answer(body))
    result = generate(
        owner_id=user.id,
        product_info="감귤 주스",
        product_name=None,
        template_ids=[faq.id],
        language="ko",
        with_images=False,
    )
    assert result.blocks[0]["attempts"] == 3 and len(fake_openai.chat_requests) == 4


def test_malformed_output_every_time_fails_with_llm_bad_output_naming_the_block(user, catalogue, fake_openai):
    faq = Template.objects.get(name="Food · FAQ")
    fake_openai.responder = lambda body: (
        Reply.json(page_answer(body)) if page_task(body)[0] == "page_plan" else Reply.malformed()
    )
    with pytest.raises(LLMError) as caught:
        generate(
            owner_id=user.id,
            product_info="감귤 주스",
            product_name=None,
            template_ids=[faq.id],
            language="ko",
            with_images=False,
        )
    assert caught.value.code == "llm_bad_output"
    assert f"block 'Food · FAQ' (FAQ, template {faq.id})" in caught.value.message
    assert len(fake_openai.chat_requests) == 1 + LLM_MAX_ATTEMPTS  # the plan, then the block's attempts


def test_a_plan_that_picks_no_given_block_is_retried_then_fails(user, catalogue, fake_openai):
    faq = Template.objects.get(name="Food · FAQ")
    fake_openai.responder = lambda body: Reply.json({"title": "x", "blocks": []})
    with pytest.raises(LLMError) as caught:
        generate(
            owner_id=user.id,
            product_info="감귤 주스",
            product_name=None,
            template_ids=[faq.id],
            language="ko",
            with_images=False,
        )
    assert caught.value.code == "llm_bad_output" and "the page plan" in caught.value.message


# --- the page API -----------------------------------------------------------------------------


@pytest.fixture
def stored_page(user, catalogue):
    return generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=_default_ids(catalogue["fashion"]),
        language=None,
        with_images=False,
    )


def test_the_owner_reads_the_page_and_downloads_its_html(api, stored_page):
    body = api.get(f"/api/v1/pages/{stored_page.page_id}").json()
    assert set(body) == {
        "id",
        "title",
        "language",
        "blocks",
        "block_count",
        "job_id",
        "html_url",
        "created_at",
    }
    assert (body["title"], body["language"], len(body["blocks"])) == ("린넨 와이드 팬츠", "ko", 7)
    assert (body["block_count"], body["job_id"]) == (7, None)
    assert body["html_url"] == f"http://testserver/api/v1/pages/{stored_page.page_id}/html"
    shown = api.get(body["html_url"])
    assert shown.status_code == 200 and shown["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in shown
    assert "sandbox" in shown["Content-Security-Policy"]
    assert shown.content.decode() == stored_page.html
    download = api.get(f"{body['html_url']}?download=1")
    assert download["Content-Disposition"] == f'attachment; filename="page-{stored_page.page_id}.html"'
    assert download.content == shown.content


def test_another_users_page_answers_404_and_anonymous_401(other_api, stored_page):
    assert other_api.get(f"/api/v1/pages/{stored_page.page_id}").status_code == 404
    assert other_api.get(f"/api/v1/pages/{stored_page.page_id}/html").status_code == 404
    assert APIClient().get(f"/api/v1/pages/{stored_page.page_id}").status_code == 401


def test_usage_counts_after_a_page_are_visible_through_the_cached_api(api, user, catalogue):
    ids = _default_ids(catalogue["food"])
    path = f"/api/v1/templates/{ids[0]}"
    before = api.get(path).json()["usage_count"]
    generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=ids,
        language=None,
        with_images=False,
    )
    assert api.get(path).json()["usage_count"] == before + 1


def test_block_content_is_json_not_html(user, catalogue):
    result = generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=_default_ids(catalogue["food"]),
        language=None,
        with_images=False,
    )
    for block in result.blocks:
        assert "<" not in json.dumps(block["content"], ensure_ascii=False)
