"""The starter catalogue: five categories, seven block templates each, and a default set.

Read by migration 0003 (a fresh install has a working catalogue at once) and by the tests. The
blocks share their structure; each category has its own theme and hero style, and its own
Korean sample content (the `example` of each slot), which the admin preview shows.
Later changes to the catalogue belong in new data migrations, not here.
"""

from __future__ import annotations

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
            '{% endfor %}</ul>{% endif %}\n'
            "    </div>\n"
            '    {% if image %}<figure class="pp-hero__media"><img src="{{ image }}" alt="{{ image_alt }}">'
            "</figure>{% endif %}\n"
            "  </div>\n</section>"
        ),
        "slots": {
            "eyebrow": {"type": "text", "max_length": 40, "description": "Brand or a two-word label above the title."},
            "title": {"type": "text", "max_length": 60, "description": "The product name."},
            "subtitle": {"type": "text", "max_length": 140, "description": "One sentence: the product's promise."},
            "body": {"type": "text", "max_length": 360, "required": False,
                     "description": "Two or three sentences of introduction."},
            "badges": {"type": "list", "max_items": 4, "max_length": 24, "required": False,
                       "description": "Short facts shown as chips (e.g. '린넨 100%')."},
            "image": {"type": "image"},
            "image_alt": {"type": "text", "max_length": 120, "required": False,
                          "description": "What the product image shows."},
        },
        "description": "The opening of the page: product name, promise, short introduction, optional image.",
    },
    "KeyFeatures": {
        "css": css.FEATURES,
        "html": (
            '<section class="pp pp-features{modifier} t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">Key point</p><h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <ol class="pp-features__grid">{% for feature in features %}<li class="pp-feature"><p>{{ feature }}'
            "</p></li>{% endfor %}</ol>\n  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50, "description": "The section heading."},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "features": {"type": "list", "min_items": 2, "max_items": 6, "max_length": 140,
                         "description": "The features that make a shopper decide, one sentence each."},
        },
        "description": "Numbered feature cards.",
    },
    "HowToUse": {
        "css": css.STEPS,
        "html": (
            '<section class="pp pp-steps t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">How to use</p><h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <ol class="pp-steps__list">{% for step in steps %}<li class="pp-step"><span class="pp-step__no">'
            "STEP {{ loop.index }}</span><p>{{ step }}</p></li>{% endfor %}</ol>\n"
            '    {% if tip %}<p class="pp-tip"><strong>TIP</strong>{{ tip }}</p>{% endif %}\n'
            "  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "steps": {"type": "list", "min_items": 1, "max_items": 6, "max_length": 160,
                      "description": "Usage steps in order, one instruction each."},
            "tip": {"type": "text", "max_length": 160, "required": False, "description": "A caution or tip."},
        },
        "description": "Usage as numbered steps on a timeline.",
    },
    "Specs": {
        "css": css.SPECS,
        "html": (
            '<section class="pp pp-specs t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">Specification</p><h2 class="pp-title">{{ title }}</h2>'
            '{% if intro %}<p class="pp-intro">{{ intro }}</p>{% endif %}</header>\n'
            '    <table class="pp-specs__table"><tbody>{% for row in specs %}<tr><th scope="row">{{ row.key }}</th>'
            "<td>{{ row.value }}</td></tr>{% endfor %}</tbody></table>\n"
            '    {% if note %}<p class="pp-note">{{ note }}</p>{% endif %}\n  </div>\n</section>'
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "intro": {"type": "text", "max_length": 140, "required": False},
            "specs": {"type": "pairs", "min_items": 1, "max_items": 12, "max_length": 160,
                      "description": "Specification rows: key (e.g. 소재) and value, only as given."},
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
            '    {% if rating %}<div class="pp-rating"><span class="pp-rating__stars" aria-hidden="true">★★★★★</span>'
            '<strong>{{ rating }}</strong><span class="pp-rating__of">/ 5</span></div>{% endif %}\n'
            '    <div class="pp-reviews__grid">{% for review in reviews %}<figure class="pp-review"><blockquote>'
            "{{ review.value }}</blockquote><figcaption>{{ review.key }}</figcaption></figure>{% endfor %}</div>\n"
            "  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "summary": {"type": "text", "max_length": 140, "required": False},
            "rating": {"type": "number", "required": False, "minimum": 0, "maximum": 5,
                       "description": "The average rating out of 5, only if the information gives one."},
            "reviews": {"type": "pairs", "min_items": 1, "max_items": 4, "max_length": 220,
                        "description": "Real reviews from the information: key = who, value = what they said."},
        },
        "description": "Quoted customer reviews with an optional average rating (never invented).",
    },
    "FAQ": {
        "css": css.FAQ,
        "html": (
            '<section class="pp pp-faq t-{slug}">\n  <div class="pp-wrap">\n'
            '    <header class="pp-head"><p class="pp-kicker">FAQ</p><h2 class="pp-title">{{ title }}</h2></header>\n'
            '    <dl class="pp-faq__list">{% for item in faq %}<div class="pp-faq__item"><dt>{{ item.question }}</dt>'
            "<dd>{{ item.answer }}</dd></div>{% endfor %}</dl>\n  </div>\n</section>"
        ),
        "slots": {
            "title": {"type": "text", "max_length": 50},
            "faq": {"type": "qa", "min_items": 2, "max_items": 6, "max_length": 400,
                    "description": "Questions a shopper asks, answered only with facts from the information."},
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
            "note": {"type": "text", "max_length": 160, "required": False,
                     "description": "Shipping or return terms, only as given."},
        },
        "description": "A closing panel with a button.",
    },
}

