"""The volunteer journey through the web pages."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    AvailabilityWindow,
    Notification,
    Role,
    User,
    utcnow,
)
from tests import factories


@pytest.fixture
def organization():
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    db.session.commit()
    return organization


PROFILE_FORM = {
    "skills": ["first-aid", "teaching"],
    "causes": ["education"],
    "languages": ["th", "en"],
    "place": "ปทุมวัน",
    "lat": "",
    "lon": "",
    "max_distance_km": "20",
    "remote_ok": "y",
    "bio": "ครูอาสาวันเสาร์",
    "slot": ["5-9", "5-10", "5-11", "5-14", "5-15", "6-9"],
}


def test_profile_page_saves_the_whole_profile(client, volunteer):
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'data-progress="0"' in page
    response = client.post("/me/profile", data=PROFILE_FORM)
    assert response.status_code == 302
    profile = db.session.get(User, volunteer.id).profile
    assert {s.slug for s in profile.skills} == {"first-aid", "teaching"}
    assert profile.location_label.startswith("ปทุมวัน")
    assert profile.max_distance_km == 20 and profile.remote_ok
    windows = [(w.weekday, w.start_minute, w.end_minute) for w in profile.availability]
    assert windows == [(5, 540, 720), (5, 840, 960), (6, 540, 600)]
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'data-progress="100"' in page
    assert 'value="5-10" id="slot-5-10" checked' in page


def test_profile_keeps_the_place_when_unchanged_and_takes_a_map_click(
    client, volunteer
):
    client.post("/me/profile", data=PROFILE_FORM)
    label = db.session.get(User, volunteer.id).profile.location_label
    client.post("/me/profile", data={**PROFILE_FORM, "place": label})
    assert db.session.get(User, volunteer.id).profile.location_label == label
    clicked = {**PROFILE_FORM, "place": "", "lat": "18.79", "lon": "98.98"}
    client.post("/me/profile", data=clicked)
    profile = db.session.get(User, volunteer.id).profile
    assert (profile.lat, profile.lon) == (18.79, 98.98)
    assert "เชียงใหม่" in profile.location_label


def test_profile_refuses_an_unknown_place_and_changes_nothing(client, volunteer):
    client.post("/me/profile", data=PROFILE_FORM)
    response = client.post("/me/profile", data={**PROFILE_FORM, "place": "Atlantis"})
    assert response.status_code == 200
    assert "Atlantis" in response.get_data(as_text=True)
    profile = db.session.get(User, volunteer.id).profile
    assert profile.location_label.startswith("ปทุมวัน")
    assert db.session.scalar(sa.select(sa.func.count(AvailabilityWindow.id))) == 3


def test_search_page_filters_live_in_the_url(client, organization):
    factories.make_opportunity(organization, title="สอนการบ้านเด็กในชุมชนคลองเตย")
    factories.make_opportunity(
        organization, title="ปลูกป่าชายเลน", causes=("environment",), skills=()
    )
    page = client.get("/opportunities?q=การบ้าน&cause=education").get_data(as_text=True)
    assert "สอนการบ้านเด็ก" in page and "ปลูกป่าชายเลน" not in page
    assert 'value="การบ้าน"' in page
    near = client.get("/opportunities?where=ปทุมวัน&within_km=5").get_data(as_text=True)
    assert 'data-testid="distance"' in near and "map-points" in near
    unknown = client.get("/opportunities?where=Atlantis").get_data(as_text=True)
    assert "Atlantis" in unknown and 'role="alert"' in unknown
    empty = client.get("/opportunities?q=ไม่มีแน่นอน").get_data(as_text=True)
    assert 'class="empty-state' in empty


def test_near_me_needs_a_profile_location(client, volunteer, organization):
    factories.make_opportunity(organization)
    page = client.get("/opportunities?near_me=y").get_data(as_text=True)
    assert 'role="alert"' in page
    client.post("/me/profile", data=PROFILE_FORM)
    page = client.get("/opportunities?near_me=y&within_km=5").get_data(as_text=True)
    assert 'data-testid="distance"' in page


def test_apply_withdraw_and_promotion_through_the_pages(
    app, client, auth, organization
):
    opportunity = factories.make_opportunity(organization, capacity=1)
    shift = opportunity.shifts[0]
    factories.make_user(email="first@example.org")
    factories.make_user(email="second@example.org")
    db.session.commit()
    url = f"/opportunities/{opportunity.id}"

    auth.login("first@example.org")
    client.post(f"/shifts/{shift.id}/apply", data={"message": "พร้อมช่วยครับ"})
    assert 'data-testid="my-status"' in client.get(url).get_data(as_text=True)
    auth.logout()

    auth.login("second@example.org")
    page = client.get(url).get_data(as_text=True)
    assert f'data-testid="apply-{shift.id}"' in page
    client.post(f"/shifts/{shift.id}/apply", data={})
    second = db.session.scalar(
        sa.select(Application)
        .join(Application.volunteer)
        .where(User.email == "second@example.org")
    )
    assert second.status is ApplicationStatus.WAITLISTED
    again = client.post(f"/shifts/{shift.id}/apply", data={}, follow_redirects=True)
    assert "alert-danger" in again.get_data(as_text=True)
    auth.logout()

    auth.login("first@example.org")
    first = db.session.scalar(sa.select(Application).where(Application.id != second.id))
    client.post(f"/me/applications/{first.id}/withdraw", data={})
    auth.logout()

    db.session.expire_all()
    assert db.session.get(Application, second.id).status is ApplicationStatus.ACCEPTED
    auth.login("second@example.org")
    shifts_page = client.get("/me/shifts").get_data(as_text=True)
    assert 'data-testid="unread"' in shifts_page
    assert opportunity.title in shifts_page
    client.post("/notifications/read", data={"next": "/me/shifts"})
    assert 'data-testid="unread"' not in client.get("/me/shifts").get_data(as_text=True)
    promoted = sa.select(Notification.read_at).where(
        Notification.kind == "promoted_from_waitlist"
    )
    assert db.session.scalar(promoted) is not None


def test_overlap_is_refused_and_named(client, volunteer, organization):
    start = utcnow() + timedelta(days=5)
    held = factories.make_opportunity(organization, title="งานแรก", starts=start)
    other = factories.make_opportunity(
        organization, title="งานที่สอง", starts=start + timedelta(hours=2)
    )
    client.post(f"/shifts/{held.shifts[0].id}/apply", data={})
    response = client.post(
        f"/shifts/{other.shifts[0].id}/apply", data={}, follow_redirects=True
    )
    assert "งานแรก" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_skills_the_volunteer_has_are_marked(client, volunteer, organization):
    opportunity = factories.make_opportunity(organization, skills=("teaching", "cpr"))
    client.post("/me/profile", data=PROFILE_FORM)
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert page.count('data-testid="skill-held"') == 1


def test_calendar_feed_and_reset(client, volunteer, organization):
    opportunity = factories.make_opportunity(organization, shifts=2)
    for shift in opportunity.shifts:
        client.post(f"/shifts/{shift.id}/apply", data={})
    assert 'data-testid="calendar-url"' not in client.get("/me/shifts").get_data(
        as_text=True
    )
    client.post("/me/calendar")
    token = db.session.get(User, volunteer.id).calendar_token
    page = client.get("/me/shifts").get_data(as_text=True)
    # Copy the link, or subscribe with one tap (webcal:// opens the calendar app).
    assert f'href="webcal://expo.test.example/calendar/{token}.ics"' in page
    assert 'data-copy="#calendar-url"' in page
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert len(events) == 2
    assert str(events[0]["summary"]) == opportunity.title
    assert events[0].decoded("dtstart") == opportunity.shifts[0].starts_at
    client.post("/me/calendar")
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    application = db.session.scalar(sa.select(Application).limit(1))
    single = client.get(f"/me/applications/{application.id}.ics")
    assert len(Calendar.from_ical(single.data).walk("VEVENT")) == 1


def test_nobody_reaches_another_volunteers_application(client, auth, organization):
    shift = factories.make_opportunity(organization).shifts[0]
    factories.make_user(email="a@example.org")
    factories.make_user(email="b@example.org")
    db.session.commit()
    auth.login("a@example.org")
    client.post(f"/shifts/{shift.id}/apply", data={})
    auth.logout()
    application = db.session.scalar(sa.select(Application))
    auth.login("b@example.org")
    assert client.get(f"/me/applications/{application.id}.ics").status_code == 404
    client.post(f"/me/applications/{application.id}/withdraw", data={})
    db.session.expire_all()
    assert (
        db.session.get(Application, application.id).status is ApplicationStatus.ACCEPTED
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/profile"),
        ("post", "/me/profile"),
        ("get", "/me/shifts"),
        ("post", "/me/calendar"),
        ("post", "/shifts/1/apply"),
        ("post", "/me/applications/1/withdraw"),
        ("get", "/me/applications/1.ics"),
    ],
)
def test_volunteer_pages_refuse_others(client, auth, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    factories.make_user(Role.ORGANIZER, email="o2@example.org")
    db.session.commit()
    auth.login("o2@example.org")
    assert getattr(client, method)(path).status_code == 403


def test_apply_needs_csrf(client, volunteer, organization):
    shift = factories.make_opportunity(organization).shifts[0]
    assert (
        client.post(f"/shifts/{shift.id}/apply", data={}, csrf=False).status_code == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


@pytest.mark.parametrize("path", ["/opportunities?q=งาน", "/me/shifts", "opportunity"])
def test_volunteer_pages_use_few_queries(
    client, volunteer, organization, count_queries, path
):
    def grow(count):
        for number in range(count):
            opportunity = factories.make_opportunity(
                organization,
                title=f"งาน {number}",
                shifts=3,
                starts=utcnow() + timedelta(days=2 + number),
            )
            for shift in opportunity.shifts[:1]:
                client.post(f"/shifts/{shift.id}/apply", data={})
        return opportunity

    first = grow(2)
    target = f"/opportunities/{first.id}" if path == "opportunity" else path
    client.get(target)
    with count_queries() as few:
        assert client.get(target).status_code == 200
    grow(15)
    client.get(target)  # the catalogue changed: per-process caches refill once
    with count_queries() as many:
        assert client.get(target).status_code == 200
    assert len(many) == len(few), many
    # One for the opportunity's questions on its page, one for the groups the
    # volunteer leads (its shifts offer "Reserve places for my group").
    assert len(many) <= 14


def test_invitations_can_be_accepted_or_declined(client, volunteer, organization):
    from marketplace.applications.services import invite_volunteer

    organizer = organization.memberships[0].user
    factories.make_matchable(volunteer, organization)
    full = factories.make_opportunity(
        organization, title="เต็มแล้ว", capacity=1, starts=factories.daytime(7)
    )
    full.shifts[0].spots_taken = 1
    open_shift = factories.make_opportunity(
        organization, title="ยังว่าง", starts=factories.daytime(20)
    ).shifts[0]
    third = factories.make_opportunity(
        organization, title="ไม่สะดวก", starts=factories.daytime(30)
    ).shifts[0]
    invitations = [
        invite_volunteer(organizer, shift.id, volunteer)
        for shift in (full.shifts[0], open_shift, third)
    ]
    db.session.commit()
    page = client.get("/me/shifts").get_data(as_text=True)
    assert all(f'data-testid="accept-invitation-{i.id}"' in page for i in invitations)
    assert 'data-testid="unread"' in page
    for invitation in invitations[:2]:
        client.post(f"/me/applications/{invitation.id}/accept-invitation")
    client.post(f"/me/applications/{invitations[2].id}/decline-invitation")
    statuses = [db.session.get(Application, i.id).status for i in invitations]
    assert statuses == [
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.INVITATION_DECLINED,
    ]


def _feed_status(client, token: str) -> int:
    return client.get(f"/calendar/{token}.ics").status_code


def test_no_calendar_link_is_made_when_sessions_end(client, auth, volunteer):
    auth.logout()
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).calendar_token is None
