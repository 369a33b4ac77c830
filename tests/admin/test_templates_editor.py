"""The template admin for content managers: the code editor, slots as a table, a note on each
revision, the field-by-field comparison, a category's read-only creation time; who may do what."""
# ruff: noqa: F811 (the catalogue fixtures are imported from tests/templates_app/conftest.py)

import json

import pytest
from django.test import Client

from accounts.services import user_create
from templates_app.models import Template
from templates_app.services import template_update
from tests.templates_app.conftest import (  # noqa: F401
    SIMPLE_HTML,
    SIMPLE_SLOTS,
    catalogue,
    category,
    manager,
    manager_group,
    simple_template,
)


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def editor(manager) -> Client:
    return client_for(manager)


@pytest.fixture
def superuser(db) -> Client:
    return client_for(
        user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)
    )


@pytest.fixture
def staff(staff_user) -> Client:
    return client_for(staff_user)


def form_data(template: Template, **changes) -> dict:
    """The change form as the browser posts it: the slots as table rows."""
    data = {
        "category": template.category_id,
        "name": template.name,
        "block_type": template.block_type,
        "description": template.description,
        "is_active": "on",
        "thumbnail_url": "",
        "html": template.html,
        "metadata": json.dumps(template.metadata),
        "change_note": "",
        "slots-rows": str(len(template.slots)),
    }
    for index, (name, declaration) in enumerate(template.slots.items()):
        prefix = f"slots-{index}-"
        data |= {
            prefix + "name": name,
            prefix + "type": declaration["type"],
            prefix + "original": json.dumps(declaration, ensure_ascii=False),
            prefix + "max_length": str(declaration.get("max_length", "")),
            prefix + "max_items": str(declaration.get("max_items", "")),
        }
        if declaration.get("required", True):
            data[prefix + "required"] = "on"
    return data | changes


def errors(response) -> list[str]:
    return [line for line in response.content.decode().splitlines() if "errorlist" in line]


def change_url(template) -> str:
    return f"/admin/templates_app/template/{template.id}/change/"


def test_the_change_form_has_the_code_editor_the_slot_table_and_a_full_width_preview(editor, simple_template):
    page = editor.get(change_url(simple_template)).content.decode()
    assert 'data-code-editor="html"' in page and "templates_app/admin/editor.js" in page
    assert 'name="slots-0-name" value="title"' in page and 'name="slots-1-name" value="features"' in page
    assert 'name="slots-rows" value="3"' in page  # two slots and a blank row
    assert 'data-preview-width="768"' in page and 'data-preview-width="390"' in page
    assert f'src="/admin/templates_app/template/{simple_template.id}/preview/" sandbox' in page
    assert 'name="change_note"' in page


def test_saving_an_unchanged_table_records_no_revision(editor, simple_template):
    response = editor.post(change_url(simple_template), form_data(simple_template))
    assert response.status_code == 302, errors(response)
    simple_template.refresh_from_db()
    assert simple_template.revision == 1 and simple_template.slots == SIMPLE_SLOTS


def test_slots_are_edited_as_table_rows_and_the_note_is_kept_with_the_revision(
    editor, manager, simple_template
):
    html = SIMPLE_HTML.replace("</section>", "<p>{{ tagline }}</p></section>")
    data = form_data(simple_template, html=html, change_note="A tagline under the list")
    data |= {
        "slots-rows": "3",
        "slots-0-max_length": "40",
        "slots-2-name": "tagline",
        "slots-2-type": "text",
        "slots-2-required": "on",
        "slots-2-description": "One short line",
        "slots-2-example": "Made to last",
    }
    data.pop("slots-1-required")  # features becomes optional
    response = editor.post(change_url(simple_template), data)
    assert response.status_code == 302, errors(response)
    simple_template.refresh_from_db()
    assert simple_template.slots == {
        "title": {"type": "text", "max_length": 40},
        "features": {"type": "list", "max_items": 4, "required": False},
        "tagline": {"type": "text", "description": "One short line", "example": "Made to last"},
    }
    revision = simple_template.revisions.get(number=2)
    assert (revision.note, revision.created_by) == ("A tagline under the list", manager)


