"""What an organisation or staff write with a decision reaches the people concerned."""

import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.applications import services as workflow
from marketplace.extensions import db
from marketplace.models import (
    ApplicationStatus,
    EmailOutbox,
    Notification,
    OrganizationStatus,
    Role,
)
from marketplace.notifications import message_text
from tests import factories


def _pending(organization, email="v@example.org"):
    return factories.make_pending_application(
        organization, email=email, title="สอนการบ้าน"
    )


def _notes_of(user, kind):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == kind
        )
    ).all()


def _text(note):
    with force_locale("th"):
        return message_text(note.kind, note.data)


def _mail_to(user):
    return db.session.scalars(
        sa.select(EmailOutbox.body).where(EmailOutbox.user_id == user.id)
    ).all()


def test_the_organisations_message_reaches_the_volunteer(client, auth):
    member = factories.make_user(Role.ORGANIZER, email="o@example.org")
    application = _pending(factories.make_organization(members=[member]))
    auth.login("o@example.org")
    client.post(
        f"/manage/applications/{application.id}/accept",
        data={"message": "พบกันที่ประตู 3 นะคะ"},
    )
    volunteer = application.volunteer
    [note] = _notes_of(volunteer, "application_accepted")
    assert "พบกันที่ประตู 3 นะคะ" in _text(note)
    assert any("พบกันที่ประตู 3 นะคะ" in body for body in _mail_to(volunteer))

    auth.logout()
    auth.login("v@example.org")
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="decision-message-{application.id}"' in page
    assert "พบกันที่ประตู 3 นะคะ" in page
    notes = client.get("/notifications").get_data(as_text=True)
    assert "พบกันที่ประตู 3 นะคะ" in notes


def test_a_decline_message_reaches_the_volunteer(client, auth):
    member = factories.make_user(Role.ORGANIZER, email="o@example.org")
    application = _pending(factories.make_organization(members=[member]))
    auth.login("o@example.org")
    client.post(
        f"/manage/applications/{application.id}/decline",
        data={"message": "รอบนี้เต็มแล้ว ลองรอบหน้านะคะ"},
    )
    [note] = _notes_of(application.volunteer, "application_declined")
    assert "รอบนี้เต็มแล้ว" in _text(note)
    assert any("รอบนี้เต็มแล้ว" in b for b in _mail_to(application.volunteer))


def test_no_message_adds_nothing(app):
    with force_locale("en"):
        plain = message_text("application_declined", {"title": "T"})
        assert plain == message_text(
            "application_declined", {"title": "T", "message": ""}
        )
        assert "Their message" not in plain


def test_the_accepting_member_hears_what_staff_decided(app):
    member = factories.make_user(Role.ORGANIZER, email="o@example.org")
    colleague = factories.make_user(Role.ORGANIZER, email="c@example.org")
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    organization = factories.make_organization(members=[member, colleague])
    first = _pending(organization)
    second = _pending(organization, email="v2@example.org")
    for application in (first, second):
        application.shift.capacity = 5
        workflow.accept_application(member, application)
    workflow.approve_application(staff, first)
    workflow.reject_application(staff, second, "อายุไม่ถึงเกณฑ์")
    db.session.commit()

    [approved] = _notes_of(member, "match_approved")
    assert "อาสา ใจดี" in _text(approved)
    [rejected] = _notes_of(member, "match_rejected")
    assert "อายุไม่ถึงเกณฑ์" in _text(rejected)
    # Only the member who accepted is told, not every colleague.
    assert not _notes_of(colleague, "match_approved")
    assert any("อายุไม่ถึงเกณฑ์" in body for body in _mail_to(member))
    # The volunteer sees the staff's reason too.
    [told] = _notes_of(second.volunteer, "application_rejected")
    assert "อายุไม่ถึงเกณฑ์" in _text(told)


def test_first_come_matches_are_told_to_the_organisation(app):
    member = factories.make_user(Role.ORGANIZER, email="o@example.org")
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    organization = factories.make_organization(members=[member])
    volunteer = factories.make_user(email="v@example.org", name="อาสา ใจดี")
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()
    with app.test_request_context():
        application = workflow.apply_to_shift(volunteer, shift.id)
    assert application.status is ApplicationStatus.ACCEPTED
    workflow.approve_application(staff, application)
    db.session.commit()
    assert len(_notes_of(member, "match_approved")) == 1


def test_a_volunteer_can_open_what_they_applied_to(client, auth):
    organization = factories.make_organization()
    application = _pending(organization)
    opportunity_id = application.shift.opportunity_id
    organization.status = OrganizationStatus.PENDING
    db.session.commit()
    auth.login("v@example.org")
    page = client.get(f"/opportunities/{opportunity_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="not-listed"' in text
    assert f'data-testid="apply-{application.shift_id}"' not in text
    # Nobody else sees an opportunity of an unverified organisation.
    auth.logout()
    factories.make_user(email="x@example.org")
    db.session.commit()
    auth.login("x@example.org")
    assert client.get(f"/opportunities/{opportunity_id}").status_code == 404
