"""Groups: join codes, members, leadership, and places reserved on shifts.

A reservation is one all-or-nothing hold of N spots of a shift (through the
workflow's `_take_spots`): its unfilled places (`held`) stay counted in the
shift's `spots_taken`, so search cards, the coverage board and the API's
`spots_left` never offer them to anyone else. A member joining moves one held
place into their own application (`held - 1` by a conditional UPDATE, then the
application takes the place without touching `spots_taken`). Unfilled places go
back to the shift (and its waitlist) at `release_at`, GROUP_RELEASE_HOURS before
the shift, or at once when the leader cancels.

Once filled, a place is the member's like any other: if they withdraw it goes
back to the shift (its waitlist), not to the group.

Nothing here commits.
"""

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..applications import services as workflow
from ..applications.eligibility import refuse_if_cannot_take
from ..applications.openness import refuse_if_closed
from ..audit import record_event
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    ApprovalMode,
    Group,
    GroupKind,
    GroupMember,
    GroupPlace,
    GroupReservation,
    ReservationStatus,
    Shift,
    User,
    utcnow,
)
from ..notifications import notify

# No 0/O, 1/I/L: a code read aloud or copied from a slide cannot be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8: about 8.5e11 codes; guessing is rate-limited besides


# --- Join codes --------------------------------------------------------------------


def new_join_code() -> str:
    """A fresh random join code (not yet checked for uniqueness)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """A code as typed ("abcd-efgh ", "ABCD EFGH") in its stored form."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())[:32]


def shown_code(code: str) -> str:
    """The code as people see and type it: two groups of four ("ABCD-EFGH")."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _unused_code() -> str:
    for _ in range(10):
        code = new_join_code()
        taken = db.session.scalar(sa.select(Group.id).where(Group.join_code == code))
        if taken is None:
            return code
    raise RuntimeError("no free join code after 10 tries")  # pragma: no cover


# --- Loading with access -----------------------------------------------------------


def current_membership(user: User, group_id: int) -> GroupMember | None:
    """The user's current membership of the group, if any."""
    return db.session.scalar(
        sa.select(GroupMember).where(
            GroupMember.group_id == group_id,
            GroupMember.user_id == user.id,
            GroupMember.left_at.is_(None),
        )
    )


def get_group_for(user: User, group_id: int, leader: bool = False) -> Group:
    """A group the user is a current member of (else 404: nothing is revealed).

    `leader`: only its leader may go on (another member: 403).
    """
    group = db.session.get(Group, group_id)
    if group is None or current_membership(user, group.id) is None:
        raise NotFound()
    if leader and group.leader_id != user.id:
        raise Forbidden("not_group_leader", str(_l("Only the group's leader can.")))
    return group


def _refuse_if_closed_group(group: Group) -> None:
    if group.closed_at is not None:
        raise Conflict("group_closed", str(_l("This group is closed.")))


def groups_of(user: User) -> list[Group]:
    """The groups the user is a current member of, by name."""
    return list(
        db.session.scalars(
            sa.select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user.id, GroupMember.left_at.is_(None))
            .order_by(Group.name, Group.id)
        )
    )


def members_of(group: Group) -> list[GroupMember]:
    """The group's current members, the longest-standing first."""
    return list(
        db.session.scalars(
            sa.select(GroupMember)
            .where(GroupMember.group_id == group.id, GroupMember.left_at.is_(None))
            .options(so.joinedload(GroupMember.user))
            .order_by(GroupMember.joined_at, GroupMember.id)
        )
    )


# --- The group and its members -----------------------------------------------------


def create_group(volunteer: User, name: str, kind: str) -> Group:
    """A new group led by the volunteer, who is its first member."""
    name = (name or "").strip()
    if not name:
        message = str(_l("Give the group a name."))
        raise ValidationFailed(message, fields={"name": [message]})
    check_length("name", name, Group.name)
    try:
        group_kind = GroupKind(kind)
    except ValueError:
        message = str(_l("Choose what kind of group it is."))
        raise ValidationFailed(message, fields={"kind": [message]}) from None
    group = Group(
        name=name, kind=group_kind, leader_id=volunteer.id, join_code=_unused_code()
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=volunteer.id))
    db.session.flush()
    record_event(volunteer, "group.created", group)
    return group


class WrongCode(ValidationFailed):
    """No open group has this code (one answer, whatever the reason)."""

    code = "wrong_join_code"

    def __init__(self):
        message = str(_l("No group has this code. Check it with your group's leader."))
        super().__init__(message, fields={"code": [message]})


