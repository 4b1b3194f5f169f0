"""Recommendations and suggested volunteers from the live database (API.md)."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.auth.services import record_consents
from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.models import (
    ApprovalMode,
    AvailabilityWindow,
    ConsentPurpose,
    Role,
    Shift,
    Skill,
    User,
    utcnow,
)
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


def next_weekday(weekday: int, hour: int) -> datetime:
    """The next such weekday at least three days ahead, at `hour` Bangkok time."""
    day = (utcnow().astimezone(BANGKOK) + timedelta(days=3)).date()
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), BANGKOK)


@pytest.fixture
def setting(api):
    """A volunteer free on Saturdays near CentralWorld, and a verified organisation."""
    volunteer = factories.make_user(email="v@example.org")
    profile = volunteer.profile
    profile.skills = list(
        db.session.scalars(sa.select(Skill).where(Skill.slug == "teaching"))
    )
    profile.lat, profile.lon, profile.max_distance_km = 13.7466, 100.5393, 15
    profile.availability = [
        AvailabilityWindow(weekday=5, start_minute=540, end_minute=1020)
    ]
    record_consents(volunteer, {ConsentPurpose.MATCHING: True}, "test")
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    db.session.commit()
    return {
        "organization": organization,
        "volunteer": volunteer,
        "headers": bearer(login_token(api, "v@example.org")),
        "member": bearer(login_token(api, "m@example.org")),
    }


def recommended(api, headers) -> list[dict]:
    response = api.get("/api/v1/me/recommendations", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_only_what_passes_every_hard_filter(api, setting):
    organization = setting["organization"]
    saturday = next_weekday(5, 10)
    fits = factories.make_opportunity(organization, title="ตรงทุกข้อ", starts=saturday)
    factories.make_opportunity(
        organization, title="ต้องปฐมพยาบาล", skills=("first-aid",), starts=saturday
    )
    far = factories.make_opportunity(organization, title="ไกลเกินไป", starts=saturday)
    far.lat, far.lon = 18.7883, 98.9853
    factories.make_opportunity(
        organization, title="วันอาทิตย์", starts=next_weekday(6, 10)
    )
    remote = factories.make_opportunity(organization, title="ออนไลน์", starts=saturday)
    remote.remote, remote.lat, remote.lon = True, None, None
    full = factories.make_opportunity(
        organization,
        title="เต็ม",
        starts=saturday,
        approval_mode=ApprovalMode.REVIEW,
        capacity=1,
    )
    full.shifts[0].spots_taken = 1
    waitlist = factories.make_opportunity(
        organization, title="ต่อคิวได้", starts=saturday, capacity=1
    )
    waitlist.shifts[0].spots_taken = 1
    db.session.commit()

    items = recommended(api, setting["headers"])
    assert {item["opportunity"]["title"] for item in items} == {"ตรงทุกข้อ", "ต่อคิวได้"}
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)
    assert items[0]["opportunity"]["id"] == fits.id  # the open spot beats the waitlist
    assert any("กม." in reason for reason in items[0]["reasons"])
    assert set(items[0]["components"]) == {
        "skills",
        "distance",
        "causes",
        "languages",
        "need",
    }


def _remote_and_near(organization, starts):
    """A remote opportunity, and a one-spot review-mode one near the volunteer."""
    remote = factories.make_opportunity(organization, title="สอนออนไลน์", starts=starts)
    remote.remote, remote.lat, remote.lon = True, None, None
    near = factories.make_opportunity(
        organization,
        title="ใกล้บ้าน",
        starts=starts,
        approval_mode=ApprovalMode.REVIEW,
        capacity=1,
    )
    db.session.commit()
    return near


def test_changes_show_at_once(api, setting):
    organization = setting["organization"]
    saturday = next_weekday(5, 9)
    assert recommended(api, setting["headers"]) == []
    near = _remote_and_near(organization, saturday)
    assert [
        i["opportunity"]["title"] for i in recommended(api, setting["headers"])
    ] == ["ใกล้บ้าน"]
    near.shifts[0].spots_taken = 1  # full, and review mode has no waitlist
    db.session.get(User, setting["volunteer"].id).profile.remote_ok = True
    db.session.commit()
    assert [
        i["opportunity"]["title"] for i in recommended(api, setting["headers"])
    ] == ["สอนออนไลน์"]


def test_held_shifts_exclude_overlapping_ones(api, setting):
    organization = setting["organization"]
    saturday = next_weekday(5, 10)
    first = factories.make_opportunity(organization, title="ชิ้นแรก", starts=saturday)
    factories.make_opportunity(
        organization, title="ซ้อนเวลา", starts=saturday + timedelta(hours=1)
    )
    db.session.commit()
    api.post(
        f"/api/v1/shifts/{first.shifts[0].id}/applications",
        json={},
        headers=setting["headers"],
    )
    assert recommended(api, setting["headers"]) == []


def test_suggested_volunteers(api, setting):
    organization = setting["organization"]
    shift = factories.make_opportunity(organization, starts=next_weekday(5, 10)).shifts[
        0
    ]
    other = factories.make_user(Role.ORGANIZER, email="x@example.org")
    factories.make_organization(members=[other])
    db.session.commit()
    url = f"/api/v1/shifts/{shift.id}/suggested-volunteers"
    body = api.get(url, headers=setting["member"]).get_json()
    assert [item["volunteer"]["id"] for item in body["items"]] == [
        setting["volunteer"].id
    ]
    assert body["items"][0]["reasons"]
    assert (
        api.get(url, headers=bearer(login_token(api, "x@example.org"))).status_code
        == 403
    )
    assert api.get(url, headers=setting["headers"]).status_code == 403
    # Withdrawing consent to matching takes the volunteer out at once.
    record_consents(
        db.session.get(User, setting["volunteer"].id),
        {ConsentPurpose.MATCHING: False},
        "test",
    )
    db.session.commit()
    assert api.get(url, headers=setting["member"]).get_json()["items"] == []


def test_invite_from_the_applicants_page(client, auth, setting):
    organization = setting["organization"]
    opportunity = factories.make_opportunity(organization, starts=next_weekday(5, 10))
    db.session.commit()
    auth.login("m@example.org")
    page = client.get(f"/manage/opportunities/{opportunity.id}/applicants")
    volunteer_id = setting["volunteer"].id
    assert f'data-testid="invite-{volunteer_id}"' in page.get_data(as_text=True)
    client.post(
        f"/manage/shifts/{opportunity.shifts[0].id}/invite",
        data={"volunteer_id": volunteer_id},
    )
    auth.logout()
    auth.login("v@example.org")
    shifts = client.get("/me/shifts").get_data(as_text=True)
    assert "accept-invitation" in shifts
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="recommended"' not in home  # invited: no longer recommended


def test_each_change_alone_shows_in_the_next_answer(api, setting):
    """The per-worker index follows the catalogue; the profile is read fresh."""
    organization = setting["organization"]
    saturday = next_weekday(5, 9)
    near = _remote_and_near(organization, saturday)

    def titles() -> set[str]:
        return {i["opportunity"]["title"] for i in recommended(api, setting["headers"])}

    assert titles() == {"ใกล้บ้าน"}
    db.session.get(User, setting["volunteer"].id).profile.remote_ok = True
    db.session.commit()
    assert titles() == {"ใกล้บ้าน", "สอนออนไลน์"}  # a changed profile
    db.session.execute(
        sa.update(Shift)
        .where(Shift.id == near.shifts[0].id)
        .values(spots_taken=Shift.spots_taken + 1)
    )
    db.session.commit()
    assert titles() == {"สอนออนไลน์"}  # a full shift (taken by an UPDATE statement)
    factories.make_opportunity(organization, title="ใหม่", starts=saturday)
    db.session.commit()
    assert titles() == {"สอนออนไลน์", "ใหม่"}  # a new opportunity


def test_the_index_is_reused_until_the_catalogue_changes(api, setting, count_queries):
    organization = setting["organization"]
    saturday = next_weekday(5, 10)
    for number in range(3):
        factories.make_opportunity(organization, title=f"งาน {number}", starts=saturday)
    db.session.commit()
    recommended(api, setting["headers"])
    with count_queries() as few:
        assert len(recommended(api, setting["headers"])) == 3
    for number in range(20):
        factories.make_opportunity(organization, title=f"อีก {number}", starts=saturday)
    db.session.commit()
    with count_queries() as rebuilt:
        assert len(recommended(api, setting["headers"])) == 20
    with count_queries() as reused:
        assert len(recommended(api, setting["headers"])) == 20
    assert len(reused) == len(few) < len(rebuilt)


def test_the_home_page_shows_current_recommendations(client, auth, setting):
    organization = setting["organization"]
    opportunity = factories.make_opportunity(
        organization,
        title="สอนการบ้านวันเสาร์",
        starts=next_weekday(5, 10),
        approval_mode=ApprovalMode.REVIEW,
        capacity=1,
    )
    db.session.commit()
    auth.login("v@example.org")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="recommended"' in home
    assert "สอนการบ้านวันเสาร์" in home and organization.name_th in home
    db.session.execute(
        sa.update(Shift)
        .where(Shift.id == opportunity.shifts[0].id)
        .values(spots_taken=1)
    )
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="recommended"' not in home  # full, and no waitlist


def morning_and_afternoon(setting) -> tuple[datetime, User]:
    """Shifts on one Saturday at 9:00 and 13:00; the early start and the volunteer."""
    early = next_weekday(5, 9)
    for title, starts in (("เช้า", early), ("บ่าย", early + timedelta(hours=4))):
        factories.make_opportunity(setting["organization"], title=title, starts=starts)
    db.session.commit()
    return early, db.session.get(User, setting["volunteer"].id)


def test_a_reused_answer_ends_when_a_shift_starts(app, setting):
    from marketplace.recommendations import recommend

    early, volunteer = morning_and_afternoon(setting)

    def titles(now) -> list[str]:
        return sorted(item.opportunity.title for item in recommend(volunteer, now))

    before = early - timedelta(days=1)
    assert titles(before) == ["บ่าย", "เช้า"]
    assert titles(before + timedelta(hours=1)) == ["บ่าย", "เช้า"]  # reused
    assert titles(early + timedelta(minutes=1)) == ["บ่าย"]  # one has started


def test_the_api_body_is_made_once_per_answer(app, setting):
    from marketplace.recommendations import recommend_items

    early, volunteer = morning_and_afternoon(setting)
    made = []

    def body(items: list[dict], limit: int) -> list[str]:
        made.append(limit)
        return sorted(item["opportunity"]["title"] for item in items)

    before = early - timedelta(days=1)
    assert recommend_items(volunteer, before, 20, body=body) == ["บ่าย", "เช้า"]
    assert recommend_items(volunteer, before, 20, body=body) == ["บ่าย", "เช้า"]
    assert made == [20]  # the second answer reused the first body
    assert recommend_items(volunteer, before, 5, body=body) == ["บ่าย", "เช้า"]
    assert made == [20, 5]  # another limit is another answer
    later = early + timedelta(minutes=1)
    assert recommend_items(volunteer, later, 20, body=body) == ["บ่าย"]
    assert made == [20, 5, 20]  # a shift started: made afresh


def test_the_api_page_size_follows_the_limit(api, setting):
    factories.make_opportunity(
        setting["organization"], title="งาน", starts=next_weekday(5, 10)
    )
    db.session.commit()
    for limit, per_page in (("1", 1), (None, 20), ("7", 7)):
        query = {"limit": limit} if limit else {}
        response = api.get(
            "/api/v1/me/recommendations", headers=setting["headers"], query_string=query
        )
        body = response.get_json()
        assert response.status_code == 200 and response.is_json
        assert (body["page"], body["per_page"], body["total"]) == (1, per_page, 1)


def test_the_home_cards_follow_the_era_and_language(client, auth, setting):
    starts = next_weekday(5, 10)
    factories.make_opportunity(
        setting["organization"], title="งานวันเสาร์", starts=starts
    )
    db.session.commit()
    auth.login("v@example.org")
    buddhist, common = str(starts.year + 543), str(starts.year)

    def cards() -> str:
        home = client.get("/").get_data(as_text=True)
        start = home.index('data-testid="recommended"')
        return home[start : home.index("</section>", start)]

    assert buddhist in cards() and common not in cards()
    client.post("/language", data={"locale": "th", "era": "ce"})
    assert common in cards() and buddhist not in cards()  # the reused cards are not
    client.post("/language", data={"locale": "en"})
    assert "Sat" in cards()  # English dates


def test_a_spot_taken_or_freed_is_set_in_the_snapshot_not_rebuilt(app, api, setting):
    from marketplace.recommendations import catalogue_snapshot

    opportunity = factories.make_opportunity(
        setting["organization"],
        title="ที่นั่งเดียว",
        starts=next_weekday(5, 10),
        approval_mode=ApprovalMode.REVIEW,  # no waitlist: a full shift is closed
        capacity=1,
    )
    db.session.commit()
    shift_id = opportunity.shifts[0].id

    def snapshot():
        with app.test_request_context():
            return catalogue_snapshot(utcnow())

    def spots(value: int) -> None:
        db.session.execute(
            sa.update(Shift).where(Shift.id == shift_id).values(spots_taken=value)
        )
        db.session.commit()

    items = recommended(api, setting["headers"])
    assert [i["opportunity"]["shifts"][0]["spots_left"] for i in items] == [1]
    built = snapshot()
    spots(1)
    assert recommended(api, setting["headers"]) == []  # full: at once
    assert snapshot() is built  # the same index, its spots set in place
    spots(0)
    items = recommended(api, setting["headers"])
    assert [i["opportunity"]["shifts"][0]["spots_left"] for i in items] == [1]
    assert snapshot() is built
    db.session.get(Shift, shift_id).capacity = 2  # not spots alone: built anew
    db.session.commit()
    assert snapshot() is not built
    items = recommended(api, setting["headers"])
    assert [i["opportunity"]["shifts"][0]["spots_left"] for i in items] == [2]
