"""The API against its own OpenAPI schema (schemathesis): no 5xx, and every answer documented.

Every operation of /api/schema/ gets a few generated requests, valid and invalid, as an ordinary
user and as a staff user (real JWTs of users made here), through the WSGI application with its
whole middleware stack. See tests/contract.py for what is checked and what is left out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.wsgi import get_wsgi_application
from PIL import Image as PILImage
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_create
from gallery.imaging import prepared_from_image
from gallery.services import image_create
from generation.llm import get_llm
from generation.selectors import job_get
from generation.services.jobs import job_cancel
from templates_app.models import Category, Template, TemplateSet
from templates_app.pages import page_generate
from templates_app.selectors import page_template_ids_resolve
from tests.conftest import api_client_for, goods_form
from tests.contract import Persona, contract_run

# Generated cases per operation, persona and mode (valid / invalid data): ~76 operations x 2 x 2 x this.
MAX_EXAMPLES = 5
# And this many edge cases of schemathesis' coverage phase per operation and persona.
MAX_COVERAGE_CASES = 10


def _picture(owner):
    picture = PILImage.new("RGB", (64, 48), (200, 180, 160))
    return image_create(owner=owner, prepared=prepared_from_image(picture, "png"), source="upload")


def _persona(user) -> Persona:
    """The user's token, and a finished goods job, an image and a page of theirs (whose first
    block has an image slot) for the paths of valid cases, beside the catalogue's ids."""
    response = api_client_for(user).post("/api/v1/jobs/goods", goods_form(), format="multipart")
    assert response.status_code == 202, response.content
    job = job_cancel(job=job_get(user=user, job_id=response.json()["id"]))

    async def make_image(prompt: str):
        return await sync_to_async(_picture)(user)

    living = Category.objects.get(slug="living")
    page = async_to_sync(page_generate)(
        llm=get_llm(),
        owner_id=user.id,
        product_info="Linen wide trousers, 100% linen, S/M/L, beige.",
        product_name=None,
        template_ids=page_template_ids_resolve(category_id=living.id),
        language=None,
        with_images=True,
        make_image=make_image,
    )
    template = Template.objects.filter(is_active=True).order_by("id").first()
    return Persona(
        headers={"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"},
        path_ids={
            "job_id": str(job.id),
            "role": "character_image",
            "image_id": str(_picture(user).id),
            "page_id": str(page.page_id),
            "index": 0,
            "template_id": template.id,
            "category_id": template.category_id,
            "template_set_id": TemplateSet.objects.order_by("id").first().id,
        },
    )


# The operations in this many parts, each a test of its own, so parallel test processes share
# them (together they cover every operation once; one part was the suite's longest test).
SHARDS = 4


# transactional_db: the WSGI handler opens and closes database connections per request as in
# production, which a test wrapped in one transaction would not survive.
@pytest.mark.slow
@pytest.mark.usefixtures("transactional_db", "starter_catalogue")
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_its_schema_says_without_a_server_error(shard):
    # A report (benchmarks/fault_bench.py) or a narrowed run covers its operations in one part.
    whole = bool(os.environ.get("CONTRACT_REPORT") or os.environ.get("CONTRACT_PATHS"))
    if whole and shard:
        pytest.skip("part 0 runs every operation when CONTRACT_REPORT or CONTRACT_PATHS is set")
    user = user_create(username="fuzz-user", password="correct horse battery")
    staff = user_create(username="fuzz-staff", password="correct horse battery", is_staff=True)

    report = contract_run(
        get_wsgi_application(),
        personas={"user": _persona(user), "staff": _persona(staff)},
        max_examples=int(os.environ.get("CONTRACT_MAX_EXAMPLES", MAX_EXAMPLES)),
        max_coverage_cases=int(os.environ.get("CONTRACT_COVERAGE", MAX_COVERAGE_CASES)),
        path_regex=os.environ.get("CONTRACT_PATHS"),
        shard=None if whole else (shard, SHARDS),
    )

    if os.environ.get("CONTRACT_REPORT"):  # benchmarks/fault_bench.py reads the figures
        Path(os.environ["CONTRACT_REPORT"]).write_text(json.dumps(report.figures()))
    if not os.environ.get("CONTRACT_PATHS"):
        assert report.operations > 50 // (1 if whole else SHARDS)
        assert report.cases > report.operations * 4
    assert not report.findings, report.summary() + "\nslowest: " + report.slowest()
