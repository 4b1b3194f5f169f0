"""Every route of the app against every kind of caller.

Roles: anonymous, a volunteer (who applied), another volunteer, a member of the
organisation, a member of another organisation, and staff. A route missing from
MATRIX fails the test, so a new route cannot ship without saying who may use it.
"""

from datetime import timedelta

import pytest
from flask import url_for
from itsdangerous import URLSafeSerializer

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ProposalRun,
    Role,
    RunStatus,
    utcnow,
)
from tests import factories
from tests.functional.access_areas import AREAS
from tests.functional.access_areas.roles import (
    EVERYONE,
    LOGGED_IN,
    MEMBER,
    MEMBER_OR_STAFF,
    ORGANIZERS,
    OWNER,
    ROLES,
    STAFF,
    VOLUNTEERS,
)

# (endpoint, method) -> the roles allowed; everyone else must be refused.
MATRIX = {
    ("main.index", "GET"): EVERYONE,
    ("main.healthz", "GET"): EVERYONE,
    ("main.set_language", "POST"): EVERYONE,
    ("static", "GET"): EVERYONE,
    ("api-docs.openapi_json", "GET"): EVERYONE,
    ("auth.register", "GET"): EVERYONE,
    ("auth.register", "POST"): EVERYONE,
    ("auth.login", "GET"): EVERYONE,
    ("auth.login", "POST"): EVERYONE,
    ("auth.logout", "POST"): LOGGED_IN,
    ("auth.change_password", "GET"): LOGGED_IN,
    ("auth.change_password", "POST"): LOGGED_IN,
    ("volunteers.browse", "GET"): EVERYONE,
    ("volunteers.opportunity", "GET"): EVERYONE,
    ("volunteers.calendar_feed", "GET"): EVERYONE,  # a secret URL
    ("volunteers.apply", "POST"): VOLUNTEERS,
    ("volunteers.withdraw", "POST"): OWNER,
    ("volunteers.accept_invitation", "POST"): OWNER,
    ("volunteers.decline_invitation", "POST"): OWNER,
    ("volunteers.application_ics", "GET"): OWNER,
    ("volunteers.edit_profile", "GET"): VOLUNTEERS,
    ("volunteers.edit_profile", "POST"): VOLUNTEERS,
    ("volunteers.my_shifts", "GET"): VOLUNTEERS,
    ("volunteers.reset_calendar", "POST"): VOLUNTEERS,
    ("main.notifications", "GET"): LOGGED_IN,
    ("main.read_notifications", "POST"): LOGGED_IN,
    ("organizations.self_check_in", "GET"): VOLUNTEERS,
    ("organizations.self_check_in", "POST"): VOLUNTEERS,
    ("organizations.profile", "GET"): EVERYONE,
    ("organizations.mine", "GET"): ORGANIZERS,
    ("organizations.register", "GET"): ORGANIZERS,
    ("organizations.register", "POST"): ORGANIZERS,
    ("organizations.dashboard", "GET"): MEMBER_OR_STAFF,
    ("organizations.edit", "GET"): MEMBER,
    ("organizations.edit", "POST"): MEMBER,
    ("organizations.add_member", "POST"): MEMBER,
    ("organizations.new_opportunity", "GET"): MEMBER,
    ("organizations.new_opportunity", "POST"): MEMBER,
    ("organizations.edit_opportunity", "GET"): MEMBER,
    ("organizations.edit_opportunity", "POST"): MEMBER,
    ("organizations.publish_opportunity", "POST"): MEMBER,
    ("organizations.close_opportunity", "POST"): MEMBER,
    ("organizations.applicants", "GET"): MEMBER_OR_STAFF,
    ("organizations.applicants_csv", "GET"): MEMBER_OR_STAFF,
    ("organizations.accept", "POST"): MEMBER,  # staff look, not act: 403
    ("organizations.decline", "POST"): MEMBER,  # staff look, not act: 403
    ("organizations.attendance", "POST"): MEMBER,  # staff look, not act: 403
    ("organizations.check_in_page", "GET"): MEMBER_OR_STAFF,
    ("organizations.invite", "POST"): MEMBER,
    ("api_matching.my_recommendations", "GET"): VOLUNTEERS,
    ("api_matching.suggested_volunteers", "GET"): MEMBER_OR_STAFF,
    ("organizations.check_in_qr", "GET"): MEMBER_OR_STAFF,
    ("staff.overview", "GET"): STAFF,
    ("staff.verification_queue", "GET"): STAFF,
    ("staff.verify", "POST"): STAFF,
    ("staff.reject_organization", "POST"): STAFF,
    ("staff.auto_approve", "POST"): STAFF,
    ("staff.set_organization_kind", "POST"): STAFF,
    ("staff.approval_queue", "GET"): STAFF,
    ("staff.decide_approvals", "POST"): STAFF,
    ("staff.audit_log", "GET"): STAFF,
    ("staff.proposals", "GET"): STAFF,
    ("staff.proposals", "POST"): STAFF,
    ("staff.proposal", "GET"): STAFF,
    ("staff.invite_proposed", "POST"): STAFF,
    ("api_accounts.create_user", "POST"): EVERYONE,
    ("api_accounts.create_token", "POST"): EVERYONE,
    ("api_accounts.revoke_current_token", "DELETE"): LOGGED_IN,
    ("api_accounts.me", "GET"): LOGGED_IN,
    ("api_taxonomy.list_causes", "GET"): EVERYONE,
    ("api_taxonomy.list_skills", "GET"): EVERYONE,
    ("api_taxonomy.list_places", "GET"): EVERYONE,
    ("api_organizations.create_organization", "POST"): ORGANIZERS,
    ("api_organizations.get_organization", "GET"): EVERYONE,
    ("api_organizations.update_organization", "PATCH"): MEMBER,
    ("api_organizations.verify_organization", "POST"): STAFF,
    ("api_organizations.add_member", "POST"): MEMBER,
    ("api_opportunities.list_opportunities", "GET"): EVERYONE,
    ("api_opportunities.get_opportunity", "GET"): EVERYONE,
    ("api_opportunities.create_opportunity", "POST"): MEMBER,
    ("api_opportunities.update_opportunity", "PATCH"): MEMBER,
    ("api_opportunities.close_opportunity", "POST"): MEMBER,
    ("api_volunteers.get_profile", "GET"): VOLUNTEERS,
    ("api_volunteers.put_profile", "PUT"): VOLUNTEERS,
    ("api_volunteers.apply", "POST"): VOLUNTEERS,
    ("api_volunteers.my_applications", "GET"): VOLUNTEERS,
    ("api_volunteers.withdraw", "POST"): OWNER,
    ("api_applications.opportunity_applications", "GET"): MEMBER_OR_STAFF,
    ("api_applications.approval_queue", "GET"): STAFF,
    ("api_applications.accept", "POST"): MEMBER,  # staff look, not act: 403
    ("api_applications.decline", "POST"): MEMBER,  # staff look, not act: 403
    ("api_applications.approve", "POST"): STAFF,
    ("api_applications.reject", "POST"): STAFF,
    ("api_applications.attendance", "POST"): MEMBER,  # staff look, not act: 403
}
for area in AREAS:
    MATRIX.update(area.MATRIX)


