"""The "content managers" group with exactly what managing the catalogue needs.

Permissions normally appear after all migrations (post_migrate); they are created here first so
the group can be given them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "content managers"
PERMISSIONS = [
    *(f"{action}_{model}" for model in ("category", "template", "templateset", "templatesetitem")
      for action in ("view", "add", "change", "delete")),
    "view_templaterevision",  # history and compare; a revert is a change of the template
]


def create_group(apps, schema_editor):
    app_config = apps.get_app_config("templates_app")
    if getattr(app_config, "models_module", None) is None:  # historical configs have none; it is needed
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = Permission.objects.filter(content_type__app_label="templates_app", codename__in=PERMISSIONS)
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("templates_app", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
