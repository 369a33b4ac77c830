import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_storage_quota_mb"),
    ]

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("type", models.CharField(max_length=40)),
                ("object_type", models.CharField(max_length=16)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("payload", models.JSONField(default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["user", "id"], name="event_user_id"),
                    models.Index(fields=["object_type", "object_id", "id"], name="event_object"),
                    models.Index(fields=["created_at"], name="event_created_at"),
                ],
            },
        ),
    ]
