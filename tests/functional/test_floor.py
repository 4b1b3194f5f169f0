"""The expo floor: the coverage board, shift leads, rosters and sign-in sheets."""

import csv
import io
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.access import lead_window
from marketplace.extensions import db
from marketplace.i18n import BANGKOK, to_bangkok
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AuditEvent,
    ConsentPurpose,
    Shift,
    ShiftLead,
    User,
    utcnow,
)
from marketplace.privacy.consents import record_consents
from tests import factories


def _place(shift, name: str, status: ApplicationStatus, phone: str | None = None):
    volunteer = factories.make_user(email=f"{name}@floor.example.org", name=name)
    volunteer.profile.phone = phone
    application = Application(shift=shift, volunteer=volunteer, status=status)
    if status.holds_spot:
        shift.spots_taken += 1
    db.session.add(application)
    db.session.flush()
    return application


@pytest.fixture
def floor(midday, people):
    """A shift running for 30 minutes (4 places) and one later today (2 places).

    On the running shift: two approved (one attended), one accepted, one on the
    waitlist; "lead" (approved) leads it. The later shift has one approved.
    """
    now = utcnow().replace(microsecond=0)
    running = factories.make_opportunity(
        people["org"],
        title="จุดลงทะเบียน",
        starts=now - timedelta(minutes=30),
        capacity=4,
    ).shifts[0]
    later = factories.make_opportunity(
        people["org"], title="แจกน้ำ", starts=now + timedelta(minutes=40), capacity=2
    ).shifts[0]
    elsewhere = factories.make_opportunity(
        people["other_org"], title="ที่อื่น", starts=now - timedelta(minutes=20)
    ).shifts[0]
    lead = _place(running, "lead", ApplicationStatus.APPROVED, "+66811111111")
    came = _place(running, "came", ApplicationStatus.APPROVED, "+66822222222")
    came.attendance, came.hours = Attendance.ATTENDED, 3
    accepted = _place(running, "accepted", ApplicationStatus.ACCEPTED)
    waiting = _place(running, "waiting", ApplicationStatus.WAITLISTED)
    other = _place(later, "other", ApplicationStatus.APPROVED)
    stranger = _place(elsewhere, "stranger", ApplicationStatus.APPROVED)
    db.session.add(ShiftLead(shift=running, volunteer_id=lead.volunteer_id))
    db.session.commit()
    return {
        "running": running,
        "later": later,
        "elsewhere": elsewhere,
        "lead": lead,
        "came": came,
        "accepted": accepted,
        "waiting": waiting,
        "other": other,
        "stranger": stranger,
        "day": to_bangkok(running.starts_at).date().isoformat(),
    }


def _coverage(client, floor, **args):
    return client.get("/api/v1/coverage", query_string={"day": floor["day"], **args})


# --- Coverage -----------------------------------------------------------------------


def test_member_sees_their_organisations_shifts_with_counts(client, auth, floor):
    auth.login("member@example.org")
    response = _coverage(client, floor)
    assert response.status_code == 200
    items = {item["shift_id"]: item for item in response.get_json()["items"]}
    assert floor["elsewhere"].id not in items
    running = items[floor["running"].id]
    assert {k: running[k] for k in ("capacity", "held", "checked_in", "missing")} == {
        "capacity": 4,
        "held": 3,
        "checked_in": 1,
        "missing": 2,  # lead (approved) and accepted: held, no attendance, 30 min in
    }
    assert running["open"] == 1
    assert running["starts_at"].endswith("+07:00")
    later = items[floor["later"].id]
    assert (later["held"], later["missing"], later["open"]) == (1, 0, 1)


def test_board_is_sorted_by_risk(client, auth, floor):
    auth.login("member@example.org")
    ids = [item["shift_id"] for item in _coverage(client, floor).get_json()["items"]]
    # Running: (2 missing + 1 open) / 4 = 0.75; later: (0 + 1) / 2 = 0.5.
    assert ids.index(floor["running"].id) < ids.index(floor["later"].id)


