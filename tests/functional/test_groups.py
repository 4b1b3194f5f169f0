"""Groups (issue 15): join codes, reserved places on a shift, release, the report."""

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.floor.coverage import coverage
from marketplace.groups import report as reports
from marketplace.groups import services
from marketplace.i18n import to_bangkok
from marketplace.models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    Group,
    GroupMember,
    GroupReservation,
    Notification,
    ReservationStatus,
    Role,
    Shift,
    utcnow,
)
from marketplace.privacy.services import erase_user, export_user_data
from tests import factories


@pytest.fixture(autouse=True)
def _request(app):
    """Services speak (errors, messages) in a request's language."""
    with app.test_request_context():
        yield


def _shift(capacity: int = 10, days: int = 5, **options) -> Shift:
    organization = factories.make_organization()
    return factories.make_opportunity(
        organization,
        capacity=capacity,
        starts=utcnow().replace(microsecond=0) + timedelta(days=days),
        **options,
    ).shifts[0]


def _group(members: int = 2, name: str = "ทีมบริษัทใจดี") -> tuple[Group, list]:
    """A company group: its leader first, then `members` more who joined by code."""
    leader = factories.make_user(email=f"leader-{name}@example.org", name="หัวหน้า")
    group = services.create_group(leader, name, "company")
    people = [leader]
    for n in range(members):
        person = factories.make_user(email=f"m{n}-{group.id}@example.org")
        services.join_by_code(person, group.join_code)
        people.append(person)
    db.session.flush()
    return group, people


def _held_applications(shift: Shift) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.shift_id == shift.id, Application.status.in_(HOLDS_SPOT)
        )
    )


def _reserved(shift: Shift) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(GroupReservation.held), 0)).where(
            GroupReservation.shift_id == shift.id,
            GroupReservation.status == ReservationStatus.ACTIVE,
        )
    )


def _invariant(shift: Shift) -> None:
    """spots_taken = applications holding a spot + the groups' unfilled places."""
    db.session.refresh(shift)
    assert shift.spots_taken == _held_applications(shift) + _reserved(shift)
    assert shift.spots_taken <= shift.capacity


# --- Codes and members -------------------------------------------------------------


def test_join_codes_are_short_and_unambiguous(app):
    group, _ = _group(0)
    assert len(group.join_code) == services.CODE_LENGTH
    assert not set(group.join_code) & set("01OIL")
    typed = services.shown_code(group.join_code).lower().replace("-", " - ")
    assert services.normalise_code(typed) == group.join_code


def test_joining_by_code_leaving_and_joining_again(app):
    group, (leader, member) = _group(1)
    assert [m.user_id for m in services.members_of(group)] == [leader.id, member.id]
    with pytest.raises(Conflict) as twice:
        services.join_by_code(member, group.join_code)
    assert twice.value.code == "already_member"
    services.leave_group(member, group)
    assert services.groups_of(member) == []
    services.join_by_code(member, services.shown_code(group.join_code))
    rows = db.session.scalars(
        sa.select(GroupMember).where(GroupMember.user_id == member.id)
    ).all()
    assert len(rows) == 2 and rows[0].left_at is not None and rows[1].left_at is None


def test_a_wrong_or_rotated_code_is_refused(app):
    group, (leader,) = _group(0)
    stranger = factories.make_user(email="stranger@example.org")
    with pytest.raises(ValidationFailed) as wrong:
        services.join_by_code(stranger, "ZZZZ-ZZZZ")
    assert "code" in wrong.value.fields
    old = group.join_code
    assert services.rotate_code(leader, group) != old
    with pytest.raises(ValidationFailed):
        services.join_by_code(stranger, old)
    services.join_by_code(stranger, group.join_code)


def test_the_leader_hands_over_before_leaving_and_removes_members(app):
    group, (leader, first, second) = _group(2)
    with pytest.raises(Conflict) as refused:
        services.leave_group(leader, group)
    assert refused.value.code == "leader_must_hand_over"
    with pytest.raises(Forbidden):
        services.get_group_for(first, group.id, leader=True)
    services.remove_member(leader, group, second.id)
    assert services.current_membership(second, group.id) is None
    services.hand_over(leader, group, first.id)
    assert group.leader_id == first.id
    assert db.session.scalar(
        sa.select(Notification.kind).where(Notification.user_id == first.id)
    ) == ("group_leader")
    services.leave_group(leader, group)
    assert [m.user_id for m in services.members_of(group)] == [first.id]
    with pytest.raises(NotFound):
        services.get_group_for(leader, group.id)