BLOCK_NAMES = {
    "Introduction": "Hero introduction", "KeyFeatures": "Key feature cards", "HowToUse": "How-to steps",
    "Specs": "Specification table", "Reviews": "Review quotes", "FAQ": "FAQ", "CallToAction": "Call to action",
}

CATEGORIES: list[dict] = [
    {
        "slug": "fashion", "name": "Fashion", "variant": "editorial", "features": " pp-features--list",
        "description": "Clothing, shoes and accessories: an editorial look with serif headings.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
        "sample": {
            "eyebrow": "ATELIER LINEN", "title": "린넨 와이드 팬츠",
            "subtitle": "한여름에도 가볍게, 구김마저 멋이 되는 프렌치 린넨 팬츠",
            "body": "유럽산 린넨 100% 원단을 워싱해 처음부터 부드럽습니다. 허리 밴딩과 여유로운 와이드 핏으로 "
                    "출근룩부터 여행까지 하루 종일 편안합니다.",
            "badges": ["린넨 100%", "허리 밴딩", "S · M · L"],
            "features": ["통기성이 뛰어난 유럽산 린넨으로 땀이 많은 날에도 달라붙지 않습니다.",
                         "워싱 가공으로 첫 착용부터 부드럽고 자연스러운 구김이 멋스럽습니다.",
                         "뒷면 밴딩 허리로 체형에 상관없이 편안하게 맞습니다.",
                         "발목을 살짝 덮는 기장으로 스니커즈와 샌들 모두 잘 어울립니다."],
            "specs": [{"key": "소재", "value": "린넨 100%"}, {"key": "사이즈", "value": "S / M / L"},
                      {"key": "색상", "value": "베이지, 차콜, 화이트"}, {"key": "원산지", "value": "대한민국"},
                      {"key": "세탁", "value": "찬물 손세탁 권장"}],
            "steps": ["뒤집어 세탁망에 넣어 찬물로 단독 세탁하세요.", "그늘에서 펼쳐 자연 건조하세요.",
                      "스팀 다리미로 가볍게 주름을 펴 주세요."],
            "reviews": [{"key": "김** 고객님", "value": "생각보다 훨씬 시원하고 핏이 예뻐요. 색상별로 샀어요."},
                        {"key": "이** 고객님", "value": "허리 밴딩이라 편하고 구김도 자연스러워서 좋아요."}],
            "price": "59,000원",
        },
    },
    {
        "slug": "food", "name": "Food", "variant": "warm", "features": "",
        "description": "Groceries, snacks and drinks: warm colours and rounded shapes.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
        "sample": {
            "eyebrow": "제주 농장 직송", "title": "제주 유기농 감귤 주스",
            "subtitle": "설탕 한 톨 없이, 감귤 12알을 그대로 짜 담은 100% 착즙 주스",
            "body": "유기농 인증 제주 농장에서 완숙된 감귤만 골라 당일 착즙합니다. 물도 설탕도 넣지 않아 "
                    "감귤 본연의 새콤달콤한 맛이 살아 있습니다.",
            "badges": ["무가당", "유기농 인증", "당일 착즙"],
            "features": ["물과 설탕을 넣지 않은 100% 착즙 원액입니다.", "유기농 인증 농장의 완숙 감귤만 사용합니다.",
                         "비가열 공법으로 신선한 향을 그대로 담았습니다."],
            "specs": [{"key": "용량", "value": "1L × 2병"}, {"key": "원재료", "value": "유기농 감귤 100% (제주산)"},
                      {"key": "보관", "value": "냉장 0~5℃"}, {"key": "유통기한", "value": "제조일로부터 14일"}],
            "steps": ["마시기 전 가볍게 흔들어 주세요.", "개봉 후에는 냉장 보관하고 3일 안에 드세요."],
            "reviews": [{"key": "박** 고객님", "value": "아이가 매일 아침 찾는 주스예요. 정말 감귤 맛 그대로!"},
                        {"key": "최** 고객님", "value": "달지 않고 상큼해서 요거트에 섞어 먹어도 좋아요."}],
            "price": "24,900원",
        },
    },
    {
        "slug": "electronics", "name": "Electronics", "variant": "dark", "features": "",
        "description": "Gadgets and appliances: a dark, technical hero and crisp cards.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
        "sample": {
            "eyebrow": "SOUNDLAB", "title": "무선 노이즈캔슬링 이어폰 S2",
            "subtitle": "소음은 지우고 음악만 남기는, 최대 32시간 재생 무선 이어폰",
            "body": "하이브리드 액티브 노이즈캔슬링이 지하철 소음까지 줄여 줍니다. 10분 충전으로 2시간을 "
                    "듣고, IPX4 생활 방수로 운동할 때도 안심입니다.",
            "badges": ["ANC", "32시간 재생", "IPX4", "블루투스 5.3"],
            "features": ["하이브리드 ANC로 최대 35dB 소음을 줄입니다.", "케이스 포함 최대 32시간 재생됩니다.",
                         "10분 고속 충전으로 2시간 재생됩니다.", "IPX4 생활 방수로 땀과 비에도 안심입니다."],
            "specs": [{"key": "블루투스", "value": "5.3"}, {"key": "재생 시간", "value": "이어폰 8시간 / 케이스 포함 32시간"},
                      {"key": "방수", "value": "IPX4"}, {"key": "무게", "value": "이어폰 한쪽 4.8g"},
                      {"key": "충전 단자", "value": "USB-C, 무선 충전"}],
            "steps": ["케이스를 열면 자동으로 페어링 모드가 켜집니다.",
                      "휴대폰 블루투스 목록에서 SoundLab S2를 선택하세요.",
                      "이어폰을 길게 눌러 노이즈캔슬링 모드를 바꿀 수 있습니다."],
            "reviews": [{"key": "정** 고객님", "value": "출퇴근 지하철에서 확실히 조용해졌어요."},
                        {"key": "한** 고객님", "value": "가볍고 귀가 아프지 않아 하루 종일 껴요."}],
            "price": "129,000원",
        },
    },
    {
        "slug": "beauty", "name": "Beauty", "variant": "soft", "features": "",
        "description": "Skincare and cosmetics: soft blush tones, light serif headings.",
        "order": ["Introduction", "KeyFeatures", "HowToUse", "Specs", "Reviews", "FAQ", "CallToAction"],
        "sample": {
            "eyebrow": "DEWY LAB", "title": "시카 수분 진정 세럼",
            "subtitle": "붉어진 피부에 시카 한 방울, 속부터 차오르는 수분 진정 케어",
            "body": "병풀 추출물 72%와 판테놀이 예민해진 피부를 빠르게 진정시킵니다. 끈적임 없이 흡수되어 "
                    "아침 메이크업 전에도 가볍게 쓸 수 있습니다.",
            "badges": ["병풀 72%", "저자극 테스트 완료", "50ml"],
            "features": ["병풀 추출물 72%가 자극받은 피부를 진정시킵니다.", "판테놀과 히알루론산이 수분을 채워 줍니다.",
                         "끈적임 없는 워터 제형으로 빠르게 흡수됩니다."],
            "specs": [{"key": "용량", "value": "50ml"}, {"key": "피부 타입", "value": "모든 피부, 특히 민감성"},
                      {"key": "주요 성분", "value": "병풀 추출물, 판테놀, 히알루론산"},
                      {"key": "사용 기한", "value": "개봉 후 12개월"}],
            "steps": ["세안 후 토너로 피부 결을 정돈하세요.", "2~3방울을 덜어 얼굴 전체에 부드럽게 펴 바르세요.",
                      "가볍게 두드려 흡수시켜 주세요."],
            "reviews": [{"key": "윤** 고객님", "value": "트러블로 붉던 볼이 며칠 만에 진정됐어요."},
                        {"key": "서** 고객님", "value": "산뜻해서 여름에도 부담 없이 써요."}],
            "price": "32,000원",
        },
    },
    {
        "slug": "living", "name": "Living", "variant": "calm", "features": " pp-features--list",
        "description": "Home and kitchen: calm natural tones and generous space.",
        "order": ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"],
        "sample": {
            "eyebrow": "HOMEFIELD", "title": "호텔식 구스다운 베개",
            "subtitle": "호텔에서의 그 포근함을 집에서도, 구스다운 80% 베개",
            "body": "헝가리산 구스다운 80%가 머리를 부드럽게 감싸고, 면 60수 커버가 밤새 쾌적함을 지켜 줍니다.",
            "badges": ["구스다운 80%", "면 60수", "50×70cm"],
            "features": ["헝가리산 구스다운 80%로 가볍고 복원력이 좋습니다.", "면 60수 커버가 부드럽고 통기성이 좋습니다.",
                         "이중 봉제로 털 빠짐을 줄였습니다."],
            "specs": [{"key": "충전재", "value": "구스다운 80%, 페더 20%"}, {"key": "커버", "value": "면 100% (60수)"},
                      {"key": "크기", "value": "50 × 70cm"}, {"key": "중량", "value": "1.1kg"}],
            "steps": ["처음 개봉하면 가볍게 두드려 충전재를 살려 주세요.", "한 달에 한 번 그늘에서 통풍시켜 주세요.",
                      "커버는 분리해 중성세제로 세탁하세요."],
            "reviews": [{"key": "강** 고객님", "value": "목이 편해서 아침에 개운해요."},
                        {"key": "조** 고객님", "value": "호텔 베개 찾다가 정착했습니다."}],
            "price": "79,000원",
        },
    },
]

