"""Importing templates in the admin: a CSV or a zipped folder, a dry run that changes nothing,
then the import on confirmation; who may do it."""
# ruff: noqa: F811 (the catalogue fixtures are imported from tests/templates_app/conftest.py)

import csv
import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.services import user_create
from templates_app.models import Category
from tests.templates_app.conftest import category, manager, manager_group  # noqa: F401

URL = "/admin/templates_app/template/import/"
GOOD = "<section><h2>{{ title }}</h2><ul>{% for f in features %}<li>{{ f }}</li>{% endfor %}</ul></section>"


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def editor(manager) -> Client:
    return client_for(manager)


def csv_file(*rows: tuple[str, str, str], name="blocks.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows([("name", "block_type", "category", "html"), *rows])
    return SimpleUploadedFile(name, text.getvalue().encode(), content_type="text/csv")


def payload(page: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', page).group(1)


def test_the_import_page_opens_and_the_list_links_to_it(editor, category):
    assert editor.get(URL).status_code == 200  # no longer "Template with ID 'import' doesn't exist"
    assert f'href="{URL}"' in editor.get("/admin/templates_app/template/").content.decode()


def test_a_csv_dry_run_reports_and_changes_nothing_then_the_confirmation_imports(editor, manager, category):
    upload = csv_file(("Hero", "hero", "toys", GOOD), ("Perks", "features", "toys", GOOD))
    page = editor.post(URL, {"file": upload}).content.decode()
    assert "2 created, 0 updated, 0 skipped, 0 refused; nothing is saved yet." in page
    assert "blocks.csv row 2: Hero" in page and "blocks.csv row 3: Perks" in page
    assert not category.templates.exists()
    response = editor.post(URL, {"payload": payload(page)}, follow=True)
    assert "Imported blocks.csv: 2 created, 0 updated, 0 skipped, 0 refused." in response.content.decode()
    imported = category.templates.order_by("id")
    assert [(t.name, t.block_type, t.category) for t in imported] == [
        ("Hero", "Introduction", category),
        ("Perks", "KeyFeatures", category),
    ]
    assert imported[0].revisions.get().created_by == manager


def test_refused_rows_are_listed_and_block_the_import_unless_valid_rows_may_go_alone(editor, category):
    rows = (
        ("Hero", "hero", "toys", GOOD),
        ("Broken", "hero", "toys", "<h2>{% for x in y %}</h2>"),
        ("Odd", "nonsense", "toys", GOOD),
    )
    page = editor.post(URL, {"file": csv_file(*rows)}).content.decode()
    assert "1 created, 0 updated, 0 skipped, 2 refused" in page
    assert "blocks.csv row 3: line 1: {% for %} is never closed" in page.replace("&#x27;", "'")
    assert "unknown block type &#x27;nonsense&#x27;" in page
    assert 'name="payload"' not in page and "Nothing can be imported while rows are refused" in page
    page = editor.post(URL, {"file": csv_file(*rows), "skip_invalid": "on"}).content.decode()
    editor.post(URL, {"payload": payload(page)})
    assert list(category.templates.values_list("name", flat=True)) == ["Hero"]


def test_a_zipped_folder_imports_into_the_folders_category_with_a_set(editor):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Garden/01-hero.html", GOOD)
        zipped.writestr("Garden/02-features.html", GOOD)
        zipped.writestr("Garden/02-features.json", json.dumps({"name": "Why it lasts"}))
        zipped.writestr("__MACOSX/Garden/._01-hero.html", "junk")
    upload = SimpleUploadedFile("garden.zip", archive.getvalue(), content_type="application/zip")
    options = {"create_categories": "on", "set_name": "Garden page"}
    page = editor.post(URL, {"file": upload, **options}).content.decode()
    assert "2 created, 0 updated, 0 skipped, 0 refused; the set “Garden page” would be made" in page
    assert not Category.objects.filter(name="Garden").exists()  # the dry run created nothing
    editor.post(URL, {"payload": payload(page)})
    garden = Category.objects.get(name="Garden")
    assert list(garden.templates.order_by("id").values_list("name", "block_type")) == [
        ("Hero", "Introduction"),
        ("Why it lasts", "KeyFeatures"),
    ]
    items = garden.template_sets.get(name="Garden page").items.order_by("position")
    assert list(items.values_list("template__name", flat=True)) == ["Hero", "Why it lasts"]


def test_an_existing_template_is_skipped_or_with_update_revised(editor, category):
    editor.post(
        URL,
        {
            "payload": payload(
                editor.post(URL, {"file": csv_file(("Hero", "hero", "toys", GOOD))}).content.decode()
            )
        },
    )
    changed = GOOD.replace("<h2>", '<h2 class="big">')
    page = editor.post(URL, {"file": csv_file(("Hero", "hero", "toys", changed))}).content.decode()
    assert "0 created, 0 updated, 1 skipped" in page
    upload = csv_file(("Hero", "hero", "toys", changed))
    page = editor.post(URL, {"file": upload, "update": "on"}).content.decode()
    editor.post(URL, {"payload": payload(page)})
    hero = category.templates.get(name="Hero")
    assert (hero.revision, hero.html) == (2, changed)


def test_a_changed_or_stale_confirmation_imports_nothing(editor, category):
    page = editor.post(URL, {"file": csv_file(("Hero", "hero", "toys", GOOD))}).content.decode()
    response = editor.post(URL, {"payload": payload(page)[:-2] + "xx"}, follow=True)
    assert "upload the file again" in response.content.decode()
    assert not category.templates.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("notes.txt", b"hello"), "must be a .csv file or a .zip of a folder."),
        (SimpleUploadedFile("x.csv", b"name,block_type\nHero,hero"), "x.csv has no HTML column"),
        (SimpleUploadedFile("x.zip", b"not a zip"), "x.zip is not a zip file."),
        (SimpleUploadedFile("x.csv", "이름".encode("euc-kr")), "x.csv is not UTF-8 text."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_the_file(editor, upload, message):
    page = editor.post(URL, {"file": upload}).content.decode()
    assert message in page and 'name="payload"' not in page


def test_staff_without_the_group_cannot_import_and_a_superuser_can(staff_user, category):
    upload = csv_file(("Hero", "hero", "toys", GOOD))
    assert client_for(staff_user).post(URL, {"file": upload}).status_code == 403
    root = client_for(
        user_create(username="root", password="correct horse battery", is_staff=True, is_superuser=True)
    )
    upload.seek(0)
    page = root.post(URL, {"file": upload}).content.decode()
    root.post(URL, {"payload": payload(page)})
    assert category.templates.filter(name="Hero").exists()
