"""API.md "Organisations", the posting side of "Opportunities and shifts", and the
review side of "Applications"."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    AuditEvent,
    OrganizationStatus,
    Role,
    Shift,
    User,
    utcnow,
)
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of, login_token


@pytest.fixture
def people(api):
    """Bearer headers for an organizer (admin), a colleague, an outsider, staff and a
    volunteer, plus the organizer's verified organisation."""
    admin = factories.make_user(Role.ORGANIZER, email="admin@example.org")
    colleague = factories.make_user(Role.ORGANIZER, email="colleague@example.org")
    factories.make_user(Role.ORGANIZER, email="outsider@example.org")
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    factories.make_user(Role.VOLUNTEER, email="v@example.org")
    organization = factories.make_organization(members=[admin, colleague])
    db.session.commit()
    headers = {
        name: bearer(login_token(api, f"{name}@example.org"))
        for name in ("admin", "colleague", "outsider", "staff", "v")
    }
    return headers, organization


def opportunity_body(organization_id: int, **changes) -> dict:
    start = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    body = {
        "organization_id": organization_id,
        "title": "สอนการบ้านเด็ก",
        "description": "…",
        "causes": ["education"],
        "skills": ["teaching"],
        "languages": ["th"],
        "remote": False,
        "location": {"lat": 13.7466, "lon": 100.5393, "label": "CentralWorld"},
        "approval_mode": "first_come",
        "shifts": [
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=3)).isoformat(),
                "capacity": 2,
            }
        ],
    }
    body.update(changes)
    return body


def test_register_and_see_an_organization(api, people):
    headers, _ = people
    response = api.post(
        "/api/v1/organizations",
        json={"name": "มูลนิธิใหม่", "description": "…", "causes": ["health"]},
        headers=headers["outsider"],
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending" and body["name"] == "มูลนิธิใหม่"
    url = f"/api/v1/organizations/{body['id']}"
    assert api.get(url, headers=headers["outsider"]).status_code == 200
    assert api.get(url, headers=headers["staff"]).status_code == 200
    assert api.get(url, headers=headers["admin"]).status_code == 404
    assert api.get(url).status_code == 404
    assert api.post(f"{url}/verify", headers=headers["admin"]).status_code == 403
    verified = api.post(f"{url}/verify", headers=headers["staff"])
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert api.get(url).get_json()["causes"] == ["health"]


def test_organization_validation_and_roles(api, people):
    headers, _ = people
    bad = api.post(
        "/api/v1/organizations",
        json={"name": "", "website": "ftp://x", "causes": ["nope"]},
        headers=headers["outsider"],
    )
    assert bad.status_code == 422
    assert {"name", "website", "causes"} <= set(error_of(bad)["fields"])
    volunteer = api.post(
        "/api/v1/organizations", json={"name": "x"}, headers=headers["v"]
    )
    assert volunteer.status_code == 403


def test_members(api, people):
    headers, organization = people
    url = f"/api/v1/organizations/{organization.id}/members"
    added = api.post(
        url, json={"email": "outsider@example.org"}, headers=headers["admin"]
    )
    assert added.status_code == 201
    assert added.get_json()["status"] == "invited"
    again = api.post(
        url, json={"email": "outsider@example.org"}, headers=headers["admin"]
    )
    assert again.status_code == 409 and error_of(again)["code"] == "already_member"
    nobody = api.post(
        url, json={"email": "nobody@example.org"}, headers=headers["admin"]
    )
    assert nobody.status_code == 404 and error_of(nobody)["code"] == "user_not_found"
    volunteer = api.post(url, json={"email": "v@example.org"}, headers=headers["admin"])
    assert volunteer.status_code == 422
    assert error_of(volunteer)["code"] == "not_an_organizer"
    not_admin = api.post(
        url, json={"email": "staff@example.org"}, headers=headers["colleague"]
    )
    assert not_admin.status_code == 403


def test_post_an_opportunity(api, people):
    headers, organization = people
    response = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id),
        headers=headers["admin"],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["shifts"][0]["capacity"] == 2 and body["shifts"][0]["spots_left"] == 2
    assert body["shifts"][0]["start"].endswith("+07:00")
    assert api.get(f"/api/v1/opportunities/{body['id']}").status_code == 200
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "opportunity.created")
    )