def test_coverage_is_a_page_like_every_list(client, auth, floor):
    auth.login("member@example.org")
    body = _coverage(client, floor, per_page=1).get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 1)
    assert [item["shift_id"] for item in body["items"]] == [floor["running"].id]


def test_staff_see_every_organisation_and_can_filter(client, auth, floor):
    auth.login("staff@example.org")
    items = _coverage(client, floor).get_json()["items"]
    assert floor["elsewhere"].id in {item["shift_id"] for item in items}
    only = _coverage(
        client, floor, organization_id=floor["elsewhere"].opportunity.organization_id
    )
    assert [i["shift_id"] for i in only.get_json()["items"]] == [floor["elsewhere"].id]


def test_zone_filters_by_place(client, auth, floor):
    floor["later"].opportunity.location_label = "ลานหน้าเซ็นทรัลเวิลด์"
    db.session.commit()
    auth.login("member@example.org")
    items = _coverage(client, floor, zone="ลานหน้าเซ็นทรัลเวิลด์").get_json()["items"]
    assert [item["shift_id"] for item in items] == [floor["later"].id]


@pytest.mark.parametrize(
    ("who", "status"),
    [("other@example.org", 403), ("volunteer@example.org", 403), (None, 401)],
)
def test_coverage_is_refused_to_others(client, auth, floor, people, who, status):
    if who:
        auth.login(who)
    args = {"organization_id": people["org"].id}
    assert _coverage(client, floor, **args).status_code == status


def test_bad_day_is_a_400_not_a_500(client, auth, floor):
    auth.login("member@example.org")
    for day in ("2027-13-40", "yesterday", ""):
        response = client.get("/api/v1/coverage", query_string={"day": day})
        assert response.status_code == 400, day
    # Without a day: today's board.
    assert client.get("/api/v1/coverage").status_code == 200


def test_board_page_shows_the_rows_and_a_wall_mode(client, auth, floor):
    auth.login("member@example.org")
    page = client.get(f"/floor/board?day={floor['day']}").get_data(as_text=True)
    assert f'data-testid="board-row-{floor["running"].id}"' in page
    assert "data-board-rows" in page and "js/floor.js" in page
    wall = client.get(f"/floor/board?day={floor['day']}&wall=1").get_data(as_text=True)
    assert "floor-wall" in wall and 'aria-label="Main navigation"' not in wall
    assert "navbar" not in wall
    rows = client.get(f"/floor/board/rows?day={floor['day']}")
    assert rows.status_code == 200
    assert f'data-testid="missing-{floor["running"].id}">2<' in rows.get_data(
        as_text=True
    )


def test_board_page_survives_junk_arguments(client, auth, floor):
    auth.login("staff@example.org")
    for query in (
        "day=junk",
        "day=0001-01-01",
        "organization_id=abc",
        "zone=" + "x" * 500,
    ):
        assert client.get(f"/floor/board?{query}").status_code == 200, query


def test_board_and_api_queries_do_not_grow_with_rows(
    client, auth, people, floor, count_queries
):
    auth.login("member@example.org")
    urls = [
        f"/floor/board?day={floor['day']}",
        f"/floor/board/rows?day={floor['day']}",
        f"/api/v1/coverage?day={floor['day']}",
    ]
    for url in urls:
        client.get(url)
    with count_queries() as few:
        for url in urls:
            client.get(url)
    start = floor["running"].starts_at
    for number in range(6):
        shift = factories.make_opportunity(
            people["org"], title=f"เพิ่ม {number}", starts=start, capacity=5
        ).shifts[0]
        for person in range(3):
            _place(shift, f"more{number}-{person}", ApplicationStatus.APPROVED)
    db.session.commit()
    with count_queries() as many:
        for url in urls:
            assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(str(q)[:160] for q in many)