def join_by_code(volunteer: User, code: str, now: datetime | None = None) -> Group:
    """Join the open group whose code this is; a member already is told so."""
    now = now or utcnow()
    code = normalise_code(code)
    group = (
        db.session.scalar(
            sa.select(Group).where(Group.join_code == code, Group.closed_at.is_(None))
        )
        if code
        else None
    )
    if group is None:
        raise WrongCode()
    if current_membership(volunteer, group.id) is not None:
        raise Conflict("already_member", str(_l("You are already in this group.")))
    db.session.add(GroupMember(group_id=group.id, user_id=volunteer.id, joined_at=now))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:  # the same person joining twice at once
        raise Conflict(
            "already_member", str(_l("You are already in this group."))
        ) from None
    record_event(volunteer, "group.joined", group)
    return group


def _end_membership(membership: GroupMember, now: datetime) -> None:
    membership.left_at = now


def leave_group(volunteer: User, group: Group, now: datetime | None = None) -> None:
    """Leave a group; its hours so far stay in its reports.

    A leader hands the group over first, unless they are its last member: then
    the group closes (its unfilled reserved places go back to their shifts).
    """
    now = now or utcnow()
    membership = current_membership(volunteer, group.id)
    if membership is None:
        raise NotFound()
    if group.leader_id == volunteer.id:
        if len(members_of(group)) > 1:
            raise Conflict(
                "leader_must_hand_over",
                str(_l("Hand the group over to another member before you leave.")),
            )
        _close(group, now)
    _end_membership(membership, now)
    record_event(volunteer, "group.left", group)


def remove_member(
    leader: User, group: Group, user_id: int, now: datetime | None = None
) -> User:
    """The leader removes a member (not themself); their hours so far stay."""
    now = now or utcnow()
    if user_id == leader.id:
        raise Conflict(
            "leader_must_hand_over",
            str(_l("Hand the group over to another member before you leave.")),
        )
    member = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    membership = current_membership(member, group.id) if member else None
    if membership is None:
        raise NotFound()
    _end_membership(membership, now)
    record_event(leader, "group.member_removed", group, member=user_id)
    return member


def hand_over(leader: User, group: Group, user_id: int) -> User:
    """Make another current member the group's leader."""
    _refuse_if_closed_group(group)
    member = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if member is None or current_membership(member, group.id) is None:
        raise NotFound()
    if member.id == leader.id:
        raise Conflict("already_leader", str(_l("You already lead this group.")))
    group.leader_id = member.id
    record_event(leader, "group.handed_over", group, to=member.id)
    notify(member, "group_leader", group_id=group.id, group=group.name)
    return member


def rotate_code(leader: User, group: Group) -> str:
    """A new join code: the old one stops working at once."""
    _refuse_if_closed_group(group)
    group.join_code = _unused_code()
    record_event(leader, "group.code_rotated", group)
    return group.join_code


def _close(group: Group, now: datetime) -> None:
    """Close the group: no leader, no new members, reservations cancelled."""
    for reservation in active_reservations(group):
        release_reservation(reservation, ReservationStatus.CANCELLED, now)
    group.closed_at = now
    group.leader_id = None


def leave_all_groups(user: User, now: datetime | None = None) -> None:
    """Erasure: take the person out of every group.

    A group they lead goes to its longest-standing other member, or closes when
    there is none. Their membership rows are deleted by the erasure itself
    (privacy register), so group reports no longer count them.
    """
    now = now or utcnow()
    led = db.session.scalars(sa.select(Group).where(Group.leader_id == user.id))
    for group in led.all():
        others = [m for m in members_of(group) if m.user_id != user.id]
        if others:
            group.leader_id = others[0].user_id
            notify(others[0].user, "group_leader", group_id=group.id, group=group.name)
        else:
            _close(group, now)
    db.session.flush()


# --- Reservations ------------------------------------------------------------------


def release_hours() -> int:
    """How long before its shift a reservation's unfilled places go back."""
    return int(current_app.config["GROUP_RELEASE_HOURS"])


def active_reservations(group: Group) -> list[GroupReservation]:
    """The group's reservations still holding places."""
    return list(
        db.session.scalars(
            sa.select(GroupReservation).where(
                GroupReservation.group_id == group.id,
                GroupReservation.status == ReservationStatus.ACTIVE,
            )
        )
    )


