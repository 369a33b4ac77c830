"""Catalogue personas and data for the templates_app tests.

Transactional tests elsewhere in the suite flush the database, taking the starter catalogue
and the content managers group with them; the fixtures here put them back by running the data
migrations' own functions, so what the tests see is what a fresh install gets.
"""

from __future__ import annotations

import importlib
from html.parser import HTMLParser

import pytest
from django.apps import apps as django_apps

from accounts.services import user_create
from templates_app.models import Category, Template
from templates_app.services import content_manager_grant, template_create
from tests.conftest import api_client_for

KOREAN_PRODUCT = """린넨 와이드 팬츠
한여름에도 시원하게 입을 수 있는 프렌치 린넨 100% 와이드 팬츠입니다.
워싱 가공으로 처음부터 부드럽고 구김마저 자연스럽습니다.

[제품 특징]
- 통기성이 뛰어난 유럽산 린넨 원단
- 뒷면 밴딩 허리로 편안한 착용감
- 발목을 살짝 덮는 와이드 기장
- 데일리룩과 여행룩 모두 잘 어울리는 디자인

소재: 린넨 100%
사이즈: S / M / L
색상: 베이지, 차콜, 화이트
원산지: 대한민국
가격: 59,000원
배송: 3만 원 이상 무료배송

[세탁 방법]
- 찬물에 단독 손세탁하세요.
- 그늘에서 자연 건조하세요.
- 스팀 다리미로 가볍게 주름을 펴 주세요.

표백제 사용은 피해 주세요.

[구매 후기]
"생각보다 훨씬 시원하고 핏이 예뻐요" - 김** 고객님
"허리 밴딩이라 편하고 구김도 자연스러워요" - 이** 고객님
평점 4.8/5
"""


def _migration(name: str):
    return importlib.import_module(f"templates_app.migrations.{name}")


@pytest.fixture
def catalogue(db) -> dict[str, Category]:
    """The starter catalogue, as migration 0003 installs it: {slug: Category}."""
    _migration("0003_starter_catalogue").load(django_apps, None)
    return {category.slug: category for category in Category.objects.all()}


@pytest.fixture
def manager_group(db):
    _migration("0002_content_managers_group").create_group(django_apps, None)


@pytest.fixture
def manager(db, manager_group):
    """A content manager: in the group, and staff so the admin lets them in."""
    person = user_create(username="dora", password="correct horse battery")
    content_manager_grant(user=person)
    return person


@pytest.fixture
def manager_api(manager):
    return api_client_for(manager)


@pytest.fixture
def staff_api(staff_user):
    return api_client_for(staff_user)


SIMPLE_HTML = (
    '<section class="x"><h2>{{ title }}</h2><ul>{% for f in features %}<li>{{ f }}</li>'
    "{% endfor %}</ul></section>"
)
SIMPLE_SLOTS = {"title": {"type": "text", "max_length": 60}, "features": {"type": "list", "max_items": 4}}


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(slug="toys", name="Toys")


@pytest.fixture
def simple_template(category, user) -> Template:
    return template_create(
        user=user,
        category=category,
        name="Simple",
        block_type="KeyFeatures",
        html=SIMPLE_HTML,
        slots=SIMPLE_SLOTS,
    )


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)


def dangerous_markup(document: str) -> list[str]:
    """What in a document could run script: script-ish elements, on* handlers, script URLs."""
    inspector = _Inspector()
    inspector.feed(document)
    found = [f"<{tag}>" for tag in inspector.tags if tag in ("script", "iframe", "object", "embed", "svg")]
    for tag, name, value in inspector.attrs:
        if name.startswith("on"):
            found.append(f"<{tag} {name}>")
        if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
            ("javascript:", "vbscript:", "data:text")
        ):
            found.append(f"<{tag} {name}={value}>")
    return found
