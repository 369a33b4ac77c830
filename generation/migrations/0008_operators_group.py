"""The "operators" group: what running the platform from the admin needs. Its members (staff)
see the dashboard and the jobs, cancel and retry them, review users and their limits, images
and the audit log, generated pages, and django-q2's task pages. Deleting jobs and the internal
models stay with superusers.

Permissions normally appear after all migrations (post_migrate); they are created here first so
the group can be given them on a fresh database (as templates_app's content managers group)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "operators"
PERMISSIONS = {
    "generation": ["view_job", "change_job"],
    "accounts": ["view_user", "change_user"],
    "gallery": ["view_image", "change_image", "view_auditlog"],
    "templates_app": ["view_page"],
    "django_q": ["view_success", "view_failure", "view_schedule"],
}


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codenames in PERMISSIONS.items():
        app_config = apps.get_app_config(app_label)
        if getattr(app_config, "models_module", None) is None:  # historical configs have none
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label,
                                                         codename__in=codenames))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0007_job_request_id_index"),
        ("accounts", "0001_initial"),
        ("gallery", "0002_thumbnails_trash_audit"),
        ("templates_app", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
