"""The starter catalogue: five categories, seven block templates each, and a default set.

Read by migration 0003 (a fresh install has a working catalogue at once) and by the tests. The
blocks share their structure; each category has its own theme and hero style, and its own
Korean sample content (samples.json, the `example` of each slot), which the admin preview shows.
Later changes to the catalogue belong in new data migrations, not here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from templates_app.local_copy import josa
from templates_app.starter import css

BLOCKS: dict[str, dict] = {
    "Introduction": {
        "css": css.HERO,
        "html": (
            '<section class="pp pp-hero pp-hero--{variant} t-{slug}">\n'
            '  <div class="pp-hero__inner{% if image %} has-media{% endif %}">\n'
            '    <div class="pp-hero__copy">\n'
            '      <p class="pp-kicker">{{ eyebrow }}</p>\n'
            '      <h1 class="pp-hero__title">{{ title }}</h1>\n'
            '      <p class="pp-hero__lead">{{ subtitle }}</p>\n'
            '      {% if body %}<p class="pp-hero__body">{{ body }}</p>{% endif %}\n'
            '      {% if badges %}<ul class="pp-badges">{% for badge in badges %}<li>{{ badge }}</li>'
            "{% endfor %}</ul>{% endif %}\n"
            "    </div>\n"
            '    {% if image %}<figure class="pp-hero__media"><img src="{{ image }}" alt="{{ image_alt }}">'
            "</figure>{% endif %}\n"
            "  </div>\n</section>"
        ),
        "slots": {
            "eyebrow": {
                "type": "text",
                "max_length": 40,
                "description": "Brand or a two-word label above the title.",
            },
            "title": {"type": "text", "max_length": 60, "description": "The product name."},
            "subtitle": {
                "type": "text",
                "max_length": 140,
                "description": "One sentence: the product's promise.",
            },
            "body": {
                "type": "text",
                "max_length": 360,
                "required": False,
                "description": "Two or three sentences of introduction.",
            },
            "badges": {
                "type": "list",
                "max_items": 4,
                "max_length": 24,
                "required": False,
                "description": "Short facts shown as chips (e.g. '린넨 100%').",
            },
            "image": {"type": "image"},
            "image_alt": {
                "type": "text",
                "max_length": 120,
                "required": False,
                "description": "What the product image shows.",
            },
        },
        "description": "The opening of the page: product name, promise, short introduction, optional image.",
    },
    "KeyFeatures": {
        "css": css.FEATURES,
        "html": (
            '<section class="pp pp-features{modifier} t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">Key point</p>'
            '<h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <ol class="pp-features__grid">{% for feature in features %}'
            '<li class="pp-feature"><p>{{ feature }}</p></li>{% endfor %}</ol>\n  </div>\n</section>'
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50, "description": "The section heading."},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "features": {
                "type": "list",
                "min_items": 2,
                "max_items": 6,
                "max_length": 140,
                "description": "The features that make a shopper decide, one sentence each.",
            },
        },
        "description": "Numbered feature cards.",
    },
    "HowToUse": {
        "css": css.STEPS,
        "html": (
            '<section class="pp pp-steps t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">How to use</p>'
            '<h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <ol class="pp-steps__list">{% for step in steps %}<li class="pp-step">'
            '<span class="pp-step__no">STEP {{ loop.index }}</span><p>{{ step }}</p></li>{% endfor %}</ol>\n'
            '    {% if tip %}<p class="pp-tip"><strong>TIP</strong>{{ tip }}</p>{% endif %}\n'
            "  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "steps": {
                "type": "list",
                "min_items": 1,
                "max_items": 6,
                "max_length": 160,
                "description": "Usage steps in order, one instruction each.",
            },
            "tip": {"type": "text", "max_length": 160, "required": False, "description": "A caution or tip."},
        },
        "description": "Usage as numbered steps on a timeline.",
    },
    "Specs": {
        "css": css.SPECS,
        "html": (
            '<section class="pp pp-specs t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">Specification</p>'
            '<h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <table class="pp-specs__table"><tbody>{% for row in specs %}'
            '<tr><th scope="row">{{ row.key }}</th><td>{{ row.value }}</td></tr>{% endfor %}'
            "</tbody></table>\n"
            '    {% if note %}<p class="pp-note">{{ note }}</p>{% endif %}\n  </div>\n</section>'
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "specs": {
                "type": "pairs",
                "min_items": 1,
                "max_items": 12,
                "max_length": 160,
                "description": "Specification rows: key (e.g. 소재) and value, only as given.",
            },
            "note": {"type": "text", "max_length": 200, "required": False},
        },
        "description": "A specification table.",
    },
    "Reviews": {
        "css": css.REVIEWS,
        "html": (
            '<section class="pp pp-reviews t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">Review</p><h2 class="pp-title">{{ title }}</h2>'
            '{% if summary %}<p class="pp-intro">{{ summary }}</p>{% endif %}</header>\n'
            '    {% if rating %}<div class="pp-rating">'
            '<span class="pp-rating__stars" aria-hidden="true">★★★★★</span>'
            '<strong>{{ rating }}</strong><span class="pp-rating__of">/ 5</span></div>{% endif %}\n'
            '    <div class="pp-reviews__grid">{% for review in reviews %}<figure class="pp-review">'
            "<blockquote>{{ review.value }}</blockquote><figcaption>{{ review.key }}</figcaption></figure>"
            "{% endfor %}</div>\n"
            "  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "summary": {"type": "text", "max_length": 140, "required": False},
            "rating": {
                "type": "number",
                "required": False,
                "minimum": 0,
                "maximum": 5,
                "description": "The average rating out of 5, only if the information gives one.",
            },
            "reviews": {
                "type": "pairs",
                "min_items": 1,
                "max_items": 4,
                "max_length": 220,
                "description": "Real reviews from the information: key = who, value = what they said.",
            },
        },
        "description": "Quoted customer reviews with an optional average rating (never invented).",
    },
    "FAQ": {
        "css": css.FAQ,
        "html": (
            '<section class="pp pp-faq t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">FAQ</p>'
            '<h2 class="pp-title">{{ title }}</h2></header>\n'
            '    <dl class="pp-faq__list">{% for item in faq %}<div class="pp-faq__item">'
            "<dt>{{ item.question }}</dt><dd>{{ item.answer }}</dd></div>{% endfor %}</dl>\n"
            "  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "faq": {
                "type": "qa",
                "min_items": 2,
                "max_items": 6,
                "max_length": 400,
                "description": "Questions a shopper asks, answered only with facts from the information.",
            },
        },
        "description": "Questions and answers.",
    },
    "CallToAction": {
        "css": css.CTA,
        "html": (
            '<section class="pp pp-cta t-{slug}">\n  <div class="pp-wrap">\n    <div class="pp-cta__panel">\n'
            '      <p class="pp-kicker">Special</p>\n'
            '      <h2 class="pp-cta__title">{{ title }}</h2>\n'
            '      <p class="pp-cta__text">{{ text }}</p>\n'
            '      {% if price %}<p class="pp-cta__price">{{ price }}</p>{% endif %}\n'
            '      {% if button_url %}<a class="pp-btn" href="{{ button_url }}">{{ button_label }}</a>'
            '{% else %}<span class="pp-btn">{{ button_label }}</span>{% endif %}\n'
            '      {% if note %}<p class="pp-cta__note">{{ note }}</p>{% endif %}\n'
            "    </div>\n  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 60},
            "text": {"type": "text", "max_length": 160},
            "price": {"type": "text", "max_length": 40, "required": False, "description": "Only as given."},
            "button_label": {"type": "text", "max_length": 24},
            "button_url": {"type": "url", "required": False},
            "note": {
                "type": "text",
                "max_length": 160,
                "required": False,
                "description": "Shipping or return terms, only as given.",
            },
        },
        "description": "A closing panel with a button.",
    },
}

BLOCK_NAMES = {
    "Introduction": "Hero introduction",
    "KeyFeatures": "Key feature cards",
    "HowToUse": "How-to steps",
    "Specs": "Specification table",
    "Reviews": "Review quotes",
    "FAQ": "FAQ",
    "CallToAction": "Call to action",
}

CATEGORIES: list[dict] = [
    {
        "slug": "fashion",
        "name": "Fashion",
        "variant": "editorial",
        "features": " pp-features--list",
        "description": "Clothing, shoes and accessories: an editorial look with serif headings.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
    },
    {
        "slug": "food",
        "name": "Food",
        "variant": "warm",
        "features": "",
        "description": "Groceries, snacks and drinks: warm colours and rounded shapes.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
    },
    {
        "slug": "electronics",
        "name": "Electronics",
        "variant": "dark",
        "features": "",
        "description": "Gadgets and appliances: a dark, technical hero and crisp cards.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
    },
    {
        "slug": "beauty",
        "name": "Beauty",
        "variant": "soft",
        "features": "",
        "description": "Skincare and cosmetics: soft blush tones, light serif headings.",
        "order": ["Introduction", "KeyFeatures", "HowToUse", "Specs", "Reviews", "FAQ", "CallToAction"],
    },
    {
        "slug": "living",
        "name": "Living",
        "variant": "calm",
        "features": " pp-features--list",
        "description": "Home and kitchen: calm natural tones and generous space.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
    },
]

_HEADINGS = {
    "KeyFeatures": ("이런 점이 특별해요", "지금 가장 많이 찾는 이유"),
    "HowToUse": ("이렇게 사용하세요", "처음이라도 어렵지 않아요."),
    "Specs": ("제품 상세 정보", "구매 전 꼭 확인하세요."),
    "Reviews": ("고객이 먼저 말하는 만족", "직접 사용해 본 분들의 이야기입니다."),
    "FAQ": ("자주 묻는 질문", ""),
}


@cache
def samples() -> dict[str, dict]:
    """Each category's Korean sample product, by slug."""
    return json.loads((Path(__file__).parent / "samples.json").read_text(encoding="utf-8"))