# --- Reservations ------------------------------------------------------------------


def test_a_reservation_is_all_or_nothing(app):
    shift = _shift(capacity=5)
    group, (leader, *_) = _group(1)
    for n in range(2):
        services.workflow.apply_to_shift(
            factories.make_user(email=f"other{n}@example.org"), shift.id
        )
    with pytest.raises(Conflict) as refused:
        services.reserve_places(leader, group, shift.id, 4)
    assert refused.value.code == "not_enough_spots"
    assert "3" in refused.value.message
    db.session.refresh(shift)
    assert shift.spots_taken == 2
    assert db.session.scalar(sa.select(sa.func.count(GroupReservation.id))) == 0

    reservation = services.reserve_places(leader, group, shift.id, 3)
    db.session.refresh(shift)
    assert (reservation.held, shift.spots_taken, shift.spots_left) == (3, 5, 0)
    _invariant(shift)
    # Nobody else gets the reserved places: a volunteer applying is waitlisted.
    late = services.workflow.apply_to_shift(
        factories.make_user(email="late@example.org"), shift.id
    )
    assert late.status is ApplicationStatus.WAITLISTED
    with pytest.raises(Conflict) as again:
        services.reserve_places(leader, group, shift.id, 1)
    assert again.value.code == "already_reserved"


def test_reserved_places_are_not_open_anywhere(app, client):
    shift = _shift(capacity=4, days=0)  # today
    shift.starts_at = utcnow().replace(microsecond=0) + timedelta(hours=30)
    shift.ends_at = shift.starts_at + timedelta(hours=2)
    group, (leader, *_) = _group(1)
    services.reserve_places(leader, group, shift.id, 3)
    db.session.commit()
    body = client.get(f"/api/v1/opportunities/{shift.opportunity_id}").get_json()
    (shown,) = [s for s in body["shifts"] if s["id"] == shift.id]
    assert shown["spots_left"] == 1
    (line,) = [
        row
        for row in coverage(to_bangkok(shift.starts_at).date())
        if row.shift_id == shift.id
    ]
    assert (line.held, line.open) == (0, 1)


def test_refused_reservations(app):
    group, (leader, member) = _group(1)
    soon = _shift(days=0)
    soon.starts_at = utcnow() + timedelta(hours=5)
    soon.ends_at = soon.starts_at + timedelta(hours=2)
    with pytest.raises(Conflict) as too_late:
        services.reserve_places(leader, group, soon.id, 2)
    assert too_late.value.code == "too_late_to_reserve"
    review = _shift(approval_mode=ApprovalMode.REVIEW)
    with pytest.raises(Conflict) as reviewed:
        services.reserve_places(leader, group, review.id, 2)
    assert reviewed.value.code == "reviews_each_volunteer"
    with pytest.raises(ValidationFailed):
        services.reserve_places(leader, group, _shift(capacity=3).id, 4)
    for shift in (soon, review):
        db.session.refresh(shift)
        assert shift.spots_taken == 0


def test_members_fill_the_reserved_places(app):
    shift = _shift(capacity=6)
    group, (leader, first, second, third) = _group(3)
    reservation = services.reserve_places(leader, group, shift.id, 2)
    application = services.join_reservation(first, reservation.id)
    assert application.status is ApplicationStatus.ACCEPTED
    services.join_reservation(second, reservation.id)
    assert reservation.held == 0
    with pytest.raises(Conflict) as full:
        services.join_reservation(third, reservation.id)
    assert full.value.code == "reservation_full"
    with pytest.raises(Conflict) as again:
        services.join_reservation(first, reservation.id)
    assert again.value.code == "already_applied"
    db.session.refresh(shift)
    assert shift.spots_taken == 2
    assert services.filled_count(reservation) == 2
    _invariant(shift)
    # A filled place is the member's: withdrawing gives it to the shift.
    services.workflow.withdraw_application(first, application.id)
    _invariant(shift)
    assert services.filled_count(reservation) == 1