# --- Leads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "opens", "closes"),
    [
        # A morning shift: the whole day (Bangkok), midnight to midnight.
        ("2027-06-09T07:00", "2027-06-09T00:00", "2027-06-10T00:00"),
        # Just after midnight: from three hours before its start.
        ("2027-06-10T01:00", "2027-06-09T22:00", "2027-06-11T00:00"),
        # Ending after midnight: to the end of the day it ends.
        ("2027-06-09T22:00", "2027-06-09T00:00", "2027-06-11T00:00"),
    ],
)
def test_a_leads_day(start, opens, closes):
    starts = datetime.fromisoformat(start).replace(tzinfo=BANGKOK)
    shift = Shift(starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=1)
    window = lead_window(shift)
    assert [moment.astimezone(BANGKOK).isoformat()[:16] for moment in window] == [
        opens,
        closes,
    ]


def _leads_url(floor, shift="running"):
    return f"/api/v1/shifts/{floor[shift].id}/leads"


def test_member_makes_and_removes_a_lead(client, auth, floor):
    auth.login("member@example.org")
    came = floor["came"]
    response = client.post(_leads_url(floor), json={"volunteer_id": came.volunteer_id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["volunteer_id"] == came.volunteer_id
    again = client.post(_leads_url(floor), json={"volunteer_id": came.volunteer_id})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_lead"
    gone = client.delete(f"{_leads_url(floor)}/{came.volunteer_id}")
    assert gone.status_code == 204
    assert client.delete(f"{_leads_url(floor)}/{came.volunteer_id}").status_code == 404
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert {"shift.lead_appointed", "shift.lead_removed"} <= set(actions)


@pytest.mark.parametrize("who", ["accepted", "waiting", "stranger"])
def test_only_an_approved_volunteer_of_the_shift_can_lead(client, auth, floor, who):
    auth.login("member@example.org")
    body = {"volunteer_id": floor[who].volunteer_id}
    response = client.post(_leads_url(floor), json=body)
    assert response.status_code == 422
    assert "volunteer_id" in response.get_json()["error"]["fields"]


def test_leads_are_made_by_members_only(client, auth, floor):
    body = {"volunteer_id": floor["came"].volunteer_id}
    for who in ("other@example.org", "staff@example.org", "lead@floor.example.org"):
        auth.login(who)
        assert client.post(_leads_url(floor), json=body).status_code in (403, 404), who
        lead_id = floor["lead"].volunteer_id
        assert client.delete(f"{_leads_url(floor)}/{lead_id}").status_code in (403, 404)
        auth.logout()
    assert db.session.scalar(sa.select(sa.func.count(ShiftLead.id))) == 1


def test_a_lead_sees_the_roster_with_phones_and_the_look_is_logged(client, auth, floor):
    auth.login("lead@floor.example.org")
    response = client.get(f"/api/v1/shifts/{floor['running'].id}/roster")
    assert response.status_code == 200
    items = {item["application_id"]: item for item in response.get_json()["items"]}
    came = items[floor["came"].id]
    assert came["volunteer"] == {
        "id": floor["came"].volunteer_id,
        "display_name": "came",
        "phone": "+66822222222",
    }
    assert came["status"] == "approved" and came["attendance"] == "attended"
    assert came["answers"] == {}
    assert items[floor["waiting"].id]["status"] == "waitlisted"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "personal_data.viewed")
    )
    assert event.actor_id == floor["lead"].volunteer_id
    assert floor["came"].volunteer_id in event.data["volunteers"]