def test_post_refusals(api, people):
    headers, organization = people
    outsider = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id),
        headers=headers["outsider"],
    )
    assert outsider.status_code == 403 and error_of(outsider)["code"] == "not_a_member"
    pending = factories.make_organization(
        members=[
            db.session.scalar(
                sa.select(User).where(User.email == "outsider@example.org")
            )
        ],
        status=OrganizationStatus.PENDING,
    )
    db.session.commit()
    unverified = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(pending.id),
        headers=headers["outsider"],
    )
    assert unverified.status_code == 403
    assert error_of(unverified)["code"] == "organization_not_verified"
    past = (utcnow() - timedelta(days=1)).isoformat()
    for shift, reason in [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10001}, "capacity"),
        ({"end": opportunity_body(0)["shifts"][0]["start"]}, "end"),
        ({"start": past, "end": (utcnow() - timedelta(hours=20)).isoformat()}, "past"),
    ]:
        body = opportunity_body(organization.id)
        body["shifts"] = [{**body["shifts"][0], **shift}]
        response = api.post(
            "/api/v1/opportunities", json=body, headers=headers["admin"]
        )
        assert response.status_code == 422, reason
        assert "shifts" in error_of(response)["fields"], reason
    located = opportunity_body(organization.id, location=None)
    assert (
        api.post(
            "/api/v1/opportunities", json=located, headers=headers["admin"]
        ).status_code
        == 422
    )
    remote = opportunity_body(organization.id, location=None, remote=True)
    assert (
        api.post(
            "/api/v1/opportunities", json=remote, headers=headers["admin"]
        ).status_code
        == 201
    )


def test_edit_never_drops_below_spots_held(api, people):
    headers, organization = people
    created = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id),
        headers=headers["admin"],
    ).get_json()
    shift = created["shifts"][0]
    api.post(
        f"/api/v1/shifts/{shift['id']}/applications", json={}, headers=headers["v"]
    )
    lower = {**shift, "capacity": 0}
    patch = api.patch(
        f"/api/v1/opportunities/{created['id']}",
        json={
            "shifts": [
                {
                    "id": shift["id"],
                    "start": shift["start"],
                    "end": shift["end"],
                    "capacity": 0,
                }
            ]
        },
        headers=headers["colleague"],
    )
    assert patch.status_code == 422, lower
    ok = api.patch(
        f"/api/v1/opportunities/{created['id']}",
        json={
            "title": "ใหม่",
            "shifts": [
                {
                    "id": shift["id"],
                    "start": shift["start"],
                    "end": shift["end"],
                    "capacity": 1,
                }
            ],
        },
        headers=headers["colleague"],
    )
    assert ok.status_code == 200
    assert (
        ok.get_json()["title"] == "ใหม่"
        and ok.get_json()["shifts"][0]["spots_left"] == 0
    )
    outsider = api.patch(
        f"/api/v1/opportunities/{created['id']}",
        json={"title": "x"},
        headers=headers["outsider"],
    )
    assert outsider.status_code == 403


def test_close_stops_applications(api, people):
    headers, organization = people
    created = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id),
        headers=headers["admin"],
    ).get_json()
    closed = api.post(
        f"/api/v1/opportunities/{created['id']}/close", headers=headers["admin"]
    )
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    response = api.post(
        f"/api/v1/shifts/{created['shifts'][0]['id']}/applications",
        json={},
        headers=headers["v"],
    )
    assert response.status_code == 409 and error_of(response)["code"] == "shift_closed"
    assert api.get("/api/v1/opportunities").get_json()["total"] == 0


def review_setup(api, people, capacity=1):
    headers, organization = people
    opportunity = factories.make_opportunity(
        organization, approval_mode=ApprovalMode.REVIEW, capacity=capacity
    )
    db.session.commit()
    shift_id = opportunity.shifts[0].id
    application = api.post(
        f"/api/v1/shifts/{shift_id}/applications",
        json={"message": "สวัสดี"},
        headers=headers["v"],
    ).get_json()
    return headers, opportunity, application