def test_a_group_place_keeps_the_overlap_rule(app):
    shift = _shift()
    clash = factories.make_opportunity(
        factories.make_organization(), starts=shift.starts_at, capacity=3
    ).shifts[0]
    group, (leader, member) = _group(1)
    services.workflow.apply_to_shift(member, clash.id)
    reservation = services.reserve_places(leader, group, shift.id, 2)
    db.session.commit()
    with pytest.raises(Conflict) as overlap:
        services.join_reservation(member, reservation.id)
    assert overlap.value.code == "shift_overlap"
    db.session.rollback()
    db.session.refresh(reservation)
    assert reservation.held == 2


def test_another_groups_member_cannot_take_a_place(app):
    shift = _shift()
    group, (leader, _) = _group(1)
    other, (other_leader,) = _group(0, name="ชมรมอื่น")
    reservation = services.reserve_places(leader, group, shift.id, 2)
    with pytest.raises(NotFound):
        services.join_reservation(other_leader, reservation.id)


def test_unfilled_places_go_back_at_the_set_time(app):
    shift = _shift(capacity=3)
    group, (leader, member) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 3)
    services.join_reservation(member, reservation.id)
    waiting = services.workflow.apply_to_shift(
        factories.make_user(email="waiting@example.org"), shift.id
    )
    assert waiting.status is ApplicationStatus.WAITLISTED
    release_at = shift.starts_at - timedelta(hours=24)
    assert reservation.release_at == release_at

    assert services.release_unfilled(release_at - timedelta(seconds=1)) == 0
    db.session.refresh(shift)
    assert shift.spots_taken == 3

    assert services.release_unfilled(release_at) == 1
    db.session.refresh(shift)
    db.session.refresh(waiting)
    assert reservation.status is ReservationStatus.RELEASED
    assert reservation.held == 0
    assert waiting.status is ApplicationStatus.ACCEPTED  # promoted
    assert shift.spots_taken == 2  # the member and the promoted volunteer
    _invariant(shift)
    told = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == leader.id)
    )
    assert told.kind == "group_places_released" and told.data["count"] == 2
    with pytest.raises(Conflict) as ended:
        services.join_reservation(
            services.members_of(group)[1].user, reservation.id, release_at
        )
    assert ended.value.code in {"reservation_ended", "already_applied"}
    assert services.release_unfilled(release_at + timedelta(hours=1)) == 0


def test_joining_after_the_release_time_is_refused_before_the_task_runs(app):
    shift = _shift()
    group, (leader, member) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 2)
    with pytest.raises(Conflict) as ended:
        services.join_reservation(member, reservation.id, reservation.release_at)
    assert ended.value.code == "reservation_ended"


def test_the_periodic_task_releases_places(app):
    from marketplace.groups.tasks import release_unfilled_places

    shift = _shift()
    group, (leader, _) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 2)
    reservation.release_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    release_unfilled_places.call_local()
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).spots_taken == 0
    assert db.session.get(GroupReservation, reservation.id).status is (
        ReservationStatus.RELEASED
    )


def test_the_leader_cancels_and_places_go_back_at_once(app):
    shift = _shift(capacity=4)
    group, (leader, member) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 4)
    services.join_reservation(member, reservation.id)
    assert services.cancel_reservation(leader, reservation) == 3
    db.session.refresh(shift)
    assert shift.spots_taken == 1
    assert reservation.status is ReservationStatus.CANCELLED
    _invariant(shift)
    with pytest.raises(Conflict):
        services.cancel_reservation(leader, reservation)


# --- The report --------------------------------------------------------------------


def _attended(volunteer, organization, days_ago: int, hours: float, **extra):
    return factories.make_past_application(
        volunteer, organization, hours=hours, days_ago=days_ago, **extra
    )


