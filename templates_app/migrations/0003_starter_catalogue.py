"""The starter catalogue: categories, block templates (revision 1 each) and a default set per
category, from templates_app.starter. Categories that already exist (by slug) are left alone."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from templates_app.starter import starter_catalogue

    Category = apps.get_model("templates_app", "Category")
    Template = apps.get_model("templates_app", "Template")
    TemplateRevision = apps.get_model("templates_app", "TemplateRevision")
    TemplateSet = apps.get_model("templates_app", "TemplateSet")
    TemplateSetItem = apps.get_model("templates_app", "TemplateSetItem")
    now = timezone.now()
    for entry in starter_catalogue():
        if Category.objects.filter(slug=entry["slug"]).exists():
            continue
        category = Category.objects.create(slug=entry["slug"], name=entry["name"],
                                           description=entry["description"], created_at=now)
        template_set = TemplateSet.objects.create(
            name=entry["set"]["name"], category=category, description=entry["set"]["description"],
            is_default=not TemplateSet.objects.filter(category=category, is_default=True).exists(),
            created_at=now, updated_at=now)
        for position, data in enumerate(entry["templates"], start=1):
            template = Template.objects.create(category=category, revision=1, created_at=now, updated_at=now,
                                               **data)
            TemplateRevision.objects.create(
                template=template, number=1, name=template.name, block_type=template.block_type,
                html=template.html, slots=template.slots, metadata=template.metadata,
                note="Starter catalogue", created_at=now)
            TemplateSetItem.objects.create(template_set=template_set, template=template, position=position)


def unload(apps, schema_editor):
    from templates_app.starter import CATEGORIES

    Category = apps.get_model("templates_app", "Category")
    TemplateSet = apps.get_model("templates_app", "TemplateSet")
    Template = apps.get_model("templates_app", "Template")
    slugs = [category["slug"] for category in CATEGORIES]
    TemplateSet.objects.filter(category__slug__in=slugs).delete()
    Template.objects.filter(category__slug__in=slugs, metadata__starter=True).delete()
    Category.objects.filter(slug__in=slugs, templates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("templates_app", "0002_content_managers_group")]

    operations = [migrations.RunPython(load, unload)]
