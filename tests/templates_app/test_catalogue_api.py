"""The catalogue API: reads for signed-in users, writes for content managers and staff."""

from rest_framework.test import APIClient

from templates_app.models import Category, Template, TemplateRevision, TemplateSet
from tests.templates_app.conftest import SIMPLE_HTML, SIMPLE_SLOTS

ENVELOPE = {"results", "page", "size", "has_next", "next_cursor"}


def _new_template(category_id: int, **overrides) -> dict:
    return {
        "category": category_id,
        "name": "Promo band",
        "block_type": "CallToAction",
        "html": SIMPLE_HTML,
        "slots": SIMPLE_SLOTS,
        **overrides,
    }


# --- who may do what --------------------------------------------------------------------------


def test_anonymous_requests_answer_401(db):
    for path in ("/api/v1/templates", "/api/v1/categories", "/api/v1/template-sets"):
        response = APIClient().get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


def test_a_plain_user_reads_but_cannot_write_the_catalogue(api, simple_template, category):
    assert api.get("/api/v1/templates").status_code == 200
    assert api.get(f"/api/v1/templates/{simple_template.id}").status_code == 200
    attempts = [
        api.post("/api/v1/templates", _new_template(category.id), format="json"),
        api.put(f"/api/v1/templates/{simple_template.id}", _new_template(category.id), format="json"),
        api.patch(f"/api/v1/templates/{simple_template.id}", {"name": "Mine"}, format="json"),
        api.delete(f"/api/v1/templates/{simple_template.id}"),
        api.post("/api/v1/categories", {"slug": "pets", "name": "Pets"}, format="json"),
        api.post(
            "/api/v1/template-sets",
            {"name": "S", "category": category.id, "template_ids": [simple_template.id]},
            format="json",
        ),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    simple_template.refresh_from_db()
    assert simple_template.name == "Simple"
    assert Template.objects.filter(category=category).count() == 1
    assert not Category.objects.filter(slug="pets").exists()
    assert not TemplateSet.objects.filter(category=category).exists()


def test_a_content_manager_creates_a_template_and_its_first_revision(manager_api, manager, category):
    response = manager_api.post("/api/v1/templates", _new_template(category.id), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/templates/{body['id']}"
    assert body["category"] == {"id": category.id, "slug": "toys", "name": "Toys"}
    assert (body["revision"], body["usage_count"], body["is_active"]) == (1, 0, True)
    assert body["preview_url"] == f"/api/v1/templates/{body['id']}/preview"
    revision = TemplateRevision.objects.get(template_id=body["id"])
    assert (revision.number, revision.created_by, revision.html) == (1, manager, SIMPLE_HTML)


def test_staff_can_write_too(staff_api, category):
    assert staff_api.post("/api/v1/templates", _new_template(category.id), format="json").status_code == 201
    category_created = staff_api.post("/api/v1/categories", {"slug": "pets", "name": "Pets"}, format="json")
    assert category_created.status_code == 201


def test_a_template_whose_slots_do_not_match_its_html_is_refused_with_fields(manager_api, category):
    response = manager_api.post(
        "/api/v1/templates", _new_template(category.id, html="<h2>{{ headline }}</h2>"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["html"] == ["line 1: uses slot 'headline' that is not declared in slots."]
    assert not Template.objects.filter(name="Promo band").exists()


def test_unknown_ids_answer_404(api, manager_api, db):
    assert api.get("/api/v1/templates/999999").json()["code"] == "not_found"
    assert api.get("/api/v1/templates/999999/preview").status_code == 404
    assert api.get("/api/v1/categories/999999/templates").status_code == 404
    assert api.get("/api/v1/template-sets/999999").status_code == 404
    assert manager_api.patch("/api/v1/templates/999999", {"name": "x"}, format="json").status_code == 404
    assert manager_api.put("/api/v1/template-sets/999999", {}, format="json").status_code == 404


# --- templates ---------------------------------------------------------------------------------


def test_put_replaces_and_patch_changes_only_what_is_sent(manager_api, simple_template, category):
    response = manager_api.patch(
        f"/api/v1/templates/{simple_template.id}", {"description": "Cards"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["description"], response.json()["name"]) == ("Cards", "Simple")
    assert response.json()["revision"] == 1  # a description is not part of the revisioned content
    new_html = SIMPLE_HTML.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    response = manager_api.put(
        f"/api/v1/templates/{simple_template.id}",
        _new_template(category.id, name="Simple v2", html=new_html),
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["html"], body["description"]) == ("Simple v2", new_html, "")
    assert body["revision"] == 2


def test_deleting_a_template_in_a_set_is_refused_until_it_leaves_the_set(
    manager_api, simple_template, category
):
    other = manager_api.post("/api/v1/templates", _new_template(category.id), format="json").json()
    set_id = manager_api.post(
        "/api/v1/template-sets",
        {"name": "Main", "category": category.id, "template_ids": [simple_template.id]},
        format="json",
    ).json()["id"]
    response = manager_api.delete(f"/api/v1/templates/{simple_template.id}")
    assert response.status_code == 409
    assert response.json()["code"] == "template_in_use" and "'Main'" in response.json()["message"]
    manager_api.patch(f"/api/v1/template-sets/{set_id}", {"template_ids": [other["id"]]}, format="json")
    assert manager_api.delete(f"/api/v1/templates/{simple_template.id}").status_code == 204
    assert manager_api.get(f"/api/v1/templates/{simple_template.id}").status_code == 404


def test_the_list_filters_by_category_block_type_and_search(api, catalogue):
    fashion = catalogue["fashion"]
    body = api.get(f"/api/v1/templates?category={fashion.id}&size=50").json()
    assert len(body["results"]) == 7 and {t["category"]["slug"] for t in body["results"]} == {"fashion"}
    assert "html" not in body["results"][0]  # the list is light; the detail has the HTML
    faq = api.get("/api/v1/templates?block_type=FAQ&size=50").json()["results"]
    assert len(faq) == 5 and {t["block_type"] for t in faq} == {"FAQ"}
    found = api.get("/api/v1/templates?search=hero%20intro&size=50").json()["results"]
    assert {t["name"] for t in found} == {f"{c.name} · Hero introduction" for c in catalogue.values()}
    both = api.get(f"/api/v1/templates?category={fashion.id}&block_type=Specs").json()["results"]
    assert [t["name"] for t in both] == ["Fashion · Specification table"]
    assert api.get("/api/v1/templates?block_type=Banner").json()["code"] == "invalid"


def test_the_list_pages_by_page_number_and_by_cursor_without_gaps(api, catalogue):
    first = api.get("/api/v1/templates?size=20").json()
    assert set(first) == ENVELOPE and first["has_next"] and len(first["results"]) == 20
    second = api.get(f"/api/v1/templates?size=20&cursor={first['next_cursor']}").json()
    by_page = api.get("/api/v1/templates?size=20&page=2").json()
    assert [t["id"] for t in second["results"]] == [t["id"] for t in by_page["results"]]
    ids = [t["id"] for t in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == Template.objects.filter(is_active=True).count() == 35
    assert second["has_next"] is False and second["next_cursor"] is None
    assert api.get("/api/v1/templates?cursor=bogus").json()["fields"]["cursor"] == [
        "is not a cursor this API gave out."
    ]


def test_inactive_templates_are_hidden_except_from_content_managers_who_ask(
    api, manager_api, simple_template
):
    manager_api.patch(f"/api/v1/templates/{simple_template.id}", {"is_active": False}, format="json")
    query = f"/api/v1/templates?category={simple_template.category_id}&include_inactive=true"
    assert api.get(query).json()["results"] == []
    listed = manager_api.get(query).json()["results"]
    assert [t["id"] for t in listed] == [simple_template.id]


def test_the_preview_is_a_sanitised_page_filled_with_the_slots_examples(api, catalogue):
    template = Template.objects.get(name="Food · Key feature cards")
    response = api.get(f"/api/v1/templates/{template.id}/preview")
    assert response.status_code == 200 and response["Content-Type"] == "text/html; charset=utf-8"
    assert "sandbox" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert page.startswith("<!DOCTYPE html>") and "유기농 인증 농장의 완숙 감귤만 사용합니다." in page


# --- categories and sets ---------------------------------------------------------------------


def test_categories_list_and_their_templates(api, manager_api, catalogue):
    slugs = [c["slug"] for c in api.get("/api/v1/categories").json()["results"]]
    assert slugs == ["fashion", "food", "electronics", "beauty", "living"]
    beauty = catalogue["beauty"]
    names = [t["name"] for t in api.get(f"/api/v1/categories/{beauty.id}/templates").json()["results"]]
    assert len(names) == 7 and all(name.startswith("Beauty · ") for name in names)
    created = manager_api.post("/api/v1/categories", {"slug": "pets", "name": "Pets"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "pets"
    again = manager_api.post("/api/v1/categories", {"slug": "pets", "name": "Pets"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "category_exists"


def test_a_set_keeps_its_items_in_the_given_order_and_can_be_reordered(manager_api, api, catalogue):
    food = catalogue["food"]
    ids = list(Template.objects.filter(category=food).order_by("id").values_list("id", flat=True))
    chosen = [ids[6], ids[0], ids[3]]
    created = manager_api.post(
        "/api/v1/template-sets", {"name": "Short", "category": food.id, "template_ids": chosen}, format="json"
    )
    assert created.status_code == 201, created.json()
    set_id = created.json()["id"]
    assert [(i["position"], i["template"]["id"]) for i in created.json()["items"]] == [
        (1, chosen[0]),
        (2, chosen[1]),
        (3, chosen[2]),
    ]
    reordered = list(reversed(chosen))
    response = manager_api.put(
        f"/api/v1/template-sets/{set_id}",
        {"name": "Short", "category": food.id, "template_ids": reordered},
        format="json",
    )
    assert [i["template"]["id"] for i in response.json()["items"]] == reordered
    renamed = manager_api.patch(f"/api/v1/template-sets/{set_id}", {"name": "Shorter"}, format="json").json()
    assert renamed["name"] == "Shorter" and [i["template"]["id"] for i in renamed["items"]] == reordered
    read = api.get(f"/api/v1/template-sets/{set_id}").json()
    assert [i["template"]["id"] for i in read["items"]] == reordered


def test_a_set_cannot_hold_a_template_twice_or_an_unknown_one(manager_api, simple_template, category):
    doubled = [simple_template.id, simple_template.id]
    twice = manager_api.post(
        "/api/v1/template-sets",
        {"name": "S", "category": category.id, "template_ids": doubled},
        format="json",
    )
    assert twice.status_code == 400 and "only once" in twice.json()["fields"]["template_ids"][0]
    unknown = manager_api.post(
        "/api/v1/template-sets",
        {"name": "S", "category": category.id, "template_ids": [999999]},
        format="json",
    )
    assert unknown.status_code == 400 and "999999" in unknown.json()["message"]
    assert not TemplateSet.objects.filter(category=category).exists()


def test_making_a_set_the_default_takes_the_default_from_the_old_one(manager_api, api, catalogue):
    fashion = catalogue["fashion"]
    old = TemplateSet.objects.get(category=fashion, is_default=True)
    ids = list(Template.objects.filter(category=fashion).values_list("id", flat=True)[:2])
    new = manager_api.post(
        "/api/v1/template-sets",
        {"name": "Lean", "category": fashion.id, "is_default": True, "template_ids": ids},
        format="json",
    ).json()
    assert new["is_default"] is True
    assert api.get(f"/api/v1/template-sets/{old.id}").json()["is_default"] is False
    defaults = [
        s["id"]
        for s in api.get(f"/api/v1/template-sets?category={fashion.id}").json()["results"]
        if s["is_default"]
    ]
    assert defaults == [new["id"]]


# --- the cache ---------------------------------------------------------------------------------


def test_template_reads_are_cached_and_a_change_is_visible_at_once(
    api, manager_api, simple_template, django_assert_num_queries
):
    path = f"/api/v1/templates/{simple_template.id}"
    listing = f"/api/v1/templates?category={simple_template.category_id}"
    assert api.get(path).json()["name"] == "Simple"
    with django_assert_num_queries(1):  # the signed-in user only: the template comes from the cache
        assert api.get(path).json()["name"] == "Simple"
    assert api.get(listing).json()["results"][0]["name"] == "Simple"
    manager_api.patch(path, {"name": "Renamed"}, format="json")
    assert api.get(path).json()["name"] == "Renamed"
    assert api.get(listing).json()["results"][0]["name"] == "Renamed"


def test_a_change_made_outside_the_api_also_invalidates_cached_reads(api, simple_template):
    path = f"/api/v1/templates/{simple_template.id}"
    assert api.get(path).json()["is_active"] is True
    Template.objects.get(pk=simple_template.id).category.templates.first().delete()  # e.g. in the admin
    assert api.get(path).status_code == 404
