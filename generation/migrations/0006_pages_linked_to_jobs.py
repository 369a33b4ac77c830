"""Pages made before pages recorded their job get its id, from the job's provider_state: a job's
detail and the job list find a finished job's page by it."""

import uuid

from django.db import migrations


def link_pages(apps, schema_editor):
    Job = apps.get_model("generation", "Job")
    Page = apps.get_model("templates_app", "Page")
    jobs = Job.objects.filter(kind="page", status="succeeded").only("id", "provider_state")
    for job in jobs.iterator(chunk_size=500):
        try:
            page_id = uuid.UUID(str((job.provider_state or {}).get("page_id")))
        except ValueError:
            continue
        Page.objects.filter(pk=page_id, job_id__isnull=True).update(job_id=job.id)


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0005_job_dashboard_indexes"),
        ("templates_app", "0005_page_job_id_index"),
    ]

    operations = [migrations.RunPython(link_pages, migrations.RunPython.noop)]
