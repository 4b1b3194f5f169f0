"""One home for each rule: access (staff look, members act), attendance hours, the
transaction helper, the domain NotFound, and all-or-nothing bulk approvals."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages

from marketplace import access
from marketplace.applications import services as workflow
from marketplace.errors import Conflict, DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AuditEvent,
    Cause,
    Role,
    Shift,
    utcnow,
)
from marketplace.privacy.services import log_staff_view
from marketplace.web import committing
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of, login_token

# 2 h 50 min: its length rounded up to the quarter hour is 3 h.
LENGTH = timedelta(hours=2, minutes=50)


@pytest.fixture
def world(app):
    """An organisation (member, and a staff member who belongs to it), outside
    staff, a started 2 h 50 min shift with an approved and a pending application."""
    people = {
        "member": factories.make_user(Role.ORGANIZER, email="member@example.org"),
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True
        ),
        "staff_member": factories.make_user(
            Role.ORGANIZER, email="staff_member@example.org", is_staff=True
        ),
        "v1": factories.make_user(email="v1@example.org"),
        "v2": factories.make_user(email="v2@example.org"),
    }
    organization = factories.make_organization(
        members=[people["member"], people["staff_member"]]
    )
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    opportunity = factories.make_opportunity(organization, starts=start, capacity=5)
    shift = opportunity.shifts[0]
    shift.ends_at = start + LENGTH
    shift.spots_taken = 1
    approved = Application(
        shift=shift, volunteer=people["v1"], status=ApplicationStatus.APPROVED
    )
    pending = Application(
        shift=shift, volunteer=people["v2"], status=ApplicationStatus.PENDING
    )
    db.session.add_all([approved, pending])
    db.session.commit()
    return {
        "people": people,
        "organization": organization,
        "opportunity": opportunity,
        "shift": shift,
        "approved": approved.id,
        "pending": pending.id,
    }


def _browser(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def _status(application_id: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application_id)


# --- Finding 6: staff look at an organisation's applicants but do not act ---------


def test_staff_who_are_not_members_look_but_cannot_act_on_the_web(app, world):
    staff = _browser(app, "staff@example.org")
    shift, opportunity = world["shift"], world["opportunity"]
    assert (
        staff.get(f"/manage/opportunities/{opportunity.id}/applicants").status_code
        == 200
    )
    page = staff.get(f"/manage/shifts/{shift.id}/check-in")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-testid="attendee-{world["approved"]}"' in html
    assert "attended-" not in html and "no-show-" not in html
    applicants = staff.get(
        f"/manage/opportunities/{opportunity.id}/applicants"
    ).get_data(as_text=True)
    assert f'data-testid="accept-{world["pending"]}"' not in applicants

    pending, approved = world["pending"], world["approved"]
    assert staff.post(f"/manage/applications/{pending}/accept").status_code == 403
    assert staff.post(f"/manage/applications/{pending}/decline").status_code == 403
    refused = staff.post(
        f"/manage/applications/{approved}/attendance",
        data={"attended": "yes", "hours": "2"},
    )
    assert refused.status_code == 403
    assert _status(pending).status is ApplicationStatus.PENDING
    assert _status(approved).attendance is None
    assert db.session.get(Shift, shift.id).spots_taken == 1

    # A staff member who belongs to the organisation acts as its member.
    colleague = _browser(app, "staff_member@example.org")
    html = colleague.get(f"/manage/shifts/{shift.id}/check-in").get_data(as_text=True)
    assert f'data-testid="attended-{approved}"' in html
    accepted = colleague.post(f"/manage/applications/{pending}/accept")
    assert accepted.status_code == 302
    assert _status(pending).status is ApplicationStatus.ACCEPTED


def test_staff_who_are_not_members_get_403_on_the_api_but_keep_approve(app, api, world):
    staff = bearer(login_token(api, "staff@example.org"))
    pending, approved = world["pending"], world["approved"]
    for path, body in (
        (f"{pending}/accept", {}),
        (f"{pending}/decline", {}),
        (f"{approved}/attendance", {"attended": True}),
        (f"{approved}/attendance", {"attended": False}),
    ):
        response = api.post(f"/api/v1/applications/{path}", json=body, headers=staff)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "not_a_member"
    assert _status(pending).status is ApplicationStatus.PENDING
    assert _status(approved).attendance is None

    member = bearer(login_token(api, "member@example.org"))
    accepted = api.post(f"/api/v1/applications/{pending}/accept", headers=member)
    assert accepted.status_code == 200
    assert (
        api.post(f"/api/v1/applications/{pending}/approve", headers=member).status_code
        == 403
    )
    approved_now = api.post(f"/api/v1/applications/{pending}/approve", headers=staff)
    assert approved_now.status_code == 200
    assert approved_now.get_json()["status"] == "approved"


def test_services_refuse_through_the_same_rules(app, world):
    staff, member = world["people"]["staff"], world["people"]["member"]
    application = db.session.get(Application, world["pending"])
    with app.test_request_context():
        with pytest.raises(Forbidden) as refused:
            workflow.accept_application(staff, application)
        assert refused.value.code == "not_a_member"
        with pytest.raises(Forbidden):
            workflow.record_attendance(staff, application, attended=False)
        with pytest.raises(Forbidden):
            workflow.approve_application(member, application)
    assert access.can_view_applicants(staff, application)
    assert not access.can_manage(staff, application)
    assert access.can_manage(world["people"]["staff_member"], application)
    assert access.can_act_for(member, world["organization"])
    assert not access.can_review(member)


def test_a_staff_look_is_logged_only_when_not_a_member(app, world):
    people, organization_id = world["people"], world["organization"].id
    with app.test_request_context():
        assert log_staff_view(people["staff"], "test", [1], None, organization_id)
        assert not log_staff_view(
            people["staff_member"], "test", [1], None, organization_id
        )
        assert not log_staff_view(people["member"], "test", [1], None, organization_id)
    db.session.commit()
    actors = db.session.scalars(
        sa.select(AuditEvent.actor_id).where(
            AuditEvent.action == "personal_data.viewed"
        )
    ).all()
    assert actors == [people["staff"].id]


# --- Finding 7: hours are > 0 and at most the shift's length up to the quarter ----


def test_the_most_hours_are_the_length_rounded_up_to_the_quarter(world):
    shift = world["shift"]
    assert workflow.max_hours(shift) == 3.0
    assert workflow.suggested_hours(shift) == 2.75
    assert workflow.suggested_hours(shift, 2.8333) == 2.75
    assert workflow.suggested_hours(shift, 9) == 3.0
    start = shift.starts_at
    for length, most in (
        (timedelta(hours=3), 3.0),
        (timedelta(hours=3, minutes=1), 3.25),
        (timedelta(hours=3, microseconds=7), 3.0),
        (timedelta(minutes=10), 0.25),
    ):
        assert (
            workflow.max_hours(Shift(starts_at=start, ends_at=start + length)) == most
        )


@pytest.mark.parametrize(
    ("hours", "allowed"),
    [(0, False), (-1, False), (2.8333, True), (3.0, True), (3.01, False), (24, False)],
)
def test_api_attendance_hours(app, api, world, hours, allowed):
    member = bearer(login_token(api, "member@example.org"))
    response = api.post(
        f"/api/v1/applications/{world['approved']}/attendance",
        json={"attended": True, "hours": hours},
        headers=member,
    )
    application = _status(world["approved"])
    if allowed:
        assert response.status_code == 200
        assert application.attendance is Attendance.ATTENDED
        assert application.hours == hours
    else:
        assert response.status_code == 422
        assert "hours" in error_of(response)["fields"]
        assert "3" in error_of(response)["fields"]["hours"][0]
        assert application.attendance is None and application.hours is None


def test_the_check_in_page_prefills_valid_hours_and_explains_refused_ones(app, world):
    member = _browser(app, "member@example.org")
    member.post("/language", data={"locale": "en"})
    approved, shift = world["approved"], world["shift"]
    html = member.get(f"/manage/shifts/{shift.id}/check-in").get_data(as_text=True)
    field = re.search(rf'<input[^>]*id="hours-{approved}"[^>]*>', html).group(0)
    assert 'value="2.75"' in field and 'step="0.25"' in field
    assert 'min="0.25"' in field and 'max="3"' in field

    for typed in ("3.25", "0"):
        refused = member.post(
            f"/manage/applications/{approved}/attendance",
            data={"attended": "yes", "hours": typed},
        )
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert f'data-testid="hours-error-{approved}"' in page
        assert "at most 3 (the shift" in page
        assert _status(approved).attendance is None

    done = member.post(
        f"/manage/applications/{approved}/attendance",
        data={"attended": "yes", "hours": "3"},
    )
    assert done.status_code == 302
    assert _status(approved).hours == 3.0
    no_show = member.post(
        f"/manage/applications/{approved}/attendance",
        data={"attended": "no", "hours": "99"},
    )
    assert no_show.status_code == 302
    application = _status(approved)
    assert application.attendance is Attendance.NO_SHOW and application.hours is None


# --- A domain NotFound; bulk approvals all or nothing, the failing item named ------


def test_loaders_raise_a_domain_not_found(app, api, world):
    with app.test_request_context():
        for load in (
            access.get_application_or_404,
            access.get_shift_or_404,
            access.get_opportunity_or_404,
            access.get_organization_or_404,
        ):
            with pytest.raises(NotFound) as missing:
                load(2_000_000)
            assert isinstance(missing.value, DomainError)
            assert missing.value.status == 404
        outsider = factories.make_user(Role.ORGANIZER, email="out@example.org")
        with pytest.raises(NotFound):  # others' applications are not revealed
            access.get_application_or_404(world["pending"], for_user=outsider)
    missing = api.get("/api/v1/organizations/2000000")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


@pytest.fixture
def queue(world):
    """Three accepted applications on a future shift, and one still pending."""
    organization = world["organization"]
    opportunity = factories.make_opportunity(organization, capacity=5)
    shift = opportunity.shifts[0]
    ids = []
    for status in ("accepted", "accepted", "pending", "accepted"):
        volunteer = factories.make_user()
        application = Application(
            shift=shift, volunteer=volunteer, status=ApplicationStatus(status)
        )
        db.session.add(application)
        db.session.flush()
        ids.append(application.id)
    shift.spots_taken = 3
    db.session.commit()
    return shift.id, ids


def _statuses(ids: list[int]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Application, i).status.value for i in ids]


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_bulk_decisions_are_all_or_nothing(app, queue, decision):
    shift_id, ids = queue
    staff = _browser(app, "staff@example.org")
    staff.post("/language", data={"locale": "en"})
    before = _statuses(ids)
    response = staff.post(
        "/staff/approvals",
        data={"application": ids, "decision": decision, "reason": "ไม่ตรงเงื่อนไข"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    # Nothing before the stale item changed; the message names it, as an alert.
    assert _statuses(ids) == before == ["accepted", "accepted", "pending", "accepted"]
    assert db.session.get(Shift, shift_id).spots_taken == 3
    assert re.search(rf'role="alert"[^>]*>Application #{ids[2]}: ', page)
    assert 'role="status"' not in page

    unknown = staff.post(
        "/staff/approvals",
        data={"application": [ids[0], 2_000_000], "decision": decision, "reason": "x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Application #2000000: " in unknown
    assert _statuses(ids) == before

    good = [ids[0], ids[1], ids[3]]
    done = staff.post(
        "/staff/approvals",
        data={"application": good, "decision": decision, "reason": "x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert re.search(r'role="status"[^>]*>3 applications done', done)
    expected = "approved" if decision == "approve" else "rejected"
    assert _statuses(good) == [expected] * 3


def test_a_bulk_rejection_without_a_reason_changes_nothing(app, queue):
    _shift_id, ids = queue
    staff = _browser(app, "staff@example.org")
    staff.post("/language", data={"locale": "en"})
    page = staff.post(
        "/staff/approvals",
        data={"application": [ids[0], ids[1]], "decision": "reject"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Application #{ids[0]}: Give a reason." in page
    assert _statuses(ids[:2]) == ["accepted", "accepted"]


# --- The transaction helper -------------------------------------------------------


def test_committing_commits_or_rolls_back_and_explains(app):
    def causes() -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count(Cause.id)))

    start = causes()
    with app.test_request_context():
        with committing("saved") as saved:
            db.session.add(Cause(slug="kept", name_th="เก็บ", name_en="Kept"))
        assert saved and saved.error is None
        with committing("saved") as refused:
            db.session.add(Cause(slug="dropped", name_th="ทิ้ง", name_en="Dropped"))
            db.session.flush()
            raise Conflict("full", "The shift is full.")
        assert not refused and refused.error.code == "full"
        assert get_flashed_messages(with_categories=True) == [
            ("success", "saved"),
            ("danger", "The shift is full."),
        ]
        with pytest.raises(Forbidden), committing():  # refusals reach the error page
            db.session.add(Cause(slug="refused", name_th="ห้าม", name_en="No"))
            raise Forbidden("not_a_member")
    assert causes() == start + 1
    slugs = set(db.session.scalars(sa.select(Cause.slug)))
    assert "kept" in slugs and not {"dropped", "refused"} & slugs
