"""Slot schemas, the template language, escaping, and the page sanitiser."""

import pytest
from django.core.exceptions import ValidationError

from templates_app.models import Template
from templates_app.rendering import page_assemble, slots_infer, template_check, template_render
from templates_app.slots import slots_json_schema, slots_validate_content
from tests.templates_app.conftest import SIMPLE_HTML, SIMPLE_SLOTS, dangerous_markup

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    "</style><script>x()</script>",
]


def _template(html=SIMPLE_HTML, slots=SIMPLE_SLOTS) -> Template:
    return Template(name="t", block_type="KeyFeatures", html=html, slots=slots)


# --- the slot contract, checked on save -----------------------------------------------------


def test_saving_a_template_that_uses_an_undeclared_slot_is_refused_with_the_slot_named(category):
    template = Template(
        category=category,
        name="t",
        block_type="FAQ",
        html="<h2>{{ title }}</h2>{{ subtitle }}",
        slots={"title": {"type": "text"}},
    )
    with pytest.raises(ValidationError) as caught:
        template.save()
    assert caught.value.message_dict == {
        "html": ["line 1: uses slot 'subtitle' that is not declared in slots."]
    }
    assert not Template.objects.filter(name="t").exists()


def test_a_declared_slot_that_the_html_never_uses_is_refused(category):
    template = Template(
        category=category,
        name="t",
        block_type="FAQ",
        html="<h2>{{ title }}</h2>",
        slots={"title": {"type": "text"}, "body": {"type": "text"}},
    )
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert caught.value.message_dict["slots"] == ["declares slot 'body' that the HTML does not use."]


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        ({"title": {"type": "colour"}}, "slot 'title' has type 'colour'"),
        ({"title": {"type": "text", "max_length": 0}}, "max_length must be a whole number from 1 to 20000"),
        ({"Title!": {"type": "text"}}, "'Title!' is not a valid slot name"),
        ({"title": {"type": "image", "required": True}}, "image slots cannot be required"),
        ({"title": {"type": "text", "max_items": 3}}, "only apply to list, pairs and qa slots"),
        ({"title": {"type": "text", "example": ["a"]}}, "its example is not valid content"),
        ([], "must be a JSON object"),
    ],
)
def test_malformed_slot_schemas_are_explained(slots, message):
    errors = template_check(html="<h2>{{ title }}</h2>", slots=slots)
    assert message in " ".join(errors["slots"])


LOOP = "{% for f in features %}{{ f }}{% endfor %}"


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("{% for f in features %}<li>{{ f }}</li>", "{% for %} is never closed"),
        ("{% endif %}", "{% endif %} without a matching {% if %}"),
        ("{{ title|upper }}", "no filters or expressions"),
        ("{% include 'x' %}", "unknown tag"),
        ("{{ features }}", "'features' is a list slot: loop over it"),
        ("{% for f in features %}{{ f.key }}{% endfor %}", "items of the list 'features' are plain text"),
        (f'<p style="color:{{{{ title }}}}">{LOOP}</p>', "cannot be used in a style"),
        (f"<a title={{{{ title }}}}>{LOOP}</a>", "inside quotes"),
        (f'<a href="{{{{ title }}}}">{LOOP}</a>', "URL attributes take a single url"),
        (
            f"<style>.x{{background:url(http://x)}}</style><p>{{{{ title }}}}{LOOP}</p>",
            "<style> may not contain 'url('",
        ),
        (f'<p onclick="go()">{{{{ title }}}}{LOOP}</p>', "event handler attributes"),
        (f"<script>{{{{ title }}}}</script>{LOOP}", "may not contain <script>"),
    ],
)
def test_unsafe_or_broken_template_html_is_refused_with_a_clear_message(html, message):
    errors = template_check(html=html, slots=SIMPLE_SLOTS)
    assert message in " ".join(errors.get("html", [])), errors


def test_a_well_formed_template_passes_the_check():
    html = (
        '<section><h2>{{ title }}</h2>{% if image %}<img src="{{ image }}" alt="{{ title }}">{% endif %}'
        "<table>{% for row in specs %}<tr><th>{{ loop.index }}. {{ row.key }}</th>"
        "<td>{{ row.value }}</td></tr>{% endfor %}</table>"
        "{% for q in faq %}<dt>{{ q.question }}</dt><dd>{{ q.answer }}</dd>{% endfor %}"
        '{% if url %}<a href="{{ url }}">{{ rating }}</a>{% else %}<span>{{ rating }}</span>{% endif %}'
        "</section>"
    )
    slots = {
        "title": {"type": "text"},
        "image": {"type": "image"},
        "specs": {"type": "pairs"},
        "faq": {"type": "qa"},
        "url": {"type": "url", "required": False},
        "rating": {"type": "number"},
    }
    assert template_check(html=html, slots=slots) == {}


