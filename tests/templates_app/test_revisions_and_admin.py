"""Template revisions (history, compare, revert) and the admin content managers work in."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.services import user_create
from templates_app.models import CONTENT_MANAGERS, Template, TemplateSet
from templates_app.services import template_revert, template_revision_diff, template_update
from tests.templates_app.conftest import SIMPLE_HTML


def test_every_content_change_is_a_numbered_revision_with_its_author(simple_template, user, other_user):
    template_update(template=simple_template, user=other_user, data={"html": SIMPLE_HTML.replace("h2", "h3")})
    template_update(template=simple_template, user=other_user, data={"is_active": False})  # not content
    revisions = list(simple_template.revisions.order_by("number"))
    assert [(r.number, r.created_by, r.note) for r in revisions] == [
        (1, user, "Created"),
        (2, other_user, ""),
    ]
    assert revisions[1].html == SIMPLE_HTML.replace("h2", "h3")
    simple_template.refresh_from_db()
    assert simple_template.revision == 2 and simple_template.is_active is False


def test_a_revert_brings_old_content_back_as_a_new_revision(simple_template, user):
    template_update(
        template=simple_template,
        user=user,
        data={"html": SIMPLE_HTML.replace("h2", "h4"), "slots": {**simple_template.slots}},
    )
    first = simple_template.revisions.get(number=1)
    template_revert(template=simple_template, revision=first, user=user)
    simple_template.refresh_from_db()
    assert (simple_template.revision, simple_template.html) == (3, SIMPLE_HTML)
    assert simple_template.revisions.get(number=3).note == "Reverted to revision 1"
    assert simple_template.revisions.count() == 3


def test_two_revisions_compare_as_a_unified_diff(simple_template, user):
    changed = SIMPLE_HTML.replace("<h2>", '<h2 class="t">')
    template_update(template=simple_template, user=user, data={"html": changed, "metadata": {"tone": "warm"}})
    old, new = simple_template.revisions.get(number=1), simple_template.revisions.get(number=2)
    diff = template_revision_diff(old=old, new=new).splitlines()
    assert diff[:2] == ["--- revision 1", "+++ revision 2"]
    assert f"-{SIMPLE_HTML}" in diff and f"+{changed}" in diff
    assert '+  "tone": "warm"' in diff


def test_the_content_managers_group_has_exactly_the_catalogue_permissions(manager_group):
    codenames = set(Group.objects.get(name=CONTENT_MANAGERS).permissions.values_list("codename", flat=True))
    assert codenames == {
        f"{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("category", "template", "templateset", "templatesetitem")
    } | {"view_templaterevision"}


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def test_a_content_manager_edits_a_template_in_the_admin_and_a_revision_is_recorded(
    admin, manager, catalogue
):
    template = Template.objects.get(name="Food · FAQ")
    page = admin.get(f"/admin/templates_app/template/{template.id}/change/").content.decode()
    assert f'src="/admin/templates_app/template/{template.id}/preview/"' in page and "sandbox" in page
    assert "<code>faq</code></td><td>qa</td>" in page  # the slot list
    data = {
        "category": template.category_id,
        "name": template.name,
        "block_type": "FAQ",
        "description": "Questions",
        "is_active": "on",
        "thumbnail_url": "",
        "html": template.html.replace("pp-faq__list", "pp-faq__list pp-faq__list--wide"),
        "slots": json.dumps(template.slots, ensure_ascii=False),
        "metadata": "{}",
        "change_note": "A wider FAQ list",
    }
    response = admin.post(f"/admin/templates_app/template/{template.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert "pp-faq__list--wide" in template.html and template.revision == 2
    assert template.revisions.get(number=2).created_by == manager
    preview = admin.get(f"/admin/templates_app/template/{template.id}/preview/")
    assert "pp-faq__list--wide" in preview.content.decode()


def test_the_admin_refuses_a_template_whose_slots_do_not_match(admin, catalogue):
    template = Template.objects.get(name="Food · FAQ")
    data = {
        "category": template.category_id,
        "name": template.name,
        "block_type": "FAQ",
        "is_active": "on",
        "html": "<h2>{{ heading }}</h2>",
        "slots": '{"title": {"type": "text"}}',
        "metadata": "{}",
    }
    page = admin.post(f"/admin/templates_app/template/{template.id}/change/", data).content.decode()
    assert "uses slot &#x27;heading&#x27; that is not declared in slots." in page
    template.refresh_from_db()
    assert template.revision == 1


def test_the_live_preview_renders_unsaved_html_or_says_what_is_wrong(admin, catalogue):
    url = "/admin/templates_app/template/live-preview/"
    good = admin.post(
        url, {"html": "<h2>{{ title }}</h2>", "slots": '{"title": {"type": "text", "example": "안녕"}}'}
    )
    assert good.status_code == 200 and "<h2>안녕</h2>" in good.content.decode()
    bad = admin.post(url, {"html": "<h2>{{ title }}", "slots": "{nope"}).content.decode()
    assert "cannot be previewed yet" in bad and "not valid JSON" in bad
    assert admin.get(url).status_code == 403


def test_history_compare_and_revert_in_the_admin(admin, simple_template, user):
    template_update(template=simple_template, user=user, data={"html": SIMPLE_HTML.replace("h2", "h3")})
    base = f"/admin/templates_app/template/{simple_template.id}"
    history = admin.get(f"{base}/revisions/").content.decode()
    assert "r2" in history and "(current)" in history and "alice" in history
    compare = admin.get(f"{base}/revisions/compare/?a=1&b=2").content.decode()
    assert 'class="del">-&lt;section class=&quot;x&quot;&gt;&lt;h2&gt;' in compare
    assert admin.get(f"{base}/revisions/1/revert/").status_code == 200  # asks first
    response = admin.post(f"{base}/revisions/1/revert/")
    assert response.status_code == 302
    simple_template.refresh_from_db()
    assert (simple_template.html, simple_template.revision) == (SIMPLE_HTML, 3)


def test_reordering_a_sets_items_in_the_admin_swaps_positions_without_collisions(admin, catalogue):
    template_set = TemplateSet.objects.get(category=catalogue["beauty"], is_default=True)
    items = list(template_set.items.order_by("position"))
    data = {
        "name": template_set.name,
        "category": template_set.category_id,
        "description": "",
        "is_default": "on",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        # Swap the first two; keep the rest.
        position = {0: 2, 1: 1}.get(index, item.position)
        data |= {
            f"items-{index}-id": str(item.id),
            f"items-{index}-template_set": str(template_set.id),
            f"items-{index}-position": str(position),
            f"items-{index}-template": str(item.template_id),
        }
    response = admin.post(f"/admin/templates_app/templateset/{template_set.id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order = list(template_set.items.order_by("position").values_list("template_id", flat=True))
    assert order[:2] == [items[1].template_id, items[0].template_id]
    assert order[2:] == [item.template_id for item in items[2:]]
    preview = admin.get(f"/admin/templates_app/templateset/{template_set.id}/preview/").content.decode()
    assert preview.index('class="pp pp-features') < preview.index('class="pp pp-hero')


def test_staff_without_the_group_cannot_open_the_catalogue_admin(db, catalogue):
    outsider = user_create(username="eve", password="correct horse battery", is_staff=True)
    client = Client()
    client.force_login(outsider)
    assert client.get("/admin/templates_app/template/").status_code == 403


def test_the_catalogue_admin_pages_open_for_a_content_manager(admin, catalogue):
    template = Template.objects.get(name="Living · FAQ")
    template_set = TemplateSet.objects.get(category=catalogue["living"], is_default=True)
    base = "/admin/templates_app"
    for url in (
        f"{base}/category/",
        f"{base}/template/?block_type__exact=FAQ",
        f"{base}/template/add/",
        f"{base}/templateset/",
        f"{base}/templateset/add/",
        f"{base}/templaterevision/",
        f"{base}/templateset/{template_set.id}/change/",
        f"{base}/template/{template.id}/preview/",
    ):
        assert admin.get(url).status_code == 200, url
    page = admin.get(f"{base}/templateset/{template_set.id}/change/").content.decode()
    assert "templates_app/set_admin.js" in page
    assert f"{base}/templateset/{template_set.id}/preview/" in page
