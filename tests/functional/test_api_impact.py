"""GET /api/v1/impact/summary: API.md's shape, counted from the database."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Cause,
    OpportunityStatus,
    OrganizationStatus,
    Role,
    utcnow,
)
from tests import factories


def test_summary_shape_and_numbers(api):
    organization = factories.make_organization()
    factories.make_organization(status=OrganizationStatus.PENDING)
    past = utcnow().replace(microsecond=0) - timedelta(days=3)
    served = factories.make_opportunity(
        organization, causes=("education", "health"), starts=past
    )
    factories.make_opportunity(organization, status=OpportunityStatus.DRAFT)
    volunteers = [factories.make_user() for _ in range(3)]
    factories.make_user(Role.ORGANIZER)
    shift = served.shifts[0]
    for volunteer, attended in zip(volunteers, (True, True, False), strict=True):
        db.session.add(
            Application(
                shift=shift,
                volunteer=volunteer,
                status=ApplicationStatus.APPROVED,
                attendance=Attendance.ATTENDED if attended else Attendance.NO_SHOW,
                hours=2.5 if attended else None,
            )
        )
    shift.spots_taken = 3
    db.session.commit()

    response = api.get("/api/v1/impact/summary")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {
        "volunteers",
        "organizations",
        "opportunities",
        "matches_approved",
        "hours_served",
        "by_cause",
    }
    assert body["volunteers"] == 3
    assert body["organizations"] == 1
    assert body["opportunities"] == 1
    assert body["matches_approved"] == 3
    assert body["hours_served"] == 5.0
    slugs = list(db.session.scalars(sa.select(Cause.slug).order_by(Cause.position)))
    assert [entry["cause"] for entry in body["by_cause"]] == slugs
    by_cause = {entry["cause"]: entry for entry in body["by_cause"]}
    assert by_cause["education"] == {
        "cause": "education",
        "matches_approved": 3,
        "hours_served": 5.0,
    }
    assert by_cause["health"]["hours_served"] == 5.0
    assert by_cause["environment"] == {
        "cause": "environment",
        "matches_approved": 0,
        "hours_served": 0.0,
    }


def test_summary_of_an_empty_marketplace(api):
    body = api.get("/api/v1/impact/summary").get_json()
    assert body["volunteers"] == 0 and body["hours_served"] == 0
    assert all(entry["matches_approved"] == 0 for entry in body["by_cause"])


def test_summary_is_in_the_openapi_document(api):
    spec = api.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/impact/summary"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "ImpactSummary" in schema["$ref"]
