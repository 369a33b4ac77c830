"""The starter catalogue a fresh install has, and importing templates from CSV or a folder."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from templates_app.models import CONTENT_MANAGERS, Category, Template, TemplateRevision, TemplateSet
from templates_app.rendering import template_preview
from tests.templates_app.conftest import dangerous_markup

ORDER = ["Introduction", "KeyFeatures", "Specs", "HowToUse", "Reviews", "FAQ", "CallToAction"]


@pytest.mark.django_db(serialized_rollback=True)
def test_a_fresh_install_has_the_starter_catalogue_and_the_content_managers_group():
    """What migrate left in the database (restored as it was right after migrating)."""
    categories = {category.slug: category for category in Category.objects.all()}
    assert set(categories) >= {"fashion", "food", "electronics", "beauty", "living"}
    for slug in ("fashion", "food", "electronics", "beauty", "living"):
        templates = Template.objects.filter(category=categories[slug])
        assert sorted(templates.values_list("block_type", flat=True)) == sorted(ORDER)
        default = TemplateSet.objects.get(category=categories[slug], is_default=True)
        blocks = [item.template.block_type for item in default.items.order_by("position")]
        assert sorted(blocks) == sorted(ORDER)
        assert (blocks[0], blocks[-1]) == ("Introduction", "CallToAction")
        assert TemplateRevision.objects.filter(template__in=templates, number=1).count() == 7
    assert Group.objects.get(name=CONTENT_MANAGERS).permissions.count() == 17


def test_every_starter_template_is_valid_and_previews_as_a_clean_page(catalogue):
    for template in Template.objects.filter(metadata__starter=True).select_related("category"):
        template.full_clean()
        page = template_preview(template=template)
        assert dangerous_markup(page) == [], template.name
        assert f"t-{template.category.slug}" in page


# --- CSV ---------------------------------------------------------------------------------------


def _csv(tmp_path, rows: list[dict], name="data.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_csv_with_aliased_columns_imports_templates_and_infers_missing_slots(tmp_path, category, capsys):
    path = _csv(
        tmp_path,
        [
            {
                "Template_HTML": "<h2>{{ title }}</h2>{% for f in features %}<p>{{ f }}</p>{% endfor %}",
                "concept": "key features",
                "title": "Imported features",
                "category": "Toys",
                "slots": "",
                "metadata": '{"source": "chroma"}',
            },
            {
                "Template_HTML": "<h2>{{ title }}</h2>",
                "concept": "CTA",
                "title": "Imported CTA",
                "category": "toys",
                "slots": json.dumps({"title": {"type": "text", "max_length": 30}}),
                "metadata": "",
            },
        ],
    )
    call_command("templates_import", "--csv", str(path))
    features = Template.objects.get(name="Imported features")
    assert features.block_type == "KeyFeatures" and features.category == category
    assert features.slots == {"title": {"type": "text"}, "features": {"type": "list"}}
    assert features.metadata == {"source": "chroma", "imported_from": "data.csv row 2"}
    assert Template.objects.get(name="Imported CTA").slots["title"]["max_length"] == 30
    assert features.revisions.count() == 1
    assert "2 created, 0 updated, 0 skipped, 0 invalid" in capsys.readouterr().out


def test_one_invalid_row_imports_nothing_and_names_the_row(tmp_path, category):
    path = _csv(
        tmp_path,
        [
            {"html": "<h2>{{ title }}</h2>", "block_type": "FAQ", "name": "Good", "category": "toys"},
            {"html": "<script>x()</script>", "block_type": "FAQ", "name": "Bad", "category": "toys"},
            {"html": "<p>x</p>", "block_type": "Banner", "name": "Odd", "category": "toys"},
        ],
    )
    with pytest.raises(CommandError, match="2 invalid row"):
        call_command("templates_import", "--csv", str(path), stderr=io.StringIO())
    assert not Template.objects.filter(category=category).exists()
    errors = io.StringIO()
    call_command("templates_import", "--csv", str(path), "--skip-invalid", stderr=errors)
    assert list(Template.objects.filter(category=category).values_list("name", flat=True)) == ["Good"]
    assert "data.csv row 3: html: templates may not contain <script> elements." in errors.getvalue()
    assert "data.csv row 4: unknown block type 'Banner'" in errors.getvalue()


def test_existing_templates_are_skipped_or_revised_and_categories_created_on_request(tmp_path, category):
    path = _csv(
        tmp_path, [{"html": "<h2>{{ title }}</h2>", "block_type": "faq", "name": "Q", "category": "toys"}]
    )
    call_command("templates_import", "--csv", str(path))
    call_command("templates_import", "--csv", str(path))
    assert Template.objects.filter(category=category, name="Q").count() == 1
    changed = _csv(
        tmp_path,
        [{"html": "<h3>{{ title }}</h3>", "block_type": "faq", "name": "Q", "category": "toys"}],
        name="v2.csv",
    )
    call_command("templates_import", "--csv", str(changed), "--update")
    template = Template.objects.get(category=category, name="Q")
    assert template.html == "<h3>{{ title }}</h3>" and template.revision == 2
    elsewhere = _csv(
        tmp_path,
        [{"html": "<h2>{{ title }}</h2>", "block_type": "faq", "name": "Q", "category": "Garden Tools"}],
        name="v3.csv",
    )
    with pytest.raises(CommandError):
        call_command("templates_import", "--csv", str(elsewhere), stderr=io.StringIO())
    call_command("templates_import", "--csv", str(elsewhere), "--create-categories")
    assert Category.objects.get(slug="garden-tools").templates.count() == 1


def test_a_dry_run_changes_nothing(tmp_path, category):
    path = _csv(
        tmp_path, [{"html": "<h2>{{ title }}</h2>", "block_type": "FAQ", "name": "Dry", "category": "toys"}]
    )
    out = io.StringIO()
    call_command("templates_import", "--csv", str(path), "--dry-run", stdout=out)
    assert "changes would be saved" in out.getvalue()
    assert not Template.objects.filter(name="Dry").exists()


# --- a folder of HTML files ----------------------------------------------------------------------


def test_a_folder_imports_in_name_order_with_front_matter_or_sidecars_and_makes_a_set(tmp_path, category):
    folder = tmp_path / "toys"
    folder.mkdir()
    (folder / "01-hero.html").write_text(
        '---\n{"name": "Toy hero", "slots": {"title": {"type": "text", "max_length": 40}}}\n---\n'
        "<h1>{{ title }}</h1>\n",
        encoding="utf-8",
    )
    (folder / "02-faq.html").write_text(
        "{% for q in faq %}<dt>{{ q.question }}</dt><dd>{{ q.answer }}</dd>{% endfor %}", encoding="utf-8"
    )
    (folder / "02-faq.json").write_text(json.dumps({"description": "Questions"}), encoding="utf-8")
    call_command("templates_import", "--folder", str(folder), "--set", "Toy page", "--default-set")
    hero, faq = Template.objects.get(name="Toy hero"), Template.objects.get(name="Faq")
    assert (hero.block_type, hero.category) == ("Introduction", category)
    assert hero.slots["title"]["max_length"] == 40
    assert (faq.block_type, faq.description, faq.slots) == ("FAQ", "Questions", {"faq": {"type": "qa"}})
    toy_set = TemplateSet.objects.get(name="Toy page")
    assert toy_set.is_default
    assert list(toy_set.items.order_by("position").values_list("template", flat=True)) == [hero.id, faq.id]


def test_a_missing_folder_or_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("templates_import", "--folder", str(tmp_path / "nope"))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("templates_import", "--csv", str(tmp_path / "nope.csv"))
