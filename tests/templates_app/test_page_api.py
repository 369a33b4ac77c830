"""The page API the web app uses (issue 10 §4): the list of own pages, the HTML with its images
inlined, a template set's preview, and swapping a block's image; through HTTP, real database
and storage, pages made by the real pipeline with the offline LLM."""

import base64
import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone
from PIL import Image as PILImage

from gallery.imaging import prepared_from_image
from gallery.models import Image
from gallery.services import image_create, image_trash
from generation.llm import get_llm
from templates_app.models import Page, Template, TemplateSet
from templates_app.pages import page_generate
from templates_app.selectors import page_template_ids_resolve
from tests.templates_app.conftest import KOREAN_PRODUCT, dangerous_markup


def generate(**arguments):
    return async_to_sync(page_generate)(llm=get_llm(), **arguments)


def _picture(owner, color=(200, 180, 160)) -> Image:
    picture = PILImage.new("RGB", (64, 48), color)
    return image_create(owner=owner, prepared=prepared_from_image(picture, "png"), source="upload")


def _page(user, category, *, with_images=False):
    async def make_image(prompt: str):
        return await sync_to_async(_picture)(user)

    return generate(
        owner_id=user.id,
        product_info=KOREAN_PRODUCT,
        product_name=None,
        template_ids=page_template_ids_resolve(category_id=category.id),
        language=None,
        with_images=with_images,
        make_image=make_image if with_images else None,
    )


@pytest.fixture
def illustrated(user, catalogue):
    """A living-category page whose hero (its only block with an image slot) has an image."""
    return _page(user, catalogue["living"], with_images=True)


# --- the list ---------------------------------------------------------------------------------------


def test_the_page_list_is_the_owners_pages_newest_first_in_pages(
    api, other_api, user, other_user, catalogue, django_assert_num_queries
):
    made = [_page(user, catalogue[slug]) for slug in ("food", "beauty", "fashion")]
    _page(other_user, catalogue["food"])
    now = timezone.now()
    for age, result in enumerate(made):  # the first one made is the oldest
        Page.objects.filter(pk=result.page_id).update(created_at=now - timedelta(minutes=10 - age))
    newest_first = [str(result.page_id) for result in reversed(made)]

    with django_assert_num_queries(2):  # the user, then one page of rows
        first = api.get("/api/v1/pages?size=2").json()
    assert [row["id"] for row in first["results"]] == newest_first[:2]
    assert first["has_next"] is True
    row = first["results"][0]
    assert set(row) == {"id", "title", "language", "created_at", "job_id", "html_url", "block_count"}
    assert (row["title"], row["language"], row["block_count"], row["job_id"]) == (
        "린넨 와이드 팬츠",
        "ko",
        7,
        None,
    )
    assert row["html_url"] == f"http://testserver/api/v1/pages/{row['id']}/html"
    rest = api.get(f"/api/v1/pages?size=2&cursor={first['next_cursor']}").json()
    assert [row["id"] for row in rest["results"]] == newest_first[2:] and rest["has_next"] is False
    assert [row["id"] for row in api.get("/api/v1/pages?size=2&page=2").json()["results"]] == newest_first[2:]
    assert len(other_api.get("/api/v1/pages").json()["results"]) == 1


def test_bad_page_list_parameters_are_400(api):
    assert "size" in api.get("/api/v1/pages?size=0").json()["fields"]
    assert "cursor" in api.get("/api/v1/pages?cursor=zzz").json()["fields"]


# --- the HTML ----------------------------------------------------------------------------------------


def test_inline_images_puts_each_image_into_the_document_as_a_data_url(api, user, illustrated):
    hero = illustrated.blocks[0]
    image = Image.objects.get(pk=hero["image_id"])
    path = f"/api/v1/pages/{illustrated.page_id}/html"
    assert f'src="/api/v1/images/{image.id}/file"' in api.get(path).content.decode()

    response = api.get(f"{path}?inline_images=1")
    document = response.content.decode()
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "/api/v1/images/" not in document
    [data] = re.findall(r'src="data:image/png;base64,([^"]+)"', document)
    with image.file.open("rb") as handle:
        assert base64.b64decode(data) == handle.read()
    assert dangerous_markup(document) == []
    assert "img-src 'self' https: data:" in document  # the page's own CSP lets the data URL show
    download = api.get(f"{path}?inline_images=1&download=1")
    assert download["Content-Disposition"] == f'attachment; filename="page-{illustrated.page_id}.html"'
    assert download.content == response.content


def test_inline_images_leaves_out_nothing_of_the_page_when_the_image_is_gone(api, illustrated):
    hero = illustrated.blocks[0]
    Image.objects.filter(pk=hero["image_id"]).delete()
    document = api.get(f"/api/v1/pages/{illustrated.page_id}/html?inline_images=1").content.decode()
    assert document == illustrated.html  # nothing to inline: the reference stays as it was


def test_another_users_page_html_and_list_entries_are_not_theirs(other_api, illustrated):
    assert other_api.get(f"/api/v1/pages/{illustrated.page_id}/html?inline_images=1").status_code == 404
    assert other_api.get("/api/v1/pages").json()["results"] == []


# --- template set preview ----------------------------------------------------------------------------