def test_review_accept_approve_attendance(api, people):
    headers, opportunity, application = review_setup(api, people)
    listed = api.get(
        f"/api/v1/opportunities/{opportunity.id}/applications",
        headers=headers["colleague"],
    ).get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["volunteer"]["display_name"]
    assert (
        api.get(
            f"/api/v1/opportunities/{opportunity.id}/applications",
            headers=headers["outsider"],
        ).status_code
        == 403
    )
    assert (
        api.get(
            f"/api/v1/opportunities/{opportunity.id}/applications", headers=headers["v"]
        ).status_code
        == 403
    )

    url = f"/api/v1/applications/{application['id']}"
    assert (
        api.post(f"{url}/accept", json={}, headers=headers["outsider"]).status_code
        == 404
    )
    accepted = api.post(
        f"{url}/accept", json={"message": "ยินดีต้อนรับ"}, headers=headers["admin"]
    )
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    again = api.post(f"{url}/accept", json={}, headers=headers["admin"])
    assert again.status_code == 409 and error_of(again)["code"] == "invalid_status"

    queue = api.get(
        "/api/v1/applications?status=accepted", headers=headers["staff"]
    ).get_json()
    assert [item["id"] for item in queue["items"]] == [application["id"]]
    assert api.get("/api/v1/applications", headers=headers["admin"]).status_code == 403
    assert api.post(f"{url}/approve", headers=headers["admin"]).status_code == 403
    approved = api.post(f"{url}/approve", headers=headers["staff"])
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"

    early = api.post(
        f"{url}/attendance", json={"attended": True}, headers=headers["admin"]
    )
    assert early.status_code == 409 and error_of(early)["code"] == "shift_not_started"
    shift = db.session.get(Shift, opportunity.shifts[0].id)
    shift.starts_at = utcnow() - timedelta(hours=1)
    shift.ends_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    bad = api.post(
        f"{url}/attendance",
        json={"attended": True, "hours": 30},
        headers=headers["admin"],
    )
    assert bad.status_code == 422
    done = api.post(
        f"{url}/attendance", json={"attended": True}, headers=headers["admin"]
    )
    assert done.status_code == 200
    assert done.get_json()["attendance"] == "attended" and done.get_json()["hours"] == 3
    fixed = api.post(
        f"{url}/attendance", json={"attended": False}, headers=headers["admin"]
    )
    assert (
        fixed.get_json()["attendance"] == "no_show"
        and fixed.get_json()["hours"] is None
    )


def test_accepting_when_full_is_refused_and_changes_nothing(api, people):
    headers, opportunity, application = review_setup(api, people, capacity=1)
    other = factories.make_user(email="v2@example.org")
    db.session.commit()
    second = api.post(
        f"/api/v1/shifts/{opportunity.shifts[0].id}/applications",
        json={},
        headers=bearer(login_token(api, "v2@example.org")),
    ).get_json()
    api.post(
        f"/api/v1/applications/{application['id']}/accept",
        json={},
        headers=headers["admin"],
    )
    full = api.post(
        f"/api/v1/applications/{second['id']}/accept", json={}, headers=headers["admin"]
    )
    assert full.status_code == 409 and error_of(full)["code"] == "shift_full"
    assert db.session.get(Application, second["id"]).status is ApplicationStatus.PENDING
    assert db.session.get(Shift, opportunity.shifts[0].id).spots_taken == 1
    assert other.id


def test_decline_and_reject(api, people):
    headers, opportunity, application = review_setup(api, people)
    url = f"/api/v1/applications/{application['id']}"
    declined = api.post(
        f"{url}/decline", json={"message": "ขอบคุณ"}, headers=headers["admin"]
    )
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    headers, opportunity, application = review_setup(api, people)
    url = f"/api/v1/applications/{application['id']}"
    api.post(f"{url}/accept", json={}, headers=headers["admin"])
    no_reason = api.post(f"{url}/reject", json={"reason": ""}, headers=headers["staff"])
    assert no_reason.status_code == 422
    rejected = api.post(
        f"{url}/reject", json={"reason": "ซ้ำ"}, headers=headers["staff"]
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert db.session.get(Shift, opportunity.shifts[0].id).spots_taken == 0


def test_openapi_describes_the_partner_operations(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/v1/organizations", "post"),
        ("/api/v1/organizations/{organization_id}", "get"),
        ("/api/v1/organizations/{organization_id}/verify", "post"),
        ("/api/v1/organizations/{organization_id}/members", "post"),
        ("/api/v1/memberships/{membership_id}/accept", "post"),
        ("/api/v1/memberships/{membership_id}/decline", "post"),
        ("/api/v1/opportunities", "post"),
        ("/api/v1/opportunities/{opportunity_id}", "patch"),
        ("/api/v1/opportunities/{opportunity_id}/close", "post"),
        ("/api/v1/opportunities/{opportunity_id}/applications", "get"),
        ("/api/v1/applications", "get"),
        ("/api/v1/applications/{application_id}/accept", "post"),
        ("/api/v1/applications/{application_id}/decline", "post"),
        ("/api/v1/applications/{application_id}/approve", "post"),
        ("/api/v1/applications/{application_id}/reject", "post"),
        ("/api/v1/applications/{application_id}/attendance", "post"),
    ]:
        assert method in paths[path], (path, method)