def test_report_sums_equal_the_database(app):
    now = utcnow()
    organization = factories.make_organization()
    group, (leader, stays, leaves) = _group(2)
    membership = {m.user_id: m for m in services.members_of(group)}
    for member in membership.values():
        member.joined_at = now - timedelta(days=60)
    _attended(leader, organization, 10, 2.5, title="ปลูกป่า")
    _attended(stays, organization, 20, 3.0, title="สอนหนังสือ")
    _attended(stays, organization, 5, 1.25, title="ปลูกป่า")
    _attended(leaves, organization, 30, 4.0, title="เก็บขยะ")  # while a member
    _attended(leaves, organization, 90, 2.0, title="ก่อนเข้ากลุ่ม")  # before joining
    membership[leaves.id].left_at = now - timedelta(days=25)
    _attended(leaves, organization, 3, 3.5, title="หลังออก")  # after leaving
    _attended(factories.make_user(email="x@example.org"), organization, 4, 6.0)
    factories.make_past_application(stays, organization, attended=False, days_ago=6)
    db.session.flush()

    start, end = date(2000, 1, 1), to_bangkok(now).date()
    result = reports.group_report(group, start, end)
    direct = db.session.scalar(
        sa.select(sa.func.sum(Application.hours))
        .join(Shift, Shift.id == Application.shift_id)
        .join(GroupMember, GroupMember.user_id == Application.volunteer_id)
        .where(
            GroupMember.group_id == group.id,
            Application.attendance == Attendance.ATTENDED,
            Shift.starts_at >= GroupMember.joined_at,
            sa.or_(
                GroupMember.left_at.is_(None), Shift.starts_at < GroupMember.left_at
            ),
        )
    )
    assert result.total_hours == pytest.approx(direct) == pytest.approx(10.75)
    rate = app.config["HOUR_VALUE_THB"]
    assert result.total_value_thb == pytest.approx(10.75 * rate)
    hours = {line.key: line.hours for line in result.by_member}
    assert hours == {leader.id: 2.5, stays.id: 4.25, leaves.id: 4.0}
    assert [line.left for line in result.by_member if line.key == leaves.id] == [True]
    assert sum(line.hours for line in result.by_opportunity) == pytest.approx(10.75)
    assert {line.key: line.hours for line in result.by_cause} == {"education": 10.75}

    recent = reports.group_report(group, end - timedelta(days=12), end)
    assert recent.total_hours == pytest.approx(3.75)


def test_report_page_and_csv_for_the_leader_only(app, client, auth):
    organization = factories.make_organization()
    group, (leader, member) = _group(1)
    for row in services.members_of(group):
        row.joined_at = utcnow() - timedelta(days=30)
    _attended(member, organization, 3, 2.0, title="=HYPERLINK(1)")
    db.session.commit()
    auth.login(member.email)
    assert client.get(f"/groups/{group.id}/report").status_code == 403
    auth.logout()
    auth.login(leader.email)
    page = client.get(f"/groups/{group.id}/report?start=2000-01-01")
    assert page.status_code == 200
    assert "2.00" in page.get_data(as_text=True)
    machine = client.get(
        f"/groups/{group.id}/report.csv?start=2000-01-01&format=machine"
    ).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(machine.lstrip("\ufeff"))))
    assert rows[0] == ["breakdown", "key", "name", "hours", "value_thb", "left_group"]
    assert rows[-1][0] == "total" and float(rows[-1][3]) == 2.0
    assert any(row[2].startswith("'=HYPERLINK") for row in rows)
    for query in ("start=nonsense&end=2000-02-30", "start=0001-01-01&end=9999-12-31"):
        broken = client.get(f"/groups/{group.id}/report?{query}")
        assert broken.status_code == 200
        assert 'data-testid="period-problem"' in broken.get_data(as_text=True)
        csv_answer = client.get(f"/groups/{group.id}/report.csv?{query}")
        assert csv_answer.status_code == 200


# --- Pages, access and CSRF --------------------------------------------------------