def reservations_of(group: Group) -> list[GroupReservation]:
    """The group's reservations, soonest shift first (with their shifts)."""
    return list(
        db.session.scalars(
            sa.select(GroupReservation)
            .join(GroupReservation.shift)
            .where(GroupReservation.group_id == group.id)
            .options(
                so.contains_eager(GroupReservation.shift).joinedload(Shift.opportunity),
                so.selectinload(GroupReservation.filled).joinedload(
                    GroupPlace.application
                ),
            )
            .order_by(Shift.starts_at, GroupReservation.id)
        )
    )


def reservations_on(shift_ids: list[int]) -> list[GroupReservation]:
    """Every reservation on these shifts (an organisation's applicants page)."""
    if not shift_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(GroupReservation)
            .where(GroupReservation.shift_id.in_(shift_ids))
            .options(
                so.joinedload(GroupReservation.group),
                so.selectinload(GroupReservation.filled).joinedload(
                    GroupPlace.application
                ),
            )
            .order_by(GroupReservation.shift_id, GroupReservation.id)
        )
    )


def filled_count(reservation: GroupReservation) -> int:
    """How many of its places members hold now (a withdrawn one no longer counts)."""
    return sum(
        1 for place in reservation.filled if place.application.status in HOLDS_SPOT
    )


def reserve_places(
    leader: User,
    group: Group,
    shift_id: int,
    places: int,
    now: datetime | None = None,
) -> GroupReservation:
    """Hold `places` spots of the shift for the group: all of them, or none.

    Refused (nothing held): a shift that is not open, one that starts within
    GROUP_RELEASE_HOURS, an opportunity that reviews each volunteer, a group that
    already holds places there, or fewer spots left than asked for.
    """
    now = now or utcnow()
    _refuse_if_closed_group(group)
    shift = workflow.load_open_shift(shift_id)
    refuse_if_closed(shift, now)
    if not 1 <= places <= shift.capacity:
        message = str(
            _l(
                "Reserve from 1 to %(most)d places (the shift's size).",
                most=shift.capacity,
            )
        )
        raise ValidationFailed(message, fields={"places": [message]})
    hours = release_hours()
    release_at = shift.starts_at - timedelta(hours=hours)
    if release_at <= now:
        raise Conflict(
            "too_late_to_reserve",
            str(
                _l(
                    "Groups reserve places at least %(hours)d hours before the "
                    "shift. Members can still apply one by one.",
                    hours=hours,
                )
            ),
        )
    if shift.opportunity.approval_mode is ApprovalMode.REVIEW:
        raise Conflict(
            "reviews_each_volunteer",
            str(
                _l(
                    "This organisation reviews each volunteer: members apply one "
                    "by one."
                )
            ),
        )
    already = db.session.scalar(
        sa.select(GroupReservation.id).where(
            GroupReservation.group_id == group.id,
            GroupReservation.shift_id == shift.id,
            GroupReservation.status == ReservationStatus.ACTIVE,
        )
    )
    if already is not None:
        raise Conflict(
            "already_reserved",
            str(_l("Your group already holds places on this shift.")),
        )
    if not workflow._take_spots(shift.id, places):
        db.session.refresh(shift)
        raise Conflict(
            "not_enough_spots",
            str(
                _l(
                    "Only %(left)d places are left on this shift: nothing was "
                    "reserved. Reserve fewer places.",
                    left=shift.spots_left,
                )
            ),
        )
    reservation = GroupReservation(
        group_id=group.id,
        shift_id=shift.id,
        places=places,
        held=places,
        release_at=release_at,
        created_by_id=leader.id,
        created_at=now,
    )
    db.session.add(reservation)
    db.session.flush()
    record_event(leader, "group.reserved", reservation, places=places, shift=shift.id)
    return reservation


def get_reservation_for(user: User, reservation_id: int) -> GroupReservation:
    """A reservation of a group the user is a current member of (else 404)."""
    reservation = db.session.get(GroupReservation, reservation_id)
    if reservation is None or current_membership(user, reservation.group_id) is None:
        raise NotFound()
    return reservation


def _reservation_open(reservation: GroupReservation, now: datetime) -> bool:
    return (
        reservation.status is ReservationStatus.ACTIVE and now < reservation.release_at
    )


# A member may use a group place instead of these: they hold no spot yet.
_REPLACEABLE = frozenset(
    {
        ApplicationStatus.PENDING,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.INVITED,
        *workflow.REOPENABLE,
    }
)