def test_a_lead_records_attendance_for_their_shift_only(client, auth, floor):
    auth.login("lead@floor.example.org")
    url = "/api/v1/applications/{}/attendance"
    done = client.post(
        url.format(floor["lead"].id), json={"attended": True, "hours": 2}
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["attendance"] == "attended"
    # Another shift of the same organisation, and another organisation's.
    for other in ("other", "stranger"):
        refused = client.post(url.format(floor[other].id), json={"attended": True})
        assert refused.status_code in (403, 404), other
    assert db.session.get(Application, floor["other"].id).attendance is None


def test_a_lead_sees_nothing_else_of_the_organisation(client, auth, floor, people):
    auth.login("lead@floor.example.org")
    opportunity_id = floor["running"].opportunity_id
    for url in (
        f"/manage/organizations/{people['org'].id}",
        f"/manage/opportunities/{opportunity_id}/applicants",
        f"/api/v1/opportunities/{opportunity_id}/applications",
        f"/api/v1/shifts/{floor['later'].id}/roster",
        f"/floor/shifts/{floor['later'].id}",
        f"/floor/organizations/{people['org'].id}/roster",
        f"/api/v1/coverage?day={floor['day']}",
    ):
        assert client.get(url).status_code in (403, 404), url


def test_a_lead_is_refused_on_other_days(client, auth, floor):
    running = floor["running"]
    running.starts_at = utcnow() + timedelta(days=2)
    running.ends_at = running.starts_at + timedelta(hours=3)
    db.session.commit()
    auth.login("lead@floor.example.org")
    response = client.get(f"/api/v1/shifts/{running.id}/roster")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_shift_day"
    assert client.get(f"/floor/shifts/{running.id}").status_code == 403


def test_a_lead_who_withdrew_leads_no_more(client, auth, floor):
    lead = floor["lead"]
    lead.status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    auth.login("lead@floor.example.org")
    assert client.get(f"/api/v1/shifts/{floor['running'].id}/roster").status_code == 403


def test_lead_takes_attendance_on_the_floor_page(client, auth, floor):
    auth.login("lead@floor.example.org")
    page = client.get(f"/floor/shifts/{floor['running'].id}").get_data(as_text=True)
    assert "+66822222222" in page and "make-lead" not in page
    response = client.post(
        f"/floor/applications/{floor['lead'].id}/attendance",
        data={"attended": "yes", "hours": "1.5"},
    )
    assert response.status_code == 302
    recorded = db.session.get(Application, floor["lead"].id)
    assert recorded.hours == 1.5
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{recorded.volunteer.display_name} มาร่วมงาน บันทึก 1.5 ชั่วโมงแล้ว" in shown
    too_long = client.post(
        f"/floor/applications/{floor['lead'].id}/attendance",
        data={"attended": "yes", "hours": "99"},
    )
    assert too_long.status_code == 422


def test_member_makes_a_lead_on_the_floor_page(client, auth, floor):
    auth.login("member@example.org")
    page = client.get(f"/floor/shifts/{floor['running'].id}").get_data(as_text=True)
    assert f'data-testid="make-lead-{floor["came"].id}"' in page
    response = client.post(
        f"/floor/shifts/{floor['running'].id}/leads",
        data={"volunteer_id": str(floor["came"].volunteer_id)},
    )
    assert response.status_code == 302
    assert db.session.scalar(
        sa.select(ShiftLead).where(ShiftLead.volunteer_id == floor["came"].volunteer_id)
    )
    # Junk ids are explained, never a 500.
    junk = client.post(
        f"/floor/shifts/{floor['running'].id}/leads", data={"volunteer_id": "x"}
    )
    assert junk.status_code == 302


def test_my_shifts_links_a_lead_to_their_shift(client, auth, floor):
    auth.login("lead@floor.example.org")
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="lead-shift-{floor["running"].id}"' in page


# --- Rosters -------------------------------------------------------------------------


def test_roster_hides_the_phone_of_someone_who_stopped_sharing(client, auth, floor):
    volunteer = floor["came"].volunteer
    record_consents(volunteer, {ConsentPurpose.PROFILE_SHARING: False}, "test")
    db.session.commit()
    auth.login("member@example.org")
    items = client.get(f"/api/v1/shifts/{floor['running'].id}/roster").get_json()[
        "items"
    ]
    came = next(i for i in items if i["application_id"] == floor["came"].id)
    assert came["volunteer"]["phone"] is None
    # A member's own look is not a personal-data view of a lead.
    assert not db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "personal_data.viewed")
    )