def test_pages_create_join_reserve_and_take(app, client, auth):
    shift = _shift(capacity=5)
    leader = factories.make_user(email="leader@example.org")
    member = factories.make_user(email="member@example.org")
    db.session.commit()
    auth.login(leader.email)
    assert 'data-testid="new-group"' in client.get("/groups").get_data(as_text=True)
    created = client.post("/groups/new", data={"name": "ทีมใจดี", "kind": "club"})
    assert created.status_code == 302
    group = db.session.scalar(sa.select(Group))
    response = client.post(
        f"/groups/reserve/{shift.id}", data={"group_id": group.id, "places": 9}
    )
    assert response.status_code == 200
    assert 'data-testid="error-places"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(GroupReservation.id)) is None
    client.post(f"/groups/reserve/{shift.id}", data={"group_id": group.id, "places": 2})
    reservation = db.session.scalar(sa.select(GroupReservation))
    assert reservation.places == 2
    auth.logout()

    auth.login(member.email)
    assert client.get(f"/groups/{group.id}").status_code == 404
    joined = client.post("/groups/join", data={"code": group.join_code.lower()})
    assert joined.status_code == 302
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f'data-testid="take-place-{reservation.id}"' in page
    assert "member@example.org" not in page  # display names only
    client.post(f"/groups/reservations/{reservation.id}/join")
    application = db.session.scalar(
        sa.select(Application).where(Application.volunteer_id == member.id)
    )
    assert application.status is ApplicationStatus.ACCEPTED
    assert client.post(f"/groups/{group.id}/code").status_code == 403
    assert client.get(f"/groups/{group.id}/report").status_code == 403


def test_posts_without_csrf_change_nothing(app, client, auth):
    shift = _shift()
    group, (leader, member) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 2)
    db.session.commit()
    auth.login(member.email)
    response = client.post(f"/groups/reservations/{reservation.id}/join", csrf=False)
    assert response.status_code == 400
    response = client.post(f"/groups/{group.id}/leave", csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(GroupReservation, reservation.id).held == 2
    assert services.current_membership(member, group.id) is not None


def test_guessing_codes_is_rate_limited(app, client, auth):
    app.config["GROUP_JOIN_FAILURE_LIMIT"] = "3 per hour"
    group, _ = _group(0)
    guesser = factories.make_user(email="guesser@example.org")
    db.session.commit()
    auth.login(guesser.email)
    for _ in range(3):
        response = client.post("/groups/join", data={"code": "ZZZZ-ZZZZ"})
        assert response.status_code == 200
        assert 'data-testid="error-code"' in response.get_data(as_text=True)
    assert client.post("/groups/join", data={"code": group.join_code}).status_code == (
        429
    )


def test_organisations_see_reservations_on_their_applicants_page(app, client, auth):
    staff_member = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[staff_member])
    shift = factories.make_opportunity(organization, capacity=6).shifts[0]
    group, (leader, member) = _group(1)
    reservation = services.reserve_places(leader, group, shift.id, 3)
    services.join_reservation(member, reservation.id)
    db.session.commit()
    auth.login(staff_member.email)
    page = client.get(f"/manage/opportunities/{shift.opportunity_id}/applicants")
    text = page.get_data(as_text=True)
    assert f'data-testid="group-reservation-{reservation.id}"' in text
    assert group.name in text


# --- Privacy ------------------------------------------------------------------------


def test_export_lists_the_persons_groups(app):
    group, (leader, member) = _group(1)
    data = export_user_data(member)
    assert [(row["group"], row["kind"]) for row in data["groups"]] == [
        (group.name, "company")
    ]


def test_erasing_a_leader_hands_the_group_over_or_closes_it(app):
    shift = _shift(capacity=4)
    group, (leader, first, second) = _group(2)
    services.join_reservation(
        first, services.reserve_places(leader, group, shift.id, 2).id
    )
    erase_user(leader, leader, "self")
    assert group.leader_id == first.id
    assert services.current_membership(leader, group.id) is None

    alone, (solo,) = _group(0, name="ครอบครัวสมชาย")
    reservation = services.reserve_places(solo, alone, _shift(capacity=3).id, 3)
    erase_user(first, first, "self")
    erase_user(solo, solo, "self")
    db.session.refresh(alone)
    assert alone.closed_at is not None and alone.leader_id is None
    assert reservation.status is ReservationStatus.CANCELLED
    assert db.session.get(Shift, reservation.shift_id).spots_taken == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(GroupMember.id)).where(
                GroupMember.user_id.in_([leader.id, first.id, solo.id])
            )
        )
        == 0
    )
    _invariant(shift)
