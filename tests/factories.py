"""factory_boy factories: rows in a given state straight through the ORM, for tests whose subject
is reading them (lists, details, query counts), not how they came to be. Files are names only;
a test that opens one stores it first."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from gallery.models import Image
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import provider_name_for_kind
from templates_app.models import Page


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")


def _ago(seconds: float):
    return factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=seconds))


class JobFactory(factory.django.DjangoModelFactory):
    """A waiting goods job; `running`, `succeeded`, `failed`, `canceled`, `timed_out` and
    `waiting_out_an_outage` give the other states with their timestamps and stage."""

    class Meta:
        model = Job

    user = factory.SubFactory(UserFactory)
    kind = JobKind.GOODS
    provider = factory.LazyAttribute(lambda job: provider_name_for_kind(job.kind))
    params = factory.LazyAttribute(
        lambda job: {
            JobKind.GOODS: {"goods_type": "mug", "aspect_ratio": "1:1", "output_format": "png"},
            JobKind.PPL: {"prompt": "On the table", "aspect_ratio": "1:1", "output_format": "png"},
            JobKind.EDIT: {"prompt": "Make it blue", "source": "upload", "output_format": "png"},
            JobKind.PAGE: {"product_info": "A mug", "template_ids": [], "with_images": False},
        }[job.kind]
    )
    status = JobStatus.QUEUED
    created_at = factory.LazyFunction(timezone.now)

    class Params:
        running = factory.Trait(
            status=JobStatus.RUNNING,
            stage=JobStage.WAITING,
            started_at=_ago(5),
            next_check_at=factory.LazyFunction(timezone.now),
        )
        succeeded = factory.Trait(
            status=JobStatus.SUCCEEDED, started_at=_ago(20), finished_at=_ago(1), progress=100
        )
        failed = factory.Trait(
            status=JobStatus.FAILED,
            started_at=_ago(20),
            finished_at=_ago(1),
            error_code="provider_failed",
            error_message="The provider failed.",
        )
        canceled = factory.Trait(
            status=JobStatus.CANCELED,
            finished_at=_ago(1),
            error_code="canceled",
            error_message="Canceled by the user.",
        )
        timed_out = factory.Trait(
            status=JobStatus.TIMED_OUT,
            started_at=_ago(300),
            finished_at=_ago(1),
            error_code="timeout",
            error_message="The job took too long.",
        )
        waiting_out_an_outage = factory.Trait(
            next_check_at=factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=30))
        )


class JobInputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobInput

    job = factory.SubFactory(JobFactory)
    role = "character_image"
    file = factory.Sequence(lambda n: f"inputs/{n:032x}.png")
    width = 256
    height = 256
    format = "png"
    size_bytes = 1000
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class ImageFactory(factory.django.DjangoModelFactory):
    """A gallery image; give `job_id` (and its owner) for a job's result."""

    class Meta:
        model = Image

    owner = factory.SubFactory(UserFactory)
    file = factory.Sequence(lambda n: f"images/{n:032x}.png")
    width = 1024
    height = 1024
    format = Image.Format.PNG
    size_bytes = 100_000
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    source = Image.Source.UPLOAD


class PageFactory(factory.django.DjangoModelFactory):
    """A product page; give `job_id` for a page job's result."""

    class Meta:
        model = Page

    owner = factory.SubFactory(UserFactory)
    title = "A mug"
    language = "en"
    html = "<html><body><h1>A mug</h1></body></html>"
    blocks = factory.LazyFunction(lambda: [{"position": 0, "template_name": "hero", "content": {}}])
    block_count = 1
    product_info_sha256 = "0" * 64


def finished_job_with_result(*, user, kind: str = JobKind.GOODS, **kwargs) -> Job:
    """A succeeded job as the engine leaves it: its inputs and result image, or its page."""
    job = JobFactory(user=user, kind=kind, succeeded=True, **kwargs)
    if kind == JobKind.PAGE:
        page = PageFactory(owner=user, job_id=job.id)
        job.provider_state = {"page_id": str(page.id)}
        job.save(update_fields=["provider_state"])
        return job
    roles = {
        JobKind.PPL: ["input_image_1", "input_image_2"],
        JobKind.GOODS: ["character_image"],
        JobKind.EDIT: ["image"],
    }[kind]
    for role in roles:
        JobInputFactory(job=job, role=role)
    ImageFactory(owner=user, job_id=job.id, source=kind)
    return job