_HEADINGS = {"KeyFeatures": ("이런 점이 특별해요", "지금 가장 많이 찾는 이유"),
             "HowToUse": ("이렇게 사용하세요", "처음이라도 어렵지 않아요."),
             "Specs": ("제품 상세 정보", "구매 전 꼭 확인하세요."),
             "Reviews": ("고객이 먼저 말하는 만족", "직접 사용해 본 분들의 이야기입니다."),
             "FAQ": ("자주 묻는 질문", "")}


def _examples(block_type: str, sample: dict, slug: str) -> dict:
    """Sample content (slot examples) for a block in a category."""
    title = sample["title"]
    if block_type == "Introduction":
        return {key: sample[key] for key in ("eyebrow", "title", "subtitle", "body", "badges")} | {
            "image_alt": f"{title} 이미지"}
    if block_type == "CallToAction":
        return {"title": f"지금 {title}, 만나보세요", "text": f"{title}의 장점을 직접 경험해 보세요.",
                "price": sample["price"], "button_label": "지금 구매하기", "note": "3만 원 이상 무료배송 · 7일 이내 교환"}
    heading, intro = _HEADINGS[block_type]
    example = {"title": heading}
    if block_type == "KeyFeatures":
        example |= {"intro": intro, "features": sample["features"]}
    elif block_type == "HowToUse":
        example |= {"intro": intro, "steps": sample["steps"], "tip": "처음 사용하기 전 구성품을 확인해 주세요."}
    elif block_type == "Specs":
        example |= {"intro": intro, "specs": sample["specs"], "note": "모니터 환경에 따라 색상이 다르게 보일 수 있습니다."}
    elif block_type == "Reviews":
        example |= {"summary": intro, "rating": 4.8, "reviews": sample["reviews"]}
    elif block_type == "FAQ":
        specs = sample["specs"]
        example |= {"faq": [
            *({"question": f"{row['key']}{josa(row['key'], '은', '는')} 어떻게 되나요?",
               "answer": f"{row['value']}입니다."} for row in specs[:2]),
            {"question": "어떻게 사용하나요?", "answer": " ".join(sample["steps"][:2])}]}
    return example


