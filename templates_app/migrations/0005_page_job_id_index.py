from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("templates_app", "0004_page_block_count_job_id")]

    operations = [
        migrations.AlterField(
            model_name="page",
            name="job_id",
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
    ]
