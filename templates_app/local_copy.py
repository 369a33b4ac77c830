"""The offline LLM's page copy: real, sensible content from the product text, no network.

The offline LLM (generation.llm's `local`) answers the page tasks "page_plan" and "page_block"
with these (PAGE_TASKS); nothing here knows of any LLM. The copy is the product text's own
sentences and facts, arranged per block: name, tagline and introduction from the first lines,
key features from bullet-like lines and sentences, spec pairs from "key: value" lines, steps
from usage sentences, reviews only where the text has some (none are ever invented), a FAQ
built from the facts, and a call to action.
Headings come from a small per-language phrase table (Korean, English, Japanese, Chinese).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from templates_app.pages import BLOCK_TASK, PLAN_TASK
from templates_app.slots import (
    ITEM_FIELDS,
    LIST_TYPES,
    slot_max_items,
    slot_min_items,
    slot_required,
    slot_type,
)

# --- phrases -------------------------------------------------------------------------------

PHRASES: dict[str, dict[str, str]] = {
    "ko": {
        "KeyFeatures": "이런 점이 특별해요",
        "Specs": "제품 상세 정보",
        "HowToUse": "이렇게 사용하세요",
        "Reviews": "고객이 먼저 말하는 만족",
        "FAQ": "자주 묻는 질문",
        "CallToAction": "지금 만나보세요",
        "Story": "브랜드 이야기",
        "Gallery": "상세 이미지",
        "Comparison": "한눈에 비교",
        "features_intro": "{name}{eul} 선택해야 하는 이유를 정리했어요.",
        "specs_intro": "구매 전 꼭 확인하세요.",
        "steps_intro": "처음이라도 어렵지 않아요.",
        "reviews_intro": "직접 사용해 본 분들의 이야기입니다.",
        "faq_intro": "궁금한 점을 모았어요.",
        "cta_title": "지금 {name}{eul} 만나보세요",
        "cta_text": "{name}의 장점을 직접 경험해 보세요.",
        "button": "지금 구매하기",
        "image_alt": "{name} 이미지",
        "reviewer": "구매 고객",
        "q_spec": "{key}{eun} 어떻게 되나요?",
        "a_spec": "{value}입니다.",
        "q_use": "어떻게 사용하나요?",
        "q_caution": "사용할 때 주의할 점이 있나요?",
        "q_feature": "가장 큰 장점은 무엇인가요?",
        "tip": "TIP",
        "brief_Introduction": "상품명과 핵심 가치를 한눈에 소개합니다.",
        "brief_KeyFeatures": "구매 결정을 돕는 핵심 특징을 정리합니다.",
        "brief_Specs": "사양과 구성 정보를 표로 정리합니다.",
        "brief_HowToUse": "사용 방법을 단계별로 안내합니다.",
        "brief_Reviews": "상품 정보에 있는 실제 후기를 보여 줍니다.",
        "brief_FAQ": "자주 묻는 질문에 사실대로 답합니다.",
        "brief_CallToAction": "구매를 권하는 마무리입니다.",
        "brief_default": "상품 정보를 바탕으로 블록을 채웁니다.",
        "empty_Reviews": "아직 등록된 후기가 없어요.",
        "empty_default": "자세한 내용은 준비 중이에요.",
    },
    "en": {
        "KeyFeatures": "Why you'll love it",
        "Specs": "Specifications",
        "HowToUse": "How to use",
        "Reviews": "What customers say",
        "FAQ": "Frequently asked questions",
        "CallToAction": "Make it yours",
        "Story": "The story",
        "Gallery": "Gallery",
        "Comparison": "At a glance",
        "features_intro": "The reasons {name} stands out.",
        "specs_intro": "Everything to check before you buy.",
        "steps_intro": "Easy from the very first time.",
        "reviews_intro": "In the words of people who use it.",
        "faq_intro": "Answers to common questions.",
        "cta_title": "Get {name} today",
        "cta_text": "See for yourself what {name} can do.",
        "button": "Shop now",
        "image_alt": "{name}",
        "reviewer": "Verified buyer",
        "q_spec": "What is the {key_lower}?",
        "a_spec": "{value}.",
        "q_use": "How do I use it?",
        "q_caution": "Is there anything to keep in mind?",
        "q_feature": "What is its biggest strength?",
        "tip": "TIP",
        "brief_Introduction": "Introduce the product and its core value.",
        "brief_KeyFeatures": "The key features that help a shopper decide.",
        "brief_Specs": "Specifications in a table.",
        "brief_HowToUse": "Step-by-step usage.",
        "brief_Reviews": "Real reviews quoted from the product information.",
        "brief_FAQ": "Factual answers to common questions.",
        "brief_CallToAction": "A closing call to buy.",
        "brief_default": "Fill the block from the product information.",
        "empty_Reviews": "No reviews yet.",
        "empty_default": "Details are coming soon.",
    },
    "ja": {
        "KeyFeatures": "ここがポイント",
        "Specs": "商品仕様",
        "HowToUse": "使い方",
        "Reviews": "お客様の声",
        "FAQ": "よくある質問",
        "CallToAction": "今すぐチェック",
        "Story": "ストーリー",
        "Gallery": "ギャラリー",
        "Comparison": "比較",
        "features_intro": "{name}が選ばれる理由。",
        "specs_intro": "ご購入前にご確認ください。",
        "steps_intro": "はじめてでも簡単です。",
        "reviews_intro": "実際にお使いの方の声です。",
        "faq_intro": "よくあるご質問をまとめました。",
        "cta_title": "{name}を今すぐ",
        "cta_text": "{name}の良さをぜひ体験してください。",
        "button": "購入する",
        "image_alt": "{name}",
        "reviewer": "購入者",
        "q_spec": "{key}は？",
        "a_spec": "{value}です。",
        "q_use": "使い方は？",
        "q_caution": "注意点はありますか？",
        "q_feature": "一番の特長は？",
        "tip": "TIP",
        "brief_default": "商品情報をもとにブロックを作成します。",
        "empty_Reviews": "まだレビューはありません。",
        "empty_default": "詳細は準備中です。",
    },
    "zh": {
        "KeyFeatures": "产品亮点",
        "Specs": "产品参数",
        "HowToUse": "使用方法",
        "Reviews": "用户评价",
        "FAQ": "常见问题",
        "CallToAction": "立即拥有",
        "Story": "品牌故事",
        "Gallery": "细节展示",
        "Comparison": "对比",
        "features_intro": "选择{name}的理由。",
        "specs_intro": "购买前请确认。",
        "steps_intro": "简单几步即可上手。",
        "reviews_intro": "来自真实用户的评价。",
        "faq_intro": "常见问题解答。",
        "cta_title": "立即拥有{name}",
        "cta_text": "亲自体验{name}的优点。",
        "button": "立即购买",
        "image_alt": "{name}",
        "reviewer": "买家",
        "q_spec": "{key}是什么？",
        "a_spec": "{value}。",
        "q_use": "如何使用？",
        "q_caution": "有什么注意事项？",
        "q_feature": "最大的优点是什么？",
        "tip": "TIP",
        "brief_default": "根据产品信息填写此模块。",
        "empty_Reviews": "暂无评价。",
        "empty_default": "详细信息即将更新。",
    },
}
KICKERS = {
    "KeyFeatures": "KEY POINT",
    "Specs": "SPECIFICATION",
    "HowToUse": "HOW TO USE",
    "Reviews": "REVIEW",
    "FAQ": "FAQ",
    "CallToAction": "SPECIAL",
    "Introduction": "NEW",
    "Story": "STORY",
}
CATEGORY_LABELS = {
    "fashion": "FASHION",
    "food": "FOOD",
    "electronics": "TECH",
    "beauty": "BEAUTY",
    "living": "LIVING",
}


def phrase(language: str, key: str, /, **values: str) -> str:
    table = PHRASES.get(language.split("-")[0], PHRASES["en"])
    template = table.get(key) or PHRASES["en"].get(key) or table.get("brief_default", "")
    if "{" not in template:
        return template
    name = values.get("name", "")
    key_text = values.get("key", "")
    return template.format(
        name=name,
        key=key_text,
        key_lower=key_text.lower(),
        value=values.get("value", ""),
        eul=josa(name, "을", "를"),
        eun=josa(key_text, "은", "는"),
    )


def josa(word: str, with_final: str, without_final: str) -> str:
    """The Korean particle that fits the last syllable of `word` (받침 or not)."""
    for char in reversed(word.strip()):
        if "가" <= char <= "힣":
            return with_final if (ord(char) - 0xAC00) % 28 else without_final
        if char.isdigit():
            return with_final if char in "013678" else without_final
        if char.isalpha():
            return with_final if char.lower() in "lmnr" else without_final
    return without_final


# --- facts from the product text -------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-–•*·▶►▷✔✓☑■□◆◇○●※✅➤→]|\d{1,2}[.)](?!\d)|[①-⑳])\s*")
_HEADER = re.compile(r"^\s*(?:[\[<【(「『■◆#]+\s*)?([^\]>】)」』:：]{1,20}?)\s*(?:[\]>】)」』]+|[:：])?\s*$")
_PAIR = re.compile(r"^\s*([^:：\n]{1,24}?)\s*[:：]\s*(.{1,200})$")
_URL = re.compile(r"https?://[^\s<>\"']+")
_RATING = re.compile(
    r"(?:평점|별점|rating|★|⭐)\s*[:：]?\s*([0-5](?:\.\d)?)"
    r"|([0-5]\.\d)\s*(?:/\s*5|점|stars?)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“”「『]([^\"“”」』]{4,200})[\"“”」』]\s*(?:[-–—~]\s*(.{1,30}))?")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
SECTIONS = {
    "usage": re.compile(r"사용|방법|활용|조리|how to|usage|direction|使い方|使用", re.IGNORECASE),
    "specs": re.compile(r"사양|스펙|정보|제원|규격|구성|spec|detail|仕様|参数", re.IGNORECASE),
    "reviews": re.compile(r"후기|리뷰|평가|review|testimonial|お客様の声|评价", re.IGNORECASE),
    "cautions": re.compile(r"주의|유의|경고|caution|warning|note|注意", re.IGNORECASE),
    "features": re.compile(r"특징|장점|포인트|feature|highlight|benefit|特長|亮点", re.IGNORECASE),
}
_USAGE = re.compile(
    r"사용하|사용 후|바르|발라|세탁|보관하|섭취|드세요|드시|조리|데워|데우|"
    r"충전하|연결하|착용|세척|뿌려|헹궈|설치|부어|끓여|넣어|하세요|주세요|십시오|"
    r"\b(?:use|apply|wash|store|charge|connect|wear|"
    r"heat|cook|pour|rinse|install|press|plug|mix|serve)\b"
    # amounts of water and time read as instructions: "200ml에 2분", "steep 3 minutes"
    r"|\d+\s*(?:ml|mL|분|초)|\b\d+\s*(?:min(?:ute)?s?|sec(?:ond)?s?)\b",
    re.IGNORECASE,
)
_STORAGE_KEYS = re.compile(r"보관|storage|keep|保存|储存", re.IGNORECASE)
_CAUTION = re.compile(r"주의|피해|금지|삼가|어린이|warning|caution|avoid|do not|keep away", re.IGNORECASE)
_NAME_KEYS = re.compile(r"^(상품명|제품명|품명|모델명|product(?: name)?|name|商品名|品名)$", re.IGNORECASE)
_PRICE_KEYS = re.compile(r"^(가격|판매가|정가|할인가|price|価格|价格)$", re.IGNORECASE)
_BRAND_KEYS = re.compile(r"^(브랜드|제조사|brand|maker|ブランド|品牌)$", re.IGNORECASE)
_ORIGIN_KEYS = re.compile(r"원산|제조국|생산국|origin|made in|産地|产地", re.IGNORECASE)
_SHIPPING_KEYS = re.compile(r"배송|교환|반품|shipping|delivery|return", re.IGNORECASE)


@dataclass
class Facts:
    name: str = ""
    brand: str = ""
    price: str = ""
    url: str = ""
    rating: float | None = None
    sentences: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    specs: list[tuple[str, str]] = field(default_factory=list)
    usage: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    reviews: list[tuple[str, str]] = field(default_factory=list)
    shipping: list[str] = field(default_factory=list)


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if len(part.strip()) > 1]


def _section_of(line: str) -> str | None:
    """The section a header line opens ("[사용 방법]", "■ 제품 특징", "Specs:"), or None."""
    if _PAIR.match(line) and not line.rstrip().endswith((":", "：")):
        return None
    header = _HEADER.match(line)
    if not header or len(line) > 26:
        return None
    bracketed = bool(re.match(r"^\s*[\[<【(「『■◆#]", line)) or line.rstrip().endswith((":", "："))
    if not bracketed and len(line.split()) > 3:
        return None
    for section, pattern in SECTIONS.items():
        if pattern.search(header.group(1)):
            return section
    return "other" if bracketed else None


@lru_cache(maxsize=64)
def facts_extract(product_info: str, product_name: str = "") -> Facts:
    facts = Facts(name=product_name.strip())
    section: str | None = None
    first_line = ""
    for raw in product_info.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        opened = _section_of(line)
        if opened:
            section = None if opened == "other" else opened
            continue
        url = _URL.search(line)
        if url and not facts.url:
            facts.url = url.group(0).rstrip(".,)")
        rating = _RATING.search(line)
        if rating and facts.rating is None:
            facts.rating = float(rating.group(1) or rating.group(2))
        is_bullet = bool(_BULLET.match(line))
        text = _BULLET.sub("", line).strip()
        if not text:
            continue
        if not first_line:
            first_line = text
        quoted = _QUOTED.search(text)
        reviewish = quoted and re.search(r"후기|리뷰|review|님|고객|buyer", text, re.IGNORECASE)
        if section == "reviews" or reviewish:
            if quoted:
                facts.reviews.append(((quoted.group(2) or "").strip(" -–—~()"), quoted.group(1).strip()))
            elif not rating or len(text) > 12:
                author, _, quote = text.partition(":") if _PAIR.match(text) else ("", "", text)
                facts.reviews.append((author.strip(), quote.strip().strip('"“”')))
            continue
        pair = _PAIR.match(text)
        if pair and not _URL.match(text) and not re.search(r"[.!?。]$", pair.group(1)):
            key, value = pair.group(1).strip(), pair.group(2).strip()
            if _NAME_KEYS.match(key):
                facts.name = facts.name or value
            elif _PRICE_KEYS.match(key):
                facts.price = facts.price or value
            elif _SHIPPING_KEYS.search(key):
                facts.shipping.append(f"{key}: {value}")
            elif _STORAGE_KEYS.search(key) and len(value) > 6:  # "보관방법: …" is care, not usage
                facts.cautions.extend(_sentences(value))
            elif SECTIONS["usage"].search(key) and len(value) > 12:  # "사용 방법: 케이스를 열면 …"
                facts.usage.extend(_sentences(value))
            elif SECTIONS["cautions"].search(key) and len(value) > 12:
                facts.cautions.extend(_sentences(value))
            else:
                if _BRAND_KEYS.match(key):
                    facts.brand = facts.brand or value
                facts.specs.append((key, value))
            continue
        pieces = [text] if is_bullet else _sentences(text)
        for piece in pieces:
            if _CAUTION.search(piece):
                target = "cautions"
            elif section in ("usage", "cautions", "features"):
                target = section
            elif _USAGE.search(piece):
                target = "usage"
            else:
                target = "features" if is_bullet else "sentences"
            {
                "usage": facts.usage,
                "cautions": facts.cautions,
                "features": facts.features,
                "sentences": facts.sentences,
            }[target].append(piece)
    if not facts.name:
        candidate = (
            first_line
            if first_line and len(first_line) <= 40 and not re.search(r"[.!?。]$", first_line)
            else ""
        )
        facts.name = candidate or " ".join((facts.sentences or facts.features or ["Product"])[0].split()[:4])
    facts.sentences = [s for s in facts.sentences if s != facts.name]
    if len(facts.features) < 3:
        # Too few bullet points: the descriptive sentences after the first carry the features.
        extra = [s for s in facts.sentences[1:] if s not in facts.features]
        facts.features += extra[: 6 - len(facts.features)]
    return facts


# --- the two tasks -------------------------------------------------------------------------


def _block_wanted(block: dict, facts: Facts, language: str) -> bool:
    """Whether the product text has true material for every required slot of the block."""
    _, honest = _fill_block(block, facts, language, title="")
    return honest


def local_page_plan(context: dict, schema: dict) -> dict:
    language = (context.get("language") or "en").split("-")[0]
    facts = facts_extract(context.get("product_info", ""), context.get("product_name", ""))
    blocks = context.get("blocks") or []
    chosen = [block for block in blocks if _block_wanted(block, facts, language)] or blocks[:1]
    with_images = bool(context.get("with_images"))
    return {
        "title": facts.name[:120],
        "blocks": [
            {
                "template_id": block["template_id"],
                "brief": phrase(language, f"brief_{block['block_type']}"),
                "wants_image": with_images and bool(block.get("has_image_slot")),
                "image_prompt": (
                    f"Clean commercial product photo of {facts.name}, soft studio light, "
                    f"{block['block_type']} section of a product page"
                    if with_images and block.get("has_image_slot")
                    else ""
                ),
            }
            for block in chosen
        ],
    }


def _faq(facts: Facts, language: str) -> list[dict]:
    items = [
        {"question": phrase(language, "q_spec", key=key), "answer": phrase(language, "a_spec", value=value)}
        for key, value in facts.specs
        if not _BRAND_KEYS.match(key)
    ][:2]
    if facts.usage:
        items.append({"question": phrase(language, "q_use"), "answer": " ".join(facts.usage[:2])})
    if facts.cautions:
        items.append({"question": phrase(language, "q_caution"), "answer": " ".join(facts.cautions[:2])})
    if len(items) < 2 and facts.features:
        items.append({"question": phrase(language, "q_feature"), "answer": facts.features[0]})
    return items


def _short_badges(facts: Facts) -> list[str]:
    """Chips for the hero: short spec values ("린넨 100%"; a bare number keeps its key: "무게 4.8g"),
    else very short features."""
    badges = [
        f"{key} {value}" if value[:1].isdigit() and len(key) + len(value) < 16 else value
        for key, value in facts.specs
        if len(value) <= 12 and not _BRAND_KEYS.match(key) and not _ORIGIN_KEYS.search(key)
    ]
    badges += [feature for feature in facts.features if len(feature) <= 10]
    return list(dict.fromkeys(badges))[:3]


def _value_for(
    name: str, declaration: dict, block_type: str, facts: Facts, language: str, title: str, category: str
):
    kind = slot_type(declaration)
    lower = name.lower()
    intro = facts.sentences[0] if facts.sentences else (facts.features[0] if facts.features else facts.name)
    rest = " ".join(facts.sentences[1:3])
    if kind == "pairs":
        if "review" in lower:
            return [
                {"key": author or phrase(language, "reviewer"), "value": quote}
                for author, quote in facts.reviews
            ]
        return [{"key": key, "value": value} for key, value in facts.specs]
    if kind == "qa":
        return _faq(facts, language)
    if kind == "list":
        if any(word in lower for word in ("step", "usage", "how")):
            return facts.usage
        if "badge" in lower or "tag" in lower or "chip" in lower:
            return _short_badges(facts)
        if "caution" in lower or "warning" in lower:
            return facts.cautions
        return facts.features or facts.sentences[:3] or [facts.name]
    if kind == "number":
        return facts.rating if "rating" in lower or "score" in lower else None
    if kind == "url":
        return facts.url or None
    if lower in ("rating", "score"):
        return f"{facts.rating:g}" if facts.rating is not None else None
    if lower in ("title", "heading", "headline"):
        if block_type == "Introduction":
            return facts.name
        if block_type == "CallToAction":
            return phrase(language, "cta_title", name=facts.name)
        return phrase(language, block_type) or title
    if lower in ("eyebrow", "kicker", "label"):
        if block_type == "Introduction":
            return facts.brand or CATEGORY_LABELS.get(category, KICKERS["Introduction"])
        return KICKERS.get(block_type, "")
    if lower in ("subtitle", "tagline", "lead"):
        return (
            intro
            if block_type == "Introduction"
            else phrase(language, f"{_intro_key(block_type)}", name=facts.name)
        )
    if lower in ("body", "description", "text", "intro", "summary", "story", "paragraph"):
        if block_type == "Introduction":
            return rest or None
        if block_type == "CallToAction":
            return phrase(language, "cta_text", name=facts.name)
        return phrase(language, _intro_key(block_type), name=facts.name)
    if lower in ("price", "cost"):
        return facts.price or None
    if "button" in lower or lower in ("cta", "action"):
        return phrase(language, "button")
    if "alt" in lower:
        return phrase(language, "image_alt", name=facts.name)
    if lower in ("note", "tip", "footnote", "caption", "disclaimer"):
        if block_type == "CallToAction":
            return " · ".join(facts.shipping[:2]) or None
        # Cautions belong with the usage steps; elsewhere a note stays empty rather than repeat one.
        return facts.cautions[0] if facts.cautions and block_type in ("HowToUse", "FAQ") else None
    if lower in ("name", "product", "product_name"):
        return facts.name
    if lower == "brand":
        return facts.brand or None
    return intro


def _intro_key(block_type: str) -> str:
    return {
        "KeyFeatures": "features_intro",
        "Specs": "specs_intro",
        "HowToUse": "steps_intro",
        "Reviews": "reviews_intro",
        "FAQ": "faq_intro",
    }.get(block_type, "cta_text")


def _fallback(kind: str, facts: Facts, language: str, count: int) -> list | str:
    """The product's own words, for a required slot the text has no better material for."""
    words = list(dict.fromkeys([*facts.features, *facts.sentences, facts.name]))
    if kind == "list":
        return words[: max(count, 1)]
    if kind == "pairs":
        return [{"key": facts.name, "value": text} for text in words[: max(count, 1)]]
    if kind == "qa":
        extra = [{"question": facts.name, "answer": text} for text in words]
        return (_faq(facts, language) + extra)[: max(count, 1)]
    return words[0]


