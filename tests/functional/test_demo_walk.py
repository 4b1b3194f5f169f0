"""The demo logins show every feature with data, and every link leads somewhere.

Walking the demo as each account also finds English left on Thai pages.

The crawler (tests/crawl.py, the one page list that the browser test reuses)
logs in as each demo account, follows same-site links breadth first (one page per
URL shape, so /opportunities/12 and /opportunities/13 count once) and fails on a
link that answers 403, 404 or a server error: a page should show a link only to
those it serves.
"""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Certificate,
    Feedback,
    Membership,
    Opportunity,
    Organization,
    OrganizationStatus,
    Shift,
    User,
    utcnow,
)
from marketplace.seed.demo import (
    DEMO_PASSWORD,
    ORGANIZER_EMAIL,
    REJECTED_ORGANIZER_EMAIL,
    STAFF_EMAIL,
    VOLUNTEER_EMAIL,
    demo_logins,
)
from tests.crawl import crawl, english_messages
from tests.standins.line import OFFLINE_SETTINGS as LINE_OFFLINE


@pytest.fixture
def demo(app):
    app.config.update(LINE_OFFLINE)  # the LINE pages are walked too
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("account", [login.role for login in demo_logins()])
def test_no_link_leads_to_a_refusal(demo, account):
    login = next(item for item in demo_logins() if item.role == account)
    client = demo.test_client()
    response = client.post(
        "/login", data={"email": login.email, "password": login.password}
    )
    assert response.status_code == 302
    assert crawl(client, english_messages()).broken == {}


def test_no_link_leads_to_a_refusal_for_visitors(demo):
    assert crawl(demo.test_client(), english_messages()).broken == {}


def _applications(*where):
    return db.session.scalars(
        sa.select(Application).join(Application.shift).where(*where)
    ).all()


def test_the_demo_volunteer_has_a_history_and_plans(demo):
    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    mine = _applications(Application.volunteer_id == volunteer.id)
    now = utcnow()
    attended = [a for a in mine if a.attendance is Attendance.ATTENDED]
    assert len(attended) >= 2 and all(a.hours for a in attended)
    answered = set(
        db.session.scalars(
            sa.select(Feedback.application_id).where(
                Feedback.application_id.in_([a.id for a in attended])
            )
        )
    )
    assert 0 < len(answered) < len(attended)  # one survey is still open
    assert db.session.scalar(
        sa.select(Certificate).where(Certificate.volunteer_id == volunteer.id)
    )
    future = {a.status for a in mine if a.shift.starts_at > now}
    assert {
        ApplicationStatus.APPROVED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.INVITED,
    } <= future


def test_the_demo_volunteer_gets_recommendations(demo):
    """Issue 11 bug 5: most postings require their first skill only."""
    client = demo.test_client()
    login = next(item for item in demo_logins() if item.email == VOLUNTEER_EMAIL)
    client.post("/login", data={"email": login.email, "password": login.password})
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="recommended"' in home
    items = client.get("/api/v1/me/recommendations?limit=20").get_json()["items"]
    assert len(items) >= 3
    # Some recommended posting lists a nice-to-have skill the volunteer lacks.
    held = {"first-aid", "teaching", "event-staffing", "photography", "cooking"}
    assert any(set(item["opportunity"]["nice_to_have_skills"]) - held for item in items)
    assert all(set(item["opportunity"]["skills"]) <= held for item in items)


def test_the_demo_organiser_has_work_waiting_and_a_shift_running(demo):
    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
    theirs = sa.select(Membership.organization_id).where(
        Membership.user_id == organizer.id
    )
    of_theirs = Shift.opportunity_id.in_(
        sa.select(Opportunity.id).where(Opportunity.organization_id.in_(theirs))
    )
    pending = _applications(of_theirs, Application.status == ApplicationStatus.PENDING)
    assert len(pending) >= 3
    now = utcnow()
    running = _applications(
        of_theirs,
        Shift.starts_at <= now,
        Shift.ends_at > now,
        Application.status == ApplicationStatus.APPROVED,
    )
    assert running


def test_no_one_holds_a_place_at_a_pending_organisation(demo):
    held = _applications(
        Application.status.in_(
            [ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED]
        ),
        Shift.opportunity_id.in_(
            sa.select(Opportunity.id)
            .join(Opportunity.organization)
            .where(Organization.status != OrganizationStatus.VERIFIED)
        ),
    )
    assert held == []


def test_no_two_demo_opportunities_look_alike(demo):
    titles = db.session.scalars(sa.select(Opportunity.title)).all()
    assert len(titles) == len(set(titles))


def test_the_demo_has_a_rejected_organisation_to_fix_and_resend(demo):
    client = demo.test_client()
    client.post("/login", data={"email": STAFF_EMAIL, "password": DEMO_PASSWORD})
    rejected = client.get("/staff/organizations?status=rejected").get_data(as_text=True)
    assert "ชมรมอาสาเพื่อนบ้าน" in rejected
    client.post("/logout")
    client = demo.test_client()
    client.post(
        "/login",
        data={"email": REJECTED_ORGANIZER_EMAIL, "password": DEMO_PASSWORD},
    )
    organization = db.session.scalar(
        sa.select(Organization).where(Organization.slug == "demo-rejected-club")
    )
    assert organization.status is OrganizationStatus.REJECTED
    dashboard = client.get(f"/organizations/{organization.id}/dashboard")
    assert 'data-testid="resubmit"' in dashboard.get_data(as_text=True)
    assert not organization.opportunities


