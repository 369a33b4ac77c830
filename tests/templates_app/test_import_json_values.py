"""Importing from a folder whose front matter holds JSON values (objects, booleans) under any
spelling of a column: they are taken as values, not as their text."""

import json

from django.core.management import call_command

from templates_app.models import Template


def test_front_matter_objects_and_booleans_are_taken_under_any_column_spelling(tmp_path, category):
    folder = tmp_path / "toys"
    folder.mkdir()
    front = {
        "name": "Toy hero",
        "Slots": {"title": {"type": "text", "max_length": 40}},
        "Metadata": {"source": "chroma"},
        "active": False,
    }
    (folder / "01-hero.html").write_text(
        f"---\n{json.dumps(front)}\n---\n<h1>{{{{ title }}}}</h1>\n", encoding="utf-8"
    )
    (folder / "02-faq.html").write_text("<p>{{ text }}</p>", encoding="utf-8")
    (folder / "02-faq.json").write_text(json.dumps({"name": "Toy faq", "is_active": True}), encoding="utf-8")
    call_command("templates_import", "--folder", str(folder), "--category", "toys")
    hero, faq = Template.objects.get(name="Toy hero"), Template.objects.get(name="Toy faq")
    assert hero.slots == {"title": {"type": "text", "max_length": 40}}
    assert hero.metadata == {"source": "chroma", "imported_from": "01-hero.html"}
    assert hero.is_active is False
    assert faq.is_active is True
