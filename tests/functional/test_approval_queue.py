"""The staff approval queue shows what staff weigh, and decides row by row."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Role,
    Skill,
    VolunteerProfile,
    utcnow,
)
from tests import factories


def _queue(count, organization, member, start=0):
    teaching = db.session.scalar(sa.select(Skill).where(Skill.slug == "teaching"))
    ids = []
    for number in range(start, start + count):
        volunteer = factories.make_user(
            email=f"q{number}@example.org", name=f"คน {number}"
        )
        volunteer.profile = VolunteerProfile(skills=[teaching])
        opportunity = factories.make_opportunity(
            organization, title=f"งาน {number}", approval_mode=ApprovalMode.REVIEW
        )
        opportunity.skills = [teaching]
        shift = opportunity.shifts[0]
        application = Application(
            shift=shift,
            volunteer=volunteer,
            status=ApplicationStatus.ACCEPTED,
            message="เคยสอนหนังสือมา 2 ปี",
            decided_by=member,
            decision_message="คุณสมบัติครบ",
            status_changed_at=utcnow() - timedelta(hours=30 + number),
        )
        shift.spots_taken = 1
        db.session.add(application)
        db.session.flush()
        ids.append(application.id)
    db.session.commit()
    return ids


def _staff(auth):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    auth.login("s@example.org")


def test_each_row_shows_what_staff_weigh(client, auth):
    member = factories.make_user(Role.ORGANIZER, email="m@example.org", name="ผู้ประสาน")
    organization = factories.make_organization(members=[member])
    [first] = _queue(1, organization, member)
    _staff(auth)
    page = client.get("/staff/approvals").get_data(as_text=True)
    assert "รอมาแล้ว 30 ชั่วโมง" in page
    assert "เคยสอนหนังสือมา 2 ปี" in page  # the volunteer's message
    assert "ผู้ประสาน รับใบสมัครแล้ว" in page and "คุณสมบัติครบ" in page
    assert f'data-testid="approve-{first}"' in page


def test_a_row_is_approved_or_rejected_on_its_own(client, auth):
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    first, second, third = _queue(3, organization, member)
    _staff(auth)
    # Ticked boxes of other rows do not ride along with a row's own button.
    client.post(
        "/staff/approvals",
        data={"application": [second, third], "one": f"approve:{first}"},
    )
    client.post(
        "/staff/approvals",
        data={"one": f"reject:{second}", f"reason-{second}": "ซ้ำกับกะอื่น"},
    )
    statuses = [db.session.get(Application, i) for i in (first, second, third)]
    assert [a.status for a in statuses] == [
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.ACCEPTED,
    ]
    assert statuses[1].decision_message == "ซ้ำกับกะอื่น"
    # A rejection needs its reason.
    client.post("/staff/approvals", data={"one": f"reject:{third}"})
    assert db.session.get(Application, third).status is ApplicationStatus.ACCEPTED


def test_queue_queries_do_not_grow(client, auth, count_queries):
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    _queue(2, organization, member)
    _staff(auth)
    client.get("/staff/approvals")
    with count_queries() as few:
        client.get("/staff/approvals")
    _queue(10, organization, member, start=2)
    with count_queries() as many:
        page = client.get("/staff/approvals").get_data(as_text=True)
    assert page.count('data-testid="queue-') == 12
    assert len(many) == len(few), many