def test_a_new_template_is_added_with_its_slot_rows_and_needs_no_note(editor, manager, category):
    page = editor.get("/admin/templates_app/template/add/").content.decode()
    assert 'name="slots-rows" value="2"' in page  # two blank rows to start with
    data = {
        "category": category.id,
        "name": "Banner",
        "block_type": "Introduction",
        "description": "",
        "is_active": "on",
        "thumbnail_url": "",
        "html": "<h2>{{ title }}</h2>",
        "metadata": "{}",
        "change_note": "",
        "slots-rows": "2",
        "slots-0-name": "title",
        "slots-0-type": "text",
        "slots-0-required": "on",
        "slots-0-max_length": "50",
        "slots-1-name": "",
        "slots-1-type": "text",
    }
    response = editor.post("/admin/templates_app/template/add/", data)
    assert response.status_code == 302, errors(response)
    banner = category.templates.get(name="Banner")
    assert banner.slots == {"title": {"type": "text", "max_length": 50}}
    assert banner.revisions.get().note == "Created in the admin"


def test_a_content_change_without_a_note_is_refused_naming_the_note(editor, simple_template):
    data = form_data(simple_template, html=SIMPLE_HTML.replace("h2", "h3"))
    page = editor.post(change_url(simple_template), data).content.decode()
    assert "Say what you changed" in page
    simple_template.refresh_from_db()
    assert simple_template.revision == 1


def test_a_bad_slot_row_is_refused_naming_the_slot(editor, simple_template):
    data = form_data(simple_template, change_note="limits") | {"slots-0-max_length": "lots"}
    page = editor.post(change_url(simple_template), data).content.decode()
    assert "slot &#x27;title&#x27;: max_length must be a whole number" in page
    simple_template.refresh_from_db()
    assert simple_template.revision == 1


def test_the_live_preview_reads_the_slot_table_and_names_the_error_lines(editor, simple_template):
    url = "/admin/templates_app/template/live-preview/"
    data = form_data(simple_template, html=SIMPLE_HTML)
    data["slots-0-example"] = "Hello table"
    good = editor.post(url, data)
    assert "<h2>Hello table</h2>" in good.content.decode() and not good.get("X-Template-Error-Lines")
    broken = editor.post(url, data | {"html": "<section>\n<h2>{{ title }}</h2>\n{% for f in features %}\n"})
    assert "cannot be previewed yet" in broken.content.decode()
    assert broken["X-Template-Error-Lines"] == "3"


def test_two_revisions_compare_field_by_field(editor, simple_template, user):
    slots = {**SIMPLE_SLOTS, "title": {"type": "text", "max_length": 90}}
    template_update(
        template=simple_template,
        user=user,
        data={
            "html": SIMPLE_HTML.replace("<h2>", '<h2 class="t">'),
            "slots": slots,
            "metadata": {"tone": "warm"},
        },
    )
    page = editor.get(f"/admin/templates_app/template/{simple_template.id}/revisions/compare/?a=1&b=2")
    html = page.content.decode()
    assert 'data-field="Name"' in html and 'data-field="HTML"' in html
    assert 'data-n="→1" class="add">+&lt;section class=&quot;x&quot;&gt;&lt;h2 class=&quot;t' in html
    assert "<code>max_length</code>: <del>60</del> → <ins>90</ins>" in html  # the changed key of the slot
    assert '<tr class="pp-key--added"><th scope="row"><code>tone</code>' in html


def test_a_categorys_created_at_is_read_only(editor, category):
    page = editor.get(f"/admin/templates_app/category/{category.id}/change/").content.decode()
    assert 'name="created_at' not in page and "Created at" in page


@pytest.mark.parametrize("persona, status", [("editor", 200), ("superuser", 200), ("staff", 403)])
def test_who_may_open_the_template_pages(request, persona, status, simple_template):
    client = request.getfixturevalue(persona)
    base = f"/admin/templates_app/template/{simple_template.id}"
    for url in (
        f"{base}/change/",
        f"{base}/revisions/",
        f"{base}/preview/",
        "/admin/templates_app/template/import/",
    ):
        assert client.get(url).status_code == status, url