def test_a_template_sets_preview_shows_its_active_templates_in_order(api, catalogue):
    template_set = TemplateSet.objects.get(category=catalogue["food"], is_default=True)
    items = list(template_set.items.order_by("position").select_related("template"))
    Template.objects.filter(pk=items[1].template_id).update(is_active=False)
    response = api.get(f"/api/v1/template-sets/{template_set.id}/preview")
    assert response.status_code == 200 and response["Content-Type"] == "text/html; charset=utf-8"
    assert "sandbox" in response["Content-Security-Policy"]
    document = response.content.decode()
    sections = re.findall(r'<section class="pp (pp-[a-z]+)', document)
    expected = {
        "Introduction": "pp-hero",
        "KeyFeatures": "pp-features",
        "Specs": "pp-specs",
        "HowToUse": "pp-steps",
        "Reviews": "pp-reviews",
        "FAQ": "pp-faq",
        "CallToAction": "pp-cta",
    }
    assert sections == [expected[item.template.block_type] for item in items if item != items[1]]
    assert f"<title>{template_set.name}</title>" in document
    assert dangerous_markup(document) == []


def test_an_unknown_template_sets_preview_is_404_and_anonymous_401(api, client):
    assert api.get("/api/v1/template-sets/999999/preview").status_code == 404
    assert client.get("/api/v1/template-sets/1/preview").status_code == 401


# --- swapping a block's image --------------------------------------------------------------------------


def test_each_block_says_where_it_came_from_and_which_image_it_shows(api, illustrated):
    blocks = api.get(f"/api/v1/pages/{illustrated.page_id}").json()["blocks"]
    for block in blocks:
        template = Template.objects.get(pk=block["template_id"])
        assert (block["template_name"], block["template_revision"]) == (template.name, template.revision)
        assert block["model"] == "local" and "sparse" in block
    assert blocks[0]["image_slot"] == "image" and blocks[0]["image_id"]
    assert all(block["image_slot"] is None and block["image_id"] is None for block in blocks[1:])


def test_a_blocks_image_is_swapped_for_another_of_the_owners_images(api, user, illustrated):
    old = illustrated.blocks[0]["image_id"]
    new = _picture(user, (10, 20, 30))
    response = api.post(
        f"/api/v1/pages/{illustrated.page_id}/blocks/0/image", {"image_id": str(new.id)}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["blocks"][0]["image_id"] == str(new.id)
    assert body["blocks"][0]["content"]["image"] == f"/api/v1/images/{new.id}/file"
    assert body["blocks"][1:] == illustrated.blocks[1:]
    page = Page.objects.get(pk=illustrated.page_id)
    # Rendered again from the same template revisions: only the image changed.
    expected = illustrated.html.replace(f"/api/v1/images/{old}/file", f"/api/v1/images/{new.id}/file")
    assert page.html == expected
    assert page.blocks == body["blocks"]


def test_a_swap_renders_the_revision_the_page_was_made_with_not_a_later_edit(api, user, manager, illustrated):
    from templates_app.services import template_update

    hero = Template.objects.get(pk=illustrated.blocks[0]["template_id"])
    changed = hero.html.replace("pp-hero", "pp-hero pp-new")
    template_update(template=hero, user=manager, data={"html": changed})
    new = _picture(user, (10, 20, 30))
    api.post(f"/api/v1/pages/{illustrated.page_id}/blocks/0/image", {"image_id": str(new.id)}, format="json")
    assert "pp-new" not in Page.objects.get(pk=illustrated.page_id).html


def test_a_block_that_had_no_image_gets_one_where_its_template_has_a_slot(api, user, catalogue):
    plain = _page(user, catalogue["living"])
    assert plain.blocks[0]["image_id"] is None and "<img" not in plain.html
    picture = _picture(user)
    body = api.post(
        f"/api/v1/pages/{plain.page_id}/blocks/0/image", {"image_id": str(picture.id)}, format="json"
    ).json()
    assert body["blocks"][0]["image_id"] == str(picture.id)
    assert f'src="/api/v1/images/{picture.id}/file"' in Page.objects.get(pk=plain.page_id).html


def test_swapping_refuses_blocks_without_an_image_slot_and_images_that_are_not_yours(
    api, user, other_user, illustrated
):
    path = f"/api/v1/pages/{illustrated.page_id}/blocks"
    mine, theirs, trashed = _picture(user), _picture(other_user), _picture(user)
    image_trash(user=user, image_id=trashed.id)
    no_slot = api.post(f"{path}/1/image", {"image_id": str(mine.id)}, format="json")
    assert no_slot.status_code == 400 and no_slot.json()["code"] == "no_image_slot"
    assert "index" in no_slot.json()["fields"]
    for image in (theirs, trashed):
        response = api.post(f"{path}/0/image", {"image_id": str(image.id)}, format="json")
        assert response.status_code == 400 and "image_id" in response.json()["fields"]
    nothing = api.post(f"{path}/0/image", {}, format="json")
    assert nothing.json()["fields"] == {"image_id": ["This field is required."]}
    missing = api.post(f"{path}/7/image", {"image_id": str(mine.id)}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "block_not_found"
    assert Page.objects.get(pk=illustrated.page_id).html == illustrated.html


def test_another_users_page_block_answers_404(other_api, other_user, illustrated):
    theirs = _picture(other_user)
    response = other_api.post(
        f"/api/v1/pages/{illustrated.page_id}/blocks/0/image", {"image_id": str(theirs.id)}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Page.objects.get(pk=illustrated.page_id).html == illustrated.html
