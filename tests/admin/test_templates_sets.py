"""Template sets in the admin: the picker offers the set's category, a preview follows the
order on screen, a set that mixes categories is flagged; who may do what."""
# ruff: noqa: F811 (the catalogue fixtures are imported from tests/templates_app/conftest.py)

import re

import pytest
from django.test import Client

from accounts.services import user_create
from templates_app.models import Template, TemplateSet
from templates_app.rendering import templates_preview
from templates_app.services import template_set_items_replace
from tests.templates_app.conftest import catalogue, manager, manager_group  # noqa: F401


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def editor(manager) -> Client:
    return client_for(manager)


@pytest.fixture
def superuser(db):
    return user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)


@pytest.fixture
def living(catalogue) -> TemplateSet:
    return TemplateSet.objects.get(category=catalogue["living"], is_default=True)


def set_form(template_set: TemplateSet, template_ids: list[int]) -> dict:
    """The change form as posted: the rows in the order given, positions 1, 2, 3, …"""
    items = list(template_set.items.order_by("position"))
    data = {
        "name": template_set.name,
        "category": template_set.category_id,
        "description": "",
        "is_default": "on",
        "items-TOTAL_FORMS": str(len(template_ids)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, template_id in enumerate(template_ids):
        data |= {
            f"items-{index}-template_set": str(template_set.id),
            f"items-{index}-position": str(index + 1),
            f"items-{index}-template": str(template_id),
        }
        if index < len(items):
            data[f"items-{index}-id"] = str(items[index].id)
    return data


def test_the_picker_offers_only_the_sets_category(editor, living, catalogue):
    page = editor.get(f"/admin/templates_app/templateset/{living.id}/change/").content.decode()
    picker = re.search(r'<select name="items-0-template".*?</select>', page, re.S).group(0)
    offered = {int(pk) for pk in re.findall(r'<option value="(\d+)"', picker)}
    assert offered == set(Template.objects.filter(category=catalogue["living"]).values_list("id", flat=True))
    assert "templates_app/set_admin.js" in page
    assert 'data-set-preview="/admin/templates_app/templateset/preview/"' in page
    # The preview comes after the rows being reordered.
    assert page.index('id="items-group"') < page.index('class="pp-preview"')


def test_a_template_of_another_category_is_refused_with_a_clear_message(editor, living, catalogue):
    fashion = Template.objects.filter(category=catalogue["fashion"]).first()
    ids = [*living.items.order_by("position").values_list("template_id", flat=True), fashion.id]
    page = editor.post(f"/admin/templates_app/templateset/{living.id}/change/", set_form(living, ids))
    assert "Choose a template of the set&#x27;s category" in page.content.decode()
    assert not living.items.filter(template=fashion).exists()


def test_a_set_that_mixes_categories_is_flagged_on_its_page_and_when_saved(editor, living, catalogue):
    fashion = Template.objects.filter(category=catalogue["fashion"]).first()
    ids = [*living.items.order_by("position").values_list("template_id", flat=True), fashion.id]
    template_set_items_replace(template_set=living, template_ids=ids)  # through the API, say
    page = editor.get(f"/admin/templates_app/templateset/{living.id}/change/").content.decode()
    assert f"This set mixes categories: “{fashion.name}” is of Fashion, not Living." in page
    response = editor.post(
        f"/admin/templates_app/templateset/{living.id}/change/", set_form(living, ids), follow=True
    )
    assert "mixes categories: 1 of its templates is not of Living." in response.content.decode()


def test_reordering_saves_the_new_order_and_the_preview_follows_the_order_given(editor, living):
    ids = list(living.items.order_by("position").values_list("template_id", flat=True))
    reordered = [ids[-1], *ids[:-1]]
    preview = editor.get(f"/admin/templates_app/templateset/preview/?ids={','.join(map(str, reordered))}")
    assert preview.status_code == 200 and preview["Content-Security-Policy"].endswith("sandbox")
    templates = Template.objects.in_bulk(reordered)
    expected = templates_preview(templates=[templates[pk] for pk in reordered], title="")
    assert preview.content.decode() == expected
    response = editor.post(
        f"/admin/templates_app/templateset/{living.id}/change/", set_form(living, reordered)
    )
    assert response.status_code == 302
    assert list(living.items.order_by("position").values_list("template_id", flat=True)) == reordered


@pytest.mark.parametrize("persona, status", [("manager", 200), ("superuser", 200), ("staff_user", 403)])
def test_who_may_open_a_set_and_its_previews(request, persona, status, living):
    client = client_for(request.getfixturevalue(persona))
    for url in (
        f"/admin/templates_app/templateset/{living.id}/change/",
        f"/admin/templates_app/templateset/{living.id}/preview/",
        "/admin/templates_app/templateset/preview/?ids=1,2",
    ):
        assert client.get(url).status_code == status, url