def _template(category: dict, block_type: str) -> dict:
    block = BLOCKS[block_type]
    slug = category["slug"]
    html = (f"<style>{css.THEMES[slug]}</style>\n<style>{css.COMMON.strip()}</style>\n<style>{block['css'].strip()}"
            f"</style>\n" + block["html"].replace("{variant}", category["variant"]).replace("{slug}", slug)
            .replace("{modifier}", category["features"]))
    examples = _examples(block_type, category["sample"], slug)
    slots = {name: {**declaration, **({"example": examples[name]} if name in examples else {})}
             for name, declaration in block["slots"].items()}
    return {"name": f"{category['name']} · {BLOCK_NAMES[block_type]}", "block_type": block_type,
            "description": block["description"], "html": html, "slots": slots,
            "metadata": {"starter": True, "theme": slug, "language": "ko"}}


def starter_catalogue() -> list[dict]:
    """[{slug, name, description, templates: [...in set order], set: {name, description}}]"""
    return [{
        "slug": category["slug"], "name": category["name"], "description": category["description"],
        "templates": [_template(category, block_type) for block_type in category["order"]],
        "set": {"name": f"{category['name']} · standard page",
                "description": "Introduction, features, details, usage, reviews, FAQ and a call to action."},
    } for category in CATEGORIES]