def _examples(block_type: str, sample: dict, slug: str) -> dict:
    """Sample content (slot examples) for a block in a category."""
    title = sample["title"]
    if block_type == "Introduction":
        return {key: sample[key] for key in ("eyebrow", "title", "subtitle", "body", "badges")} | {
            "image_alt": f"{title} 이미지"
        }
    if block_type == "CallToAction":
        return {
            "title": f"지금 {title}, 만나보세요",
            "text": f"{title}의 장점을 직접 경험해 보세요.",
            "price": sample["price"],
            "button_label": "지금 구매하기",
            "note": "3만 원 이상 무료배송 · 7일 이내 교환",
        }
    heading, intro = _HEADINGS[block_type]
    example: dict[str, Any] = {"title": heading}
    if block_type == "KeyFeatures":
        example |= {"intro": intro, "features": sample["features"]}
    elif block_type == "HowToUse":
        example |= {
            "intro": intro,
            "steps": sample["steps"],
            "tip": "처음 사용하기 전 구성품을 확인해 주세요.",
        }
    elif block_type == "Specs":
        example |= {
            "intro": intro,
            "specs": sample["specs"],
            "note": "모니터 환경에 따라 색상이 다르게 보일 수 있습니다.",
        }
    elif block_type == "Reviews":
        example |= {"summary": intro, "rating": 4.8, "reviews": sample["reviews"]}
    elif block_type == "FAQ":
        specs = sample["specs"]
        example |= {
            "faq": [
                *(
                    {
                        "question": f"{row['key']}{josa(row['key'], '은', '는')} 어떻게 되나요?",
                        "answer": f"{row['value']}입니다.",
                    }
                    for row in specs[:2]
                ),
                {"question": "어떻게 사용하나요?", "answer": " ".join(sample["steps"][:2])},
            ]
        }
    return example