def test_the_demo_floor_has_an_offer_floaters_and_answers(demo):
    from marketplace.models import Floater, Offer, OfferKind, OfferStatus, Question

    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    now = utcnow()
    offer = db.session.scalar(
        sa.select(Offer).where(
            Offer.volunteer_id == volunteer.id, Offer.kind == OfferKind.FLOATER
        )
    )
    assert offer.status is OfferStatus.OPEN and offer.expires_at > now
    assert db.session.scalar(sa.select(sa.func.count(Floater.id))) >= 2
    size = db.session.scalar(sa.select(Question).where(Question.required))
    answered = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .where(
            Shift.opportunity_id == size.opportunity_id,
            Application.status == ApplicationStatus.PENDING,
        )
    ).all()
    assert answered and all(str(size.id) in a.answers for a in answered)


def test_the_demo_shows_a_conversation_from_both_sides(demo):
    """Issue 13: an unread answer in the organiser's inbox; a thread on My shifts."""
    organizer = demo.test_client()
    organizer.post("/login", data={"email": ORGANIZER_EMAIL, "password": DEMO_PASSWORD})
    member = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
    organization_id = db.session.scalar(
        sa.select(Membership.organization_id).where(Membership.user_id == member.id)
    )
    dashboard = organizer.get(f"/organizations/{organization_id}/dashboard")
    assert 'data-testid="inbox"' in dashboard.get_data(as_text=True)
    inbox = organizer.get(f"/organizations/{organization_id}/inbox")
    assert 'data-testid="inbox-unread-' in inbox.get_data(as_text=True)
    volunteer = demo.test_client()
    volunteer.post("/login", data={"email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD})
    my_shifts = volunteer.get("/me/shifts").get_data(as_text=True)
    assert 'data-testid="thread-' in my_shifts


def test_the_demo_asks_are_you_coming_and_counts_a_no_show(demo):
    from marketplace.applications.reliability import attendance_record

    client = demo.test_client()
    client.post("/login", data={"email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD})
    client.post("/language", data={"locale": "en"})
    page = client.get("/me/shifts").get_data(as_text=True)
    assert "Are you coming?" in page and 'data-testid="coming-' in page
    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    record = attendance_record(volunteer, utcnow())
    assert record.no_show == 1 and record.attended >= 2
    assert f"of your {record.recorded} shifts" in page
    confirmed = _applications(Application.confirmed_at.is_not(None))
    assert confirmed and all(a.status is ApplicationStatus.APPROVED for a in confirmed)


def test_the_demo_volunteer_has_a_place_handed_on_to_take(demo):
    from marketplace.models import Offer, OfferKind, OfferStatus

    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    offer = db.session.scalar(
        sa.select(Offer).where(
            Offer.volunteer_id == volunteer.id, Offer.kind == OfferKind.COVER
        )
    )
    assert offer.status is OfferStatus.OPEN and offer.expires_at > utcnow()
    giver = db.session.get(Application, offer.giver_application_id)
    assert giver.seeking_cover and giver.volunteer_id != volunteer.id
    client = demo.test_client()
    client.post("/login", data={"email": VOLUNTEER_EMAIL, "password": DEMO_PASSWORD})
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="take-{offer.id}"' in page
    client.post("/logout")
    client.post("/login", data={"email": ORGANIZER_EMAIL, "password": DEMO_PASSWORD})
    opportunity_id = giver.shift.opportunity_id
    page = client.get(f"/manage/opportunities/{opportunity_id}/applicants")
    assert f'data-testid="release-{giver.id}"' in page.get_data(as_text=True)


def test_the_demo_has_hours_that_count(demo):
    from marketplace.models import ReportedHours, ReportStatus, ServiceRecord

    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
    statuses = db.session.scalars(
        sa.select(ReportedHours.status).where(
            ReportedHours.volunteer_id == volunteer.id
        )
    ).all()
    assert sorted(statuses) == [ReportStatus.APPROVED, ReportStatus.PENDING]
    waiting = db.session.scalar(
        sa.select(sa.func.count(ReportedHours.id))
        .join(Membership, Membership.organization_id == ReportedHours.organization_id)
        .where(
            Membership.user_id == organizer.id,
            ReportedHours.status == ReportStatus.PENDING,
        )
    )
    assert waiting >= 1
    recorded = db.session.scalars(
        sa.select(Application.attendance_recorded_by_id).where(
            Application.volunteer_id == volunteer.id,
            Application.attendance == Attendance.ATTENDED,
        )
    ).all()
    assert recorded and all(recorded)
    assert db.session.scalar(
        sa.select(ServiceRecord.id).where(ServiceRecord.volunteer_id == volunteer.id)
    )