def _fill_block(block: dict, facts: Facts, language: str, title: str) -> tuple[dict, bool]:
    """(an answer for every non-image slot, whether every required slot had true material)."""
    honest = True
    answer: dict = {}
    for name, declaration in (block.get("slots") or {}).items():
        kind = slot_type(declaration)
        if kind == "image":
            continue
        value = _value_for(
            name, declaration, block.get("block_type", ""), facts, language, title, block.get("category", "")
        )
        if isinstance(value, list):
            if kind in ITEM_FIELDS:
                value = [item for item in value if all(item.values())]
            value = value[: slot_max_items(declaration)] or None
        if slot_required(declaration):
            needed = slot_min_items(declaration)
            if value in (None, "") or (isinstance(value, list) and len(value) < needed):
                honest = False
                have = value if isinstance(value, list) else []
                padding = _fallback(kind, facts, language, needed)
                if isinstance(padding, list):
                    value = [*have, *(item for item in padding if item not in have)]
                    value = value[: slot_max_items(declaration)]
                else:
                    value = padding
        answer[name] = value if value != "" else None
    return answer, honest


_LEAD_SLOTS = ("intro", "summary", "subtitle", "lead", "body", "description", "text")


def _say_it_is_empty(answer: dict, block: dict, language: str) -> dict:
    """A sparse block whose lists came back empty says so in its lead line, rather than
    introducing items that are not there ("In the words of people who use it" over no reviews)."""
    slots = block.get("slots") or {}
    lists = [name for name, declaration in slots.items() if slot_type(declaration) in LIST_TYPES]
    if not lists or any(answer.get(name) for name in lists):
        return answer
    lead = next((name for name in _LEAD_SLOTS if name in slots and slot_type(slots[name]) == "text"), None)
    if lead is None:
        return answer
    key = f"empty_{block.get('block_type', '')}"
    table = PHRASES.get(language, PHRASES["en"])
    return {**answer, lead: table.get(key) or table.get("empty_default") or PHRASES["en"]["empty_default"]}


def local_page_block(context: dict, schema: dict) -> dict:
    language = (context.get("language") or "en").split("-")[0]
    facts = facts_extract(context.get("product_info", ""), context.get("product_name", ""))
    block = context.get("block") or {}
    answer, _ = _fill_block(block, facts, language, context.get("title", ""))
    if context.get("sparse"):
        answer = _say_it_is_empty(answer, block, language)
    # Exactly the properties the schema asks for (all of them, null where there is nothing).
    return {name: answer.get(name) for name in schema.get("properties", {})}


# The offline answers to the page pipeline's JSON tasks: fn(context, schema) -> dict.
PAGE_TASKS = {PLAN_TASK: local_page_plan, BLOCK_TASK: local_page_block}