def _template(category: dict, block_type: str) -> dict:
    block = BLOCKS[block_type]
    slug = category["slug"]
    body = (
        block["html"]
        .replace("{variant}", category["variant"])
        .replace("{slug}", slug)
        .replace("{modifier}", category["features"])
    )
    html = (
        f"<style>{css.THEMES[slug]}</style>\n<style>{css.COMMON.strip()}</style>\n"
        f"<style>{block['css'].strip()}</style>\n{body}"
    )
    examples = _examples(block_type, samples()[slug], slug)
    slots = {
        name: {**declaration, **({"example": examples[name]} if name in examples else {})}
        for name, declaration in block["slots"].items()
    }
    return {
        "name": f"{category['name']} · {BLOCK_NAMES[block_type]}",
        "block_type": block_type,
        "description": block["description"],
        "html": html,
        "slots": slots,
        "metadata": {"starter": True, "theme": slug, "language": "ko"},
    }


def starter_catalogue() -> list[dict]:
    """[{slug, name, description, templates: [...in set order], set: {name, description}}]"""
    return [
        {
            "slug": category["slug"],
            "name": category["name"],
            "description": category["description"],
            "templates": [_template(category, block_type) for block_type in category["order"]],
            "set": {
                "name": f"{category['name']} · standard page",
                "description": "Introduction, features, details, usage, reviews, FAQ and a call to action.",
            },
        }
        for category in CATEGORIES
    ]