# --- content ----------------------------------------------------------------------------------


def test_content_is_checked_against_types_lengths_and_counts():
    slots = {
        "title": {"type": "text", "max_length": 10},
        "features": {"type": "list", "max_items": 2},
        "url": {"type": "url", "required": False},
        "faq": {"type": "qa"},
    }
    with pytest.raises(ValidationError) as caught:
        slots_validate_content(
            slots=slots,
            content={
                "title": "x" * 11,
                "features": ["a", "b", "c"],
                "url": "javascript:alert(1)",
                "faq": [{"question": "q"}],
                "extra": 1,
            },
        )
    errors = caught.value.message_dict
    assert errors["title"] == ["title is 11 characters long; at most 10 are allowed."]
    assert errors["features"] == ["features has 3 items; at most 2 are allowed."]
    assert "url must be an http(s) URL" in errors["url"][0]
    assert errors["faq"] == ["faq item 1 must be an object with exactly 'question' and 'answer'."]
    assert errors["extra"] == ["'extra' is not a slot of this template."]


def test_the_writer_schema_is_strict_mode_shaped_and_leaves_images_to_the_pipeline():
    schema = slots_json_schema(
        {
            "title": {"type": "text"},
            "image": {"type": "image"},
            "note": {"type": "text", "required": False},
            "specs": {"type": "pairs"},
        }
    )
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["title", "note", "specs"]
    assert schema["properties"]["note"]["type"] == ["string", "null"]
    assert schema["properties"]["specs"]["items"]["required"] == ["key", "value"]


def test_slots_are_inferred_from_how_the_html_uses_them():
    html = (
        '<h2>{{ title }}</h2><img src="{{ photo }}">{% if note %}<p>{{ note }}</p>{% endif %}'
        "{% for f in features %}{{ f }}{% endfor %}"
        "{% for r in specs %}{{ r.key }}{{ r.value }}{% endfor %}"
        "{% for q in faq %}{{ q.question }}{% endfor %}"
    )
    assert slots_infer(html) == {
        "title": {"type": "text"},
        "photo": {"type": "image"},
        "note": {"type": "text", "required": False},
        "features": {"type": "list"},
        "specs": {"type": "pairs"},
        "faq": {"type": "qa"},
    }


# --- rendering and sanitising -----------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_value_is_escaped_when_a_block_is_rendered(attack):
    html = template_render(template=_template(), content={"title": attack, "features": [attack]})
    assert dangerous_markup(html) == []
    assert "&lt;" in html or "javascript:alert(1)" in html  # shown as text, never as markup


def test_loops_conditionals_and_loop_index_render():
    template = _template(
        html="{% for f in features %}<i>{{ loop.index }}:{{ f }}</i>{% endfor %}"
        "{% if title %}<b>{{ title }}</b>{% else %}none{% endif %}",
        slots={"title": {"type": "text", "required": False}, "features": {"type": "list"}},
    )
    assert template_render(template=template, content={"features": ["a", "b"]}) == "<i>1:a</i><i>2:b</i>none"


def test_rendering_refuses_content_that_does_not_fit_the_slots():
    with pytest.raises(ValidationError) as caught:
        template_render(template=_template(), content={"title": "ok"})
    assert caught.value.message_dict == {"features": ["features is required."]}


def test_the_page_sanitiser_removes_script_handlers_and_script_urls_from_any_block():
    hostile = (
        '<section><script>steal()</script><img src="x.png" onerror="steal()">'
        '<a href="javascript:steal()">x</a><a href="JaVaScRiPt:steal()">y</a>'
        '<iframe src="https://evil.example"></iframe><svg onload="steal()"></svg>'
        '<div style="color:red" onmouseover="steal()">kept</div></section>'
        "<style>.a{color:red}</style><style>body{background:url(https://evil.example/x)}</style>"
    )
    page = page_assemble(blocks_html=[hostile], title="<script>t()</script>", language="ko")
    assert dangerous_markup(page) == []
    assert "steal()" not in page and "evil.example" not in page
    assert '<div style="color:red">kept</div>' in page
    assert ".a{color:red}" in page  # template CSS survives, hoisted into <head>
    assert "<title>&lt;script&gt;t()&lt;/script&gt;</title>" in page


def test_an_assembled_page_is_a_standalone_responsive_document():
    page = page_assemble(
        blocks_html=[
            '<style>.b{color:red}</style><p class="b">one</p>',
            '<style>.b{color:red}</style><p class="b">two</p>',
        ],
        title="Title",
        language="ar",
    )
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="ar" dir="rtl">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "Content-Security-Policy" in page
    assert page.count(".b{color:red}") == 1  # identical stylesheets are kept once
    assert page.index(">one<") < page.index(">two<")
    assert "<script" not in page and "http://" not in page and "https://" not in page