def _routes() -> list[tuple[str, str]]:
    app = create_app(TestingConfig)
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_is_in_the_matrix():
    routes = set(_routes())
    assert routes - set(MATRIX) == set(), "routes missing from the access matrix"
    assert set(MATRIX) - routes == set(), "the matrix names routes that do not exist"


@pytest.fixture
def world(app):
    """Two organisations, an opportunity with a shift, an application, staff."""
    people = {
        "volunteer": factories.make_user(email="volunteer@example.org"),
        "other_volunteer": factories.make_user(email="other_volunteer@example.org"),
        "member": factories.make_user(Role.ORGANIZER, email="member@example.org"),
        "other_member": factories.make_user(
            Role.ORGANIZER, email="other_member@example.org"
        ),
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True
        ),
    }
    organization = factories.make_organization(members=[people["member"]])
    factories.make_organization(members=[people["other_member"]])
    opportunity = factories.make_opportunity(
        organization, starts=utcnow() + timedelta(minutes=10), capacity=5
    )
    shift = opportunity.shifts[0]
    application = Application(
        shift=shift, volunteer=people["volunteer"], status=ApplicationStatus.ACCEPTED
    )
    shift.spots_taken = 1
    db.session.add(application)
    people["volunteer"].calendar_token = "calendar-secret"
    outcome = {
        "total_score": 0,
        "placed": 0,
        "shifts_covered": 0,
        "organizations_covered": 0,
    }
    run = ProposalRun(
        status=RunStatus.DONE,
        summary={
            "volunteers": 0,
            "shifts": 0,
            "candidates": 0,
            "optimal": outcome,
            "greedy": outcome,
        },
    )
    db.session.add(run)
    db.session.commit()
    world = {
        "people": people,
        "organization_id": organization.id,
        "opportunity_id": opportunity.id,
        "shift_id": shift.id,
        "application_id": application.id,
        "run_id": run.id,
    }
    for area in AREAS:
        area.extend_world(world)
    db.session.commit()
    return world


