"""Pages: block_count (filled from the stored blocks) and the job that made them; the owner's
index gains the id, the list's tie-breaker."""

from django.db import migrations, models


def count_blocks(apps, schema_editor):
    Page = apps.get_model("templates_app", "Page")
    for page in Page.objects.only("id", "blocks").iterator(chunk_size=500):
        Page.objects.filter(pk=page.pk).update(block_count=len(page.blocks or []))


class Migration(migrations.Migration):
    dependencies = [("templates_app", "0003_starter_catalogue")]

    operations = [
        migrations.AddField(
            model_name="page",
            name="block_count",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="page",
            name="job_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RemoveIndex(model_name="page", name="page_owner_newest"),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(fields=["owner", "-created_at", "-id"], name="page_owner_newest_id"),
        ),
        migrations.RunPython(count_blocks, migrations.RunPython.noop),
    ]