def test_day_roster_page_and_csv(client, auth, floor, people):
    auth.login("member@example.org")
    url = f"/floor/organizations/{people['org'].id}/roster?day={floor['day']}"
    page = client.get(url).get_data(as_text=True)
    assert "จุดลงทะเบียน" in page and "แจกน้ำ" in page and "ที่อื่น" not in page
    assert "+66811111111" in page
    response = client.get(url.replace("/roster?", "/roster.csv?"))
    assert response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0][:6] == [
        "shift_start",
        "shift_end",
        "opportunity",
        "place",
        "volunteer",
        "phone",
    ]
    names = {row[4] for row in rows[1:]}
    assert names == {"lead", "came", "accepted", "waiting", "other"}
    lead_row = next(row for row in rows[1:] if row[4] == "lead")
    assert lead_row[8] == "yes"


def test_roster_queries_do_not_grow_with_people(
    client, auth, floor, people, count_queries
):
    auth.login("member@example.org")
    urls = [
        f"/api/v1/shifts/{floor['running'].id}/roster",
        f"/floor/shifts/{floor['running'].id}",
        f"/floor/organizations/{people['org'].id}/roster?day={floor['day']}",
    ]
    for url in urls:
        client.get(url)
    with count_queries() as few:
        for url in urls:
            client.get(url)
    floor["running"].capacity = 20
    for number in range(8):
        _place(floor["running"], f"extra{number}", ApplicationStatus.APPROVED, "+6680")
    db.session.commit()
    with count_queries() as many:
        for url in urls:
            assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(str(q)[:160] for q in many)


def test_sign_in_sheet_is_thai_and_printable(client, auth, floor):
    auth.login("member@example.org")
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/floor/shifts/{floor['running'].id}/sign-in-sheet")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ลายมือชื่อ" in text and "css/floor.css" in text
    assert "came" in text and "lead" in text and "waiting" not in text


def test_sign_in_sheet_is_refused_to_other_members(client, auth, floor):
    auth.login("other@example.org")
    assert (
        client.get(f"/floor/shifts/{floor['running'].id}/sign-in-sheet").status_code
        == 403
    )


def test_erasure_removes_a_volunteers_lead_rows(app, floor):
    from marketplace.privacy.services import erase_user

    erase_user(floor["lead"].volunteer, None, "test")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ShiftLead.id))) == 0


def test_the_demo_organiser_sees_the_running_shift_with_its_lead(app, client, auth):
    from marketplace.seed.demo import ORGANIZER_EMAIL, VOLUNTEER_EMAIL, demo_logins
    from marketplace.seed.journeys import RUNNING_NOW_TITLE

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    password = next(x for x in demo_logins() if x.email == ORGANIZER_EMAIL).password
    auth.login(ORGANIZER_EMAIL, password)
    running = db.session.scalar(
        sa.select(Application)
        .join(Application.shift)
        .join(ShiftLead, ShiftLead.shift_id == Application.shift_id)
        .where(Application.volunteer_id == ShiftLead.volunteer_id)
        .where(Application.shift.has(Shift.opportunity.has(title=RUNNING_NOW_TITLE)))
    )
    assert running is not None
    day = to_bangkok(running.shift.starts_at).date().isoformat()
    page = client.get(f"/floor/board?day={day}").get_data(as_text=True)
    assert f'data-testid="board-row-{running.shift_id}"' in page
    shift_page = client.get(f"/floor/shifts/{running.shift_id}").get_data(as_text=True)
    assert f'data-testid="lead-badge-{running.id}"' in shift_page
    volunteer = db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    assert db.session.scalar(
        sa.select(ShiftLead).where(ShiftLead.volunteer_id == volunteer.id)
    )