def _url(app, endpoint: str, world: dict) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    values = {}
    for name in rule.arguments:
        if name == "filename":
            values[name] = "css/app.css"
        elif name == "token" and endpoint == "volunteers.calendar_feed":
            values[name] = "calendar-secret"
        elif name == "token":
            serializer = URLSafeSerializer(
                app.config["SECRET_KEY"], salt="shift-check-in"
            )
            values[name] = serializer.dumps(world["shift_id"])
        else:
            values[name] = world[name]
    with app.test_request_context():
        return url_for(endpoint, **values)


def _json_body(endpoint: str, world: dict, role: str) -> dict:
    """A valid body, so that validation never hides an access decision."""
    for area in AREAS:
        body = area.json_body(endpoint, world, role)
        if body is not None:
            return body
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    return {
        "api_opportunities.create_opportunity": {
            "organization_id": world["organization_id"],
            "title": "ทดสอบ",
            "remote": True,
            "shifts": [
                {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                    "capacity": 3,
                }
            ],
        },
        "api_opportunities.update_opportunity": {"title": "ทดสอบ"},
        "api_organizations.update_organization": {"name": "ชื่อใหม่"},
        "api_organizations.create_organization": {"name": "มูลนิธิใหม่"},
        "api_organizations.add_member": {"email": "other_member@example.org"},
        "api_applications.reject": {"reason": "ทดสอบ"},
        "api_applications.attendance": {"attended": True},
        "api_accounts.create_token": {
            "email": f"{'volunteer' if role == 'anonymous' else role}@example.org",
            "password": factories.PASSWORD,
        },
    }.get(endpoint, {})


def _form_body(endpoint: str, world: dict) -> dict:
    """Form fields a page needs to reach its access decision."""
    for area in AREAS:
        body = area.form_body(endpoint, world)
        if body is not None:
            return body
    if endpoint == "organizations.invite":
        return {"volunteer_id": world["people"]["other_volunteer"].id}
    return {}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX))
def test_access(app, world, auth, endpoint, method):
    allowed = MATRIX[(endpoint, method)]
    url = _url(app, endpoint, world)
    is_api = url.startswith("/api/")
    # Refused callers first, so allowed ones cannot change what they would see.
    for role in sorted(ROLES, key=lambda r: r in allowed):
        client = app.test_client()
        if role != "anonymous":
            client.post(
                "/login",
                data={"email": f"{role}@example.org", "password": factories.PASSWORD},
            )
        if is_api:
            kwargs = {"json": _json_body(endpoint, world, role)}
        else:
            kwargs = {"data": _form_body(endpoint, world)}
        response = client.open(url, method=method, **kwargs)
        response.close()
        assert response.status_code < 500, (role, response.status_code)
        refused = response.status_code in (401, 403, 404) or _is_login_redirect(
            response
        )
        if role in allowed:
            assert not refused, (role, method, url, response.status_code)
        elif role == "anonymous":
            expected = 401 if is_api else None
            assert (
                response.status_code == expected
                if is_api
                else _is_login_redirect(response)
            ), (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (
                role,
                method,
                url,
                response.status_code,
            )