def join_reservation(
    volunteer: User, reservation_id: int, now: datetime | None = None
) -> Application:
    """A member takes one of the group's places: their own application, held.

    The status is what the shift's organisation gives a held place (accepted, or
    approved if it is trusted); the age and overlap rules apply. The place comes
    from the reservation (a conditional UPDATE of `held`), never from the shift's
    free spots, so 50 members at once get at most the reserved places.
    """
    now = now or utcnow()
    reservation = get_reservation_for(volunteer, reservation_id)
    if not _reservation_open(reservation, now):
        raise Conflict(
            "reservation_ended",
            str(_l("The group's places on this shift have gone back to the shift.")),
        )
    shift = workflow.load_open_shift(reservation.shift_id)
    refuse_if_cannot_take(volunteer, shift, now)
    existing = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id, Application.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status in HOLDS_SPOT:
        raise Conflict(
            "already_applied", str(_l("You already have a place on this shift."))
        )
    if existing is not None and existing.status not in _REPLACEABLE:
        raise Conflict(
            "already_applied", str(_l("You have already applied to this shift."))
        )
    taken = db.session.execute(
        sa.update(GroupReservation)
        .where(
            GroupReservation.id == reservation.id,
            GroupReservation.status == ReservationStatus.ACTIVE,
            GroupReservation.held > 0,
        )
        .values(held=GroupReservation.held - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict(
            "reservation_full",
            str(_l("All the group's places on this shift are taken.")),
        )
    if existing is None:
        application = workflow._open_application(volunteer, shift, "")
        application.status = workflow._spot_status(application)
        application.status_changed_at = now
        db.session.flush()
    else:
        application = existing
        if not workflow._set_status(
            application, workflow._spot_status(application), application.status
        ):
            raise Conflict(
                "invalid_status", str(_l("This application changed meanwhile."))
            )
        application.attendance, application.hours = None, None
    place = db.session.scalar(
        sa.select(GroupPlace).where(GroupPlace.application_id == application.id)
    )
    if place is None:
        db.session.add(
            GroupPlace(
                reservation_id=reservation.id,
                application_id=application.id,
                created_at=now,
            )
        )
    else:  # they had a group place before, withdrew, and come back
        place.reservation_id, place.created_at = reservation.id, now
    db.session.flush()
    db.session.refresh(reservation)
    record_event(
        volunteer, "group.place_taken", application, reservation=reservation.id
    )
    return application


def release_reservation(
    reservation: GroupReservation, status: ReservationStatus, now: datetime
) -> int:
    """End an active reservation; its unfilled places go back to the shift.

    The status changes first (a conditional UPDATE), so no member can take a
    place after it; then the places still held are returned in one UPDATE and
    the shift's waitlist is promoted. Returns how many places went back.
    """
    ended = db.session.execute(
        sa.update(GroupReservation)
        .where(
            GroupReservation.id == reservation.id,
            GroupReservation.status == ReservationStatus.ACTIVE,
        )
        .values(status=status, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        db.session.refresh(reservation)
        return 0
    held = db.session.scalar(
        sa.select(GroupReservation.held).where(GroupReservation.id == reservation.id)
    )
    if held:
        db.session.execute(
            sa.update(GroupReservation)
            .where(GroupReservation.id == reservation.id)
            .values(held=0)
            .execution_options(synchronize_session=False)
        )
        workflow._release_spots(reservation.shift_id, held)
        workflow.promote_from_waitlist(reservation.shift_id)
    db.session.refresh(reservation)
    return held or 0


def cancel_reservation(
    leader: User, reservation: GroupReservation, now: datetime | None = None
) -> int:
    """The leader gives the unfilled places back now; members keep theirs."""
    now = now or utcnow()
    if reservation.status is not ReservationStatus.ACTIVE:
        raise Conflict(
            "reservation_ended",
            str(_l("The group's places on this shift have gone back to the shift.")),
        )
    returned = release_reservation(reservation, ReservationStatus.CANCELLED, now)
    record_event(leader, "group.reservation_cancelled", reservation, places=returned)
    return returned


def release_unfilled(now: datetime | None = None) -> int:
    """Give back the unfilled places of every reservation whose time has come.

    The periodic task's body (every five minutes); the leader hears how many
    places went back. Returns the number of reservations released.
    """
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(GroupReservation)
        .where(
            GroupReservation.status == ReservationStatus.ACTIVE,
            GroupReservation.release_at <= now,
        )
        .order_by(GroupReservation.id)
    ).all()
    released = 0
    for reservation in due:
        returned = release_reservation(reservation, ReservationStatus.RELEASED, now)
        released += 1
        leader = reservation.group.leader
        if returned and leader is not None:
            notify(
                leader,
                "group_places_released",
                group_id=reservation.group_id,
                group=reservation.group.name,
                title=reservation.shift.opportunity.title,
                count=returned,
            )
    return released
