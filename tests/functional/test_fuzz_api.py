"""Schemathesis fuzzes every API operation from /api/openapi.json, through WSGI.

No answer may be a 5xx, and every documented answer must match its schema.
"""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from marketplace import create_app
from marketplace.auth.sessions import issue_token
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.models import Role, utcnow
from tests import factories

MAX_EXAMPLES = 8


@pytest.fixture
def bearer(app) -> dict:
    """A volunteer's token, an organisation with an opportunity to find."""
    volunteer = factories.make_user(email="fuzz@example.org")
    member = factories.make_user(Role.ORGANIZER, email="member@example.org")
    organization = factories.make_organization(members=[member])
    factories.make_opportunity(organization, starts=utcnow() + timedelta(days=3))
    raw, _ = issue_token(volunteer, app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


# The document does not depend on the data: read it once from a bare app. (The
# fixture loader, schemathesis.pytest.from_fixture, does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", create_app(TestingConfig))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_never_fails_and_keeps_its_schema(app, case, bearer):
    app.config["REGISTRATION_LIMIT"] = "10000 per hour"
    app.config["APPLICATION_LIMIT"] = "10000 per hour"
    case.call_and_validate(
        app=app,
        session=app.test_client(use_cookies=False),
        headers=bearer,
        checks=[not_a_server_error, response_schema_conformance],
    )
