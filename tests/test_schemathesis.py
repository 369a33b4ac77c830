"""The API against its own OpenAPI schema (schemathesis): no 5xx, and every answer documented.

Every operation of /api/schema/ gets a few generated requests, valid and invalid, as an ordinary
user and as a staff user (real JWTs of users made here), through the WSGI application with its
whole middleware stack. See tests/contract.py for what is checked and what is left out.
"""

from __future__ import annotations

import os

import pytest
from django.core.wsgi import get_wsgi_application
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_create
from tests.contract import contract_run

# Per operation, persona and mode (valid / invalid data): about 80 operations x 2 x 2 x this.
MAX_EXAMPLES = 6


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


# transactional_db: the WSGI handler opens and closes database connections per request as in
# production, which a test wrapped in one transaction would not survive.
@pytest.mark.usefixtures("transactional_db", "starter_catalogue")
def test_every_operation_answers_as_its_schema_says_without_a_server_error():
    user = user_create(username="fuzz-user", password="correct horse battery")
    staff = user_create(username="fuzz-staff", password="correct horse battery", is_staff=True)

    report = contract_run(get_wsgi_application(),
                          personas={"user": _bearer(user), "staff": _bearer(staff)},
                          max_examples=int(os.environ.get("CONTRACT_MAX_EXAMPLES", MAX_EXAMPLES)),
                          path_regex=os.environ.get("CONTRACT_PATHS"))

    if not os.environ.get("CONTRACT_PATHS"):
        assert report.operations > 50
        assert report.cases > report.operations * 4
    assert not report.findings, report.summary() + '\nslowest: ' + report.slowest()
