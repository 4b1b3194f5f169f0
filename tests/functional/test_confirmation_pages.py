""" "Are you coming?" on the pages: My shifts, the roster, the board, the form."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace.applications.confirmations import ask_for_confirmations
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Notification,
    Opportunity,
    Role,
    Shift,
    utcnow,
)
from tests import factories
from tests.functional.test_floor import _place
from tests.functional.test_floor import floor as floor  # the fixture


def asked_place(volunteer, capacity: int = 1, hours: float = 10):
    """The volunteer's approved place, asked "are you coming?", and a waitlisted one."""
    organization = factories.make_organization(
        members=[factories.make_user(Role.ORGANIZER)]
    )
    shift = factories.make_opportunity(
        organization,
        starts=utcnow().replace(microsecond=0) + timedelta(hours=hours),
        capacity=capacity,
    ).shifts[0]
    mine = _place_for(shift, volunteer, ApplicationStatus.APPROVED)
    waiting = _place_for(
        shift, factories.make_user(name="รอคิว"), ApplicationStatus.WAITLISTED
    )
    db.session.commit()
    assert ask_for_confirmations(utcnow()) == 1
    db.session.commit()
    return mine, waiting


def _place_for(shift: Shift, volunteer, status: ApplicationStatus) -> Application:
    application = Application(shift=shift, volunteer=volunteer, status=status)
    if status.holds_spot:
        shift.spots_taken += 1
    db.session.add(application)
    db.session.flush()
    return application


def test_my_shifts_answers_coming(client, volunteer):
    mine, _waiting = asked_place(volunteer)

    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="coming-{mine.id}"' in page

    response = client.post(
        f"/me/applications/{mine.id}/confirmation", data={"answer": "coming"}
    )
    assert response.status_code == 302
    db.session.refresh(mine)
    assert mine.confirmed_at is not None
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="coming-{mine.id}"' not in page
    assert f'data-testid="confirmed-{mine.id}"' in page


def test_my_shifts_cant_come_promotes_the_waitlist(client, volunteer):
    mine, waiting = asked_place(volunteer)

    response = client.post(
        f"/me/applications/{mine.id}/confirmation",
        data={"answer": "not_coming"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.refresh(mine)
    db.session.refresh(waiting)
    assert mine.status is ApplicationStatus.WITHDRAWN and mine.cant_come_at
    assert waiting.status.holds_spot
    assert f'data-testid="cant-come-{mine.id}"' in response.get_data(as_text=True)


def test_a_bad_answer_or_someone_elses_place_is_refused(client, volunteer):
    other = factories.make_user()
    theirs, _waiting = asked_place(other)
    assert (
        client.post(
            f"/me/applications/{theirs.id}/confirmation", data={"answer": "coming"}
        ).status_code
        == 404
    )
    mine, _ = asked_place(volunteer)
    assert (
        client.post(
            f"/me/applications/{mine.id}/confirmation", data={"answer": "maybe"}
        ).status_code
        == 400
    )
    db.session.refresh(theirs)
    assert theirs.confirmed_at is None


def test_the_attendance_record_shows_on_my_shifts(client, volunteer):
    organization = factories.make_organization()
    for days_ago in (3, 10, 20):
        factories.make_past_application(volunteer, organization, days_ago=days_ago)
    factories.make_past_application(volunteer, organization, attended=False, days_ago=5)
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get("/me/shifts").get_data(as_text=True)
    assert "You came to 3 of your 4 shifts in the last 12 months." in page


def test_roster_and_board_show_answers_without_more_queries(
    client,
    auth,
    floor,
    people,
    count_queries,
):
    auth.login("member@example.org")
    later = floor["later"]
    urls = [
        f"/api/v1/shifts/{later.id}/roster",
        f"/floor/shifts/{later.id}",
        f"/floor/organizations/{people['org'].id}/roster?day={floor['day']}",
        f"/floor/board/rows?day={floor['day']}",
        f"/api/v1/coverage?day={floor['day']}",
    ]
    for url in urls:
        client.get(url)
    with count_queries() as before:
        for url in urls:
            client.get(url)

    now = utcnow()
    assert ask_for_confirmations(now) == 1  # "other", on the later shift
    confirmed = _place(later, "confirmed", ApplicationStatus.APPROVED)
    confirmed.confirm_asked_at = confirmed.confirmed_at = now
    db.session.commit()

    with count_queries() as after:
        pages = [client.get(url) for url in urls]
    assert len(after) == len(before), "\n".join(str(q)[:160] for q in after)
    roster = {
        line["volunteer"]["display_name"]: line for line in pages[0].json["items"]
    }
    assert roster["other"]["confirmation"] == "asked"
    assert roster["confirmed"]["confirmation"] == "confirmed"
    shift_page = pages[1].get_data(as_text=True)
    assert 'data-state="asked"' in shift_page and 'data-state="confirmed"' in shift_page
    assert f'data-testid="confirmed-{later.id}"' in pages[3].get_data(as_text=True)
    applicants = client.get(
        f"/manage/opportunities/{later.opportunity_id}/applicants"
    ).get_data(as_text=True)
    assert 'data-state="asked"' in applicants and 'data-state="confirmed"' in applicants
    board = {row["shift_id"]: row for row in pages[4].json["items"]}
    assert board[later.id]["confirmed"] == 1
    assert board[later.id]["awaiting_answer"] == 1
    assert board[floor["running"].id]["confirmed"] == 0


def test_the_opportunity_form_sets_the_release(client, organizer):
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, capacity=3)
    shift = opportunity.shifts[0]
    db.session.commit()
    start = shift.starts_at + timedelta(hours=7)
    data = {
        "title": opportunity.title,
        "place": opportunity.location_label,
        "approval_mode": "first_come",
        "causes": ["education"],
        "shifts-0-id": str(shift.id),
        "shifts-0-day": start.date().isoformat(),
        "shifts-0-start": start.strftime("%H:%M"),
        "shifts-0-end": (start + timedelta(hours=3)).strftime("%H:%M"),
        "shifts-0-capacity": "3",
        "release_unconfirmed_hours": "30",
    }
    url = f"/manage/opportunities/{opportunity.id}/edit"
    client.post("/language", data={"locale": "en"})
    refused = client.post(url, data=data)
    assert refused.status_code == 200
    assert "Give a number of hours from 1 to 23" in refused.get_data(as_text=True)
    assert db.session.get(Opportunity, opportunity.id).release_unconfirmed_hours is None

    data["release_unconfirmed_hours"] = "6"
    assert client.post(url, data=data).status_code == 302
    assert db.session.get(Opportunity, opportunity.id).release_unconfirmed_hours == 6
    assert 'value="6"' in client.get(url).get_data(as_text=True)

    data["release_unconfirmed_hours"] = ""
    assert client.post(url, data=data).status_code == 302
    assert db.session.get(Opportunity, opportunity.id).release_unconfirmed_hours is None


def test_a_no_show_leaves_the_count_in_the_export(app):
    from marketplace.privacy.services import export_user_data

    volunteer = factories.make_user()
    application = factories.make_past_application(
        volunteer, factories.make_organization(), attended=False
    )
    application.confirm_asked_at = application.confirmed_at = utcnow()
    db.session.commit()
    exported = export_user_data(volunteer)
    rows = [row for row in exported["applications"] if row["id"] == application.id]
    assert rows[0]["attendance"] == Attendance.NO_SHOW.value
    assert rows[0]["confirmed_at"]
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
