"""The match workflow: applying, waitlisting, withdrawing and promotion.

The capacity invariant (spots held <= capacity) is kept here and only here:
`_take_spot` and `_release_spot` (and their many-spot forms for a group's
reservation, `_take_spots` and `_release_spots`) are the only code that changes
`shift.spots_taken`, with conditional UPDATEs that the database applies atomically.
`spots_taken` counts the applications holding a spot plus the unfilled places of
the groups' active reservations (marketplace/groups).
"""

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from .. import access
from ..audit import record_event
from ..errors import (
    Conflict,
    DomainError,
    ItemFailed,
    NotFound,
    ValidationFailed,
)
from ..extensions import db
from ..inputs import check_length
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    Opportunity,
    Shift,
    User,
    utcnow,
)
from ..notifications import about_application, notify
from ..service_hours.services import note_attendance_recorder
from .eligibility import (
    lock_volunteer,
    overlapping_held_shift,
    refuse_if_cannot_take,
    refuse_if_not_allowed,
    refuse_if_not_invitable,
    refuse_overlap,
)
from .openness import is_open, opportunity_visible, refuse_if_closed, refuse_if_over
from .questions import check_answers

# Applications that may still change (a volunteer can withdraw them).
ACTIVE = frozenset(
    {
        ApplicationStatus.INVITED,
        ApplicationStatus.PENDING,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.APPROVED,
    }
)
REOPENABLE = frozenset(
    {ApplicationStatus.WITHDRAWN, ApplicationStatus.INVITATION_DECLINED}
)


def _take_spot(shift_id: int) -> bool:
    """Hold one spot of the shift if one is left; the database decides atomically."""
    result = db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.spots_taken < Shift.capacity)
        .values(spots_taken=Shift.spots_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_spot(shift_id: int) -> None:
    """Give one held spot back."""
    db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.spots_taken > 0)
        .values(spots_taken=Shift.spots_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _take_spots(shift_id: int, count: int) -> bool:
    """Hold `count` spots at once, or none (a group's reservation): one UPDATE."""
    result = db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.spots_taken + count <= Shift.capacity)
        .values(spots_taken=Shift.spots_taken + count)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_spots(shift_id: int, count: int) -> None:
    """Give `count` held spots back at once (a reservation's unfilled places)."""
    db.session.execute(
        sa.update(Shift)
        .where(Shift.id == shift_id, Shift.spots_taken >= count)
        .values(spots_taken=Shift.spots_taken - count)
        .execution_options(synchronize_session=False)
    )


def _set_status(
    application: Application, new: ApplicationStatus, expected: ApplicationStatus
) -> bool:
    """Move an application from `expected` to `new`, unless someone got there first."""
    now = utcnow()
    # Leaving a held place ends any search for cover (issue 13) with it.
    ended = (
        {} if new.holds_spot else {"cover_sought_at": None, "cover_exhausted_at": None}
    )
    result = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status == expected)
        .values(status=new, status_changed_at=now, **ended)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(application)
    return True


def load_open_shift(shift_id: int) -> Shift:
    """A shift of a visible (not draft) opportunity of a verified organisation, or 404.

    Whether it still takes people is `openness.is_open`.
    """
    shift = db.session.scalar(
        sa.select(Shift)
        .join(Shift.opportunity)
        .join(Opportunity.organization)
        .where(Shift.id == shift_id, *opportunity_visible())
        .options(so.contains_eager(Shift.opportunity))
    )
    if shift is None:
        raise NotFound()
    return shift


def apply_to_shift(
    volunteer: User,
    shift_id: int,
    message: str = "",
    now: datetime | None = None,
    answers: Mapping | None = None,
    running_ok: bool = False,
) -> Application:
    """Apply to a shift: hold a spot, join the waitlist, or wait for review.

    `answers` to the opportunity's questions (by question id or field name) are
    checked (a required one missing: 422); None is a way in that does not ask
    them (invitations, offers), and keeps none. `running_ok`: the shift may have
    started (walk-ins at the expo booth).
    """
    now = now or utcnow()
    shift = load_open_shift(shift_id)
    opportunity = shift.opportunity
    kept = check_answers(opportunity.questions, answers) if answers is not None else {}
    refuse_if_cannot_take(volunteer, shift, now, running_ok)
    application = _open_application(volunteer, shift, message)
    application.answers = kept
    if opportunity.approval_mode is ApprovalMode.REVIEW:
        application.status = ApplicationStatus.PENDING
    elif _take_spot(shift.id):
        application.status = _spot_status(application)
    else:
        application.status = ApplicationStatus.WAITLISTED
    application.status_changed_at = now
    db.session.flush()
    for membership in opportunity.organization.memberships:
        if not membership.is_active:
            continue  # an invitation not yet accepted hears nothing
        notify(
            membership.user,
            "application_received",
            **about_application(application, volunteer=volunteer.display_name),
        )
    return application


def _open_application(volunteer: User, shift: Shift, message: str) -> Application:
    """Create the application, or reopen a withdrawn one; refuse a duplicate."""
    check_length("message", message, Application.message)
    existing = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id, Application.volunteer_id == volunteer.id
        )
    )
    already = Conflict(
        "already_applied", str(_l("You have already applied to this shift."))
    )
    if existing is not None:
        if existing.status not in REOPENABLE:
            raise already
        existing.message = message
        existing.attendance = None
        existing.hours = None
        _forget_answers(existing)
        return existing
    application = Application(
        shift=shift,
        volunteer=volunteer,
        message=message,
        status=ApplicationStatus.PENDING,
    )
    db.session.add(application)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise already from None
    return application


def withdraw_application(volunteer: User, application_id: int) -> Application:
    """Withdraw one's own application; a freed spot goes to the waitlist."""
    application = get_own_application(volunteer, application_id)
    status = application.status
    if status not in ACTIVE or application.attendance is not None:
        raise Conflict(
            "invalid_status", str(_l("This application can no longer be withdrawn."))
        )
    _end_cover_offers(application)
    if not _set_status(application, ApplicationStatus.WITHDRAWN, status):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    if status in HOLDS_SPOT:
        _release_spot(application.shift_id)
        promote_from_waitlist(application.shift_id)
    return application


def _end_cover_offers(application: Application) -> None:
    """Cancel the open cover offers of a place that is given up another way.

    Called before the application's own row is changed: every path locks an
    offer before the application it hands on (as taking an offer does), so two
    of them at once wait for each other instead of deadlocking.
    """
    from ..floaters.services import cancel_cover_offers

    cancel_cover_offers(application.id, utcnow())


def release_application(member: User, application: Application) -> Application:
    """The organisation lets a volunteer looking for cover go (issue 13).

    Only a held place whose volunteer asked for cover; it is withdrawn, the spot
    goes to the waitlist as when the volunteer withdraws, and they are told.
    """
    access.require(member, access.ACT, application)
    status = application.status
    if not application.seeking_cover:
        raise Conflict(
            "invalid_status",
            str(_l("Only a volunteer who is looking for cover can be released.")),
        )
    _end_cover_offers(application)
    if not _set_status(application, ApplicationStatus.WITHDRAWN, status):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    record_event(member, "application.released", application)
    notify(
        application.volunteer,
        "cover_released",
        **about_application(
            application, organization=application.shift.opportunity.organization.name_th
        ),
    )
    _release_spot(application.shift_id)
    promote_from_waitlist(application.shift_id)
    return application


def get_own_application(volunteer: User, application_id: int) -> Application:
    """The caller's own application, else 404 (others' are never revealed)."""
    application = db.session.get(Application, application_id)
    if application is None or application.volunteer_id != volunteer.id:
        raise NotFound()
    return application


def promote_from_waitlist(shift_id: int) -> list[Application]:
    """Give free spots to the earliest waitlisted volunteers, and tell them."""
    promoted = []
    candidates = db.session.scalars(
        sa.select(Application)
        .where(
            Application.shift_id == shift_id,
            Application.status == ApplicationStatus.WAITLISTED,
        )
        .order_by(Application.status_changed_at, Application.id)
    ).all()
    for candidate in candidates:
        if overlapping_held_shift(candidate.volunteer, candidate.shift):
            continue  # they hold another shift at that time now
        if not _take_spot(shift_id):
            break
        if not _set_status(
            candidate, _spot_status(candidate), ApplicationStatus.WAITLISTED
        ):
            _release_spot(shift_id)
            continue
        notify(
            candidate.volunteer,
            "promoted_from_waitlist",
            **about_application(candidate),
        )
        promoted.append(candidate)
    return promoted


def applications_of(volunteer: User) -> list[Application]:
    """The volunteer's applications: upcoming shifts soonest first, then past ones."""
    now = utcnow()
    applications = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .where(Application.volunteer_id == volunteer.id)
        .options(
            so.contains_eager(Application.shift)
            .joinedload(Shift.opportunity)
            .joinedload(Opportunity.organization)
        )
        .order_by(Shift.starts_at)
    ).all()
    upcoming = [a for a in applications if a.shift.ends_at > now]
    past = [a for a in applications if a.shift.ends_at <= now]
    return upcoming + past[::-1]


# --- The organisation's and staff's side -------------------------------------------


def _require_status(application: Application, *allowed: ApplicationStatus) -> None:
    if application.status not in allowed:
        raise Conflict(
            "invalid_status",
            str(
                _l(
                    "This application is “%(status)s”: that cannot be done now.",
                    status=application.status.value,
                )
            ),
        )


def _spot_status(application: Application) -> ApplicationStatus:
    """Accepted, or approved at once for a trusted (auto-approved) organisation."""
    if application.shift.opportunity.organization.auto_approve:
        return ApplicationStatus.APPROVED
    return ApplicationStatus.ACCEPTED


def accept_application(
    member: User, application: Application, message: str = ""
) -> None:
    """An organisation accepts a pending application, if a spot is left."""
    access.require(member, access.ACT, application)
    check_length("message", message, Application.decision_message)
    _require_status(application, ApplicationStatus.PENDING)
    if not _take_spot(application.shift_id):
        raise Conflict("shift_full", str(_l("The shift is full: no spot is left.")))
    new = _spot_status(application)
    if not _set_status(application, new, ApplicationStatus.PENDING):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    application.decision_message = message.strip()
    application.decided_by_id = member.id
    record_event(member, "application.accepted", application)
    kind = (
        "application_approved"
        if new is ApplicationStatus.APPROVED
        else "application_accepted"
    )
    notify(
        application.volunteer,
        kind,
        **about_application(application, message=application.decision_message),
    )


def decline_application(
    member: User, application: Application, message: str = ""
) -> None:
    """An organisation declines a pending or waitlisted application."""
    access.require(member, access.ACT, application)
    check_length("message", message, Application.decision_message)
    status = application.status
    _require_status(
        application, ApplicationStatus.PENDING, ApplicationStatus.WAITLISTED
    )
    if not _set_status(application, ApplicationStatus.DECLINED, status):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    application.decision_message = message.strip()
    application.decided_by_id = member.id
    record_event(member, "application.declined", application)
    notify(
        application.volunteer,
        "application_declined",
        **about_application(application, message=application.decision_message),
    )


def approve_application(staff: User, application: Application) -> None:
    """Staff confirm an accepted match."""
    access.require(staff, access.REVIEW, application)
    _require_status(application, ApplicationStatus.ACCEPTED)
    if not _set_status(
        application, ApplicationStatus.APPROVED, ApplicationStatus.ACCEPTED
    ):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    accepted_by = application.decided_by_id
    application.decided_by_id = staff.id
    record_event(staff, "application.approved", application)
    notify(
        application.volunteer, "application_approved", **about_application(application)
    )
    _tell_organization(application, accepted_by, "match_approved")


def reject_application(staff: User, application: Application, reason: str) -> None:
    """Staff refuse an accepted match; the spot goes to the waitlist."""
    access.require(staff, access.REVIEW, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [str(_l("Give a reason."))]})
    check_length("reason", reason, Application.decision_message)
    _require_status(application, ApplicationStatus.ACCEPTED)
    _end_cover_offers(application)
    if not _set_status(
        application, ApplicationStatus.REJECTED, ApplicationStatus.ACCEPTED
    ):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    accepted_by = application.decided_by_id
    application.decision_message = reason
    application.decided_by_id = staff.id
    record_event(staff, "application.rejected", application, reason=reason)
    notify(
        application.volunteer,
        "application_rejected",
        **about_application(application, reason=reason),
    )
    _tell_organization(application, accepted_by, "match_rejected", reason=reason)
    _release_spot(application.shift_id)
    promote_from_waitlist(application.shift_id)


def decide_many(
    staff: User, application_ids: list[int], approve: bool, reason: str = ""
) -> list[Application]:
    """Approve (or reject) every application, or none: the first refusal names it.

    The caller rolls back on the error, so the items before the bad one are not
    changed either.
    """
    decided = []
    for application_id in dict.fromkeys(application_ids):
        try:
            application = access.get_application_or_404(
                application_id, for_user=staff, action=access.REVIEW
            )
            if approve:
                approve_application(staff, application)
            else:
                reject_application(staff, application, reason)
        except DomainError as error:
            item = str(_l("Application #%(id)d", id=application_id))
            raise ItemFailed(item, error) from error
        decided.append(application)
    return decided


def accept_many(
    member: User, opportunity_id: int, application_ids: list[int]
) -> list[Application]:
    """Accept every listed application of the opportunity, or none.

    Within capacity: a shift with no spot left refuses its application, and the
    first refusal names it (ItemFailed); the caller rolls back on the error.
    """
    accepted = []
    for application_id in dict.fromkeys(application_ids):
        application = None
        try:
            application = access.get_application_or_404(
                application_id, for_user=member, action=access.ACT
            )
            if application.shift.opportunity_id != opportunity_id:
                application = None  # another opportunity's: not named
                raise NotFound()
            accept_application(member, application)
        except DomainError as error:
            item = str(_l("Application #%(id)d", id=application_id))
            if application is not None:
                item = str(
                    _l(
                        "%(name)s (application #%(id)d)",
                        name=application.volunteer.display_name,
                        id=application_id,
                    )
                )
            raise ItemFailed(item, error) from error
        accepted.append(application)
    return accepted


def take_offered_place(
    volunteer: User, shift_id: int, now: datetime | None = None
) -> Application:
    """Give the volunteer a place offered to them (a floater's or a cover offer).

    The shift may be running (not over); the age rule and the overlap rule apply
    and the place is held at once within capacity (409 shift_full), through the
    same conditional UPDATE as applying. An application they have there already
    is reused: one holding a place is `already_applied`.
    """
    now = now or utcnow()
    shift = load_open_shift(shift_id)
    refuse_if_over(shift, now)
    refuse_if_not_allowed(volunteer, shift)
    lock_volunteer(volunteer)
    refuse_overlap(volunteer, shift)
    existing = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id, Application.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status in HOLDS_SPOT:
        raise Conflict(
            "already_applied", str(_l("You already have a place on this shift."))
        )
    if not _take_spot(shift.id):
        raise Conflict("shift_full", str(_l("The shift is full: no spot is left.")))
    return _hold_place(volunteer, shift, existing, now)


def take_handed_on_place(
    volunteer: User, giver_application_id: int, now: datetime | None = None
) -> Application:
    """Give the volunteer the place another volunteer hands on (a cover offer).

    The shift must not have started (409 shift_closed); the age rule and the
    overlap rule apply (409 shift_overlap). The giver's application must still
    hold the place and be looking for cover (else 409 invalid_status); it becomes
    `withdrawn` here, and only here, in the same transaction as the taker gets it.

    Capacity: the giver's spot is released and taken again through the same
    conditional UPDATEs as everywhere. The first UPDATE of the shift's row locks
    it until the commit, so no one else can take the freed spot in between: spots
    held never exceed capacity, not even for an instant anyone else can see. A
    waitlisted taker's own application moves to the held status; any other is
    reused or created.

    Lock order, as a withdrawal's: the offer (the caller), the giver's
    application, the shift, then the taker's row and application.
    """
    now = now or utcnow()
    giver = db.session.get(Application, giver_application_id)
    gone = Conflict(
        "invalid_status",
        str(_l("This place is no longer handed on: someone took it or it was kept.")),
    )
    if giver is None:
        raise gone
    shift = load_open_shift(giver.shift_id)
    if shift.starts_at <= now:
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
    refuse_if_not_allowed(volunteer, shift)
    released = db.session.execute(
        sa.update(Application)
        .where(
            Application.id == giver.id,
            Application.status.in_(HOLDS_SPOT),
            Application.cover_sought_at.is_not(None),
        )
        .values(
            status=ApplicationStatus.WITHDRAWN,
            status_changed_at=now,
            cover_sought_at=None,
            cover_exhausted_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if released.rowcount != 1:
        raise gone
    db.session.refresh(giver)
    _release_spot(shift.id)
    if not _take_spot(shift.id):
        raise Conflict("shift_full", str(_l("The shift is full: no spot is left.")))
    # The taker's row only now: after the shift's, as a withdrawal that promotes
    # the waitlist (and tells them) takes them, so the two cannot deadlock.
    lock_volunteer(volunteer)
    refuse_overlap(volunteer, shift)
    existing = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id, Application.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status in HOLDS_SPOT:
        raise Conflict(
            "already_applied", str(_l("You already have a place on this shift."))
        )
    return _hold_place(volunteer, shift, existing, now)


def _hold_place(
    volunteer: User, shift: Shift, existing: Application | None, now: datetime
) -> Application:
    """The application that holds the spot just taken: a new one, or theirs reused."""
    if existing is None:
        existing = _open_application(volunteer, shift, "")
        existing.status = _spot_status(existing)
        existing.status_changed_at = now
        db.session.flush()
    elif not _set_status(existing, _spot_status(existing), existing.status):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    existing.attendance, existing.hours = None, None
    _forget_answers(existing)
    return existing


def _forget_answers(application: Application) -> None:
    """A place held again starts with no "are you coming?" answer."""
    from .confirmations import reset

    reset(application)


def _tell_organization(
    application: Application, accepted_by_id: int | None, kind: str, **extra
) -> None:
    """Tell whoever accepted a match (else the organisation) what staff decided."""
    from ..organizations.services import members_of

    accepted_by = db.session.get(User, accepted_by_id) if accepted_by_id else None
    organization = application.shift.opportunity.organization
    recipients = [accepted_by] if accepted_by else members_of(organization)
    facts = about_application(
        application, volunteer=application.volunteer.display_name, **extra
    )
    for member in recipients:
        notify(member, kind, **facts)


def record_attendance(
    member: User,
    application: Application,
    attended: bool,
    hours: float | None = None,
    now: datetime | None = None,
) -> None:
    """Mark an approved volunteer attended (with hours) or a no-show, once started.

    The organisation's members may, and the shift's leads on its day.

    Hours are more than 0 and at most the shift's length rounded up to the quarter
    hour; none given means the shift's length.
    """
    now = now or utcnow()
    access.require(member, access.ATTEND, application)
    _require_status(application, ApplicationStatus.APPROVED)
    shift = application.shift
    if shift.starts_at > now:
        raise Conflict("shift_not_started", str(_l("The shift has not started yet.")))
    if attended:
        if hours is None:
            hours = round(shift_hours(shift), 2)
        most = max_hours(shift)
        if not (math.isfinite(hours) and 0 < hours <= most):
            message = str(
                _l(
                    "Hours must be more than 0 and at most %(most)s "
                    "(the shift's length).",
                    most=f"{most:g}",
                )
            )
            raise ValidationFailed(message, fields={"hours": [message]})
        application.attendance, application.hours = Attendance.ATTENDED, hours
    else:
        application.attendance, application.hours = Attendance.NO_SHOW, None
    # Whoever records attendance certifies the hours (the service-hour record).
    note_attendance_recorder(member, application)
    record_event(
        member, "application.attendance", application, attended=attended, hours=hours
    )


def shift_hours(shift: Shift) -> float:
    """The shift's length in hours."""
    return (shift.ends_at - shift.starts_at).total_seconds() / 3600


def max_hours(shift: Shift) -> float:
    """The most hours one can serve on a shift: its length up to the quarter hour."""
    seconds = round((shift.ends_at - shift.starts_at).total_seconds())
    return max(math.ceil(seconds / 900), 1) * 0.25


def suggested_hours(shift: Shift, hours: float | None = None) -> float:
    """Hours to pre-fill: the given (or the shift's) hours to the nearest quarter."""
    wanted = hours if hours is not None else shift_hours(shift)
    return min(max(round(wanted * 4) / 4, 0.25), max_hours(shift))


CHECK_IN_EARLY = timedelta(minutes=30)


def check_in(
    volunteer: User, shift_id: int, now: datetime | None = None
) -> Application:
    """A volunteer checks themself in during the shift window (QR code)."""
    now = now or utcnow()
    application = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift_id, Application.volunteer_id == volunteer.id
        )
    )
    if application is None or application.status is not ApplicationStatus.APPROVED:
        raise Conflict(
            "invalid_status", str(_l("You have no confirmed place on this shift."))
        )
    shift = application.shift
    if not shift.starts_at - CHECK_IN_EARLY <= now <= shift.ends_at:
        raise Conflict(
            "outside_shift", str(_l("Check-in opens 30 minutes before the shift."))
        )
    application.checked_in_at = application.checked_in_at or now
    return application


# --- Invitations (suggested volunteers, marketplace proposals) ----------------------


def invite_volunteer(
    actor: User, shift_id: int, volunteer: User | None, now: datetime | None = None
) -> Application:
    """Invite a volunteer to a shift; it holds no spot until they accept.

    Only a volunteer the suggestions could show for this shift may be invited
    (matching consent, every hard filter): anyone else, or no one, is one answer,
    `NotInvitable`. Someone who already has the shift is told so.
    """
    now = now or utcnow()
    shift = load_open_shift(shift_id)
    refuse_if_closed(shift, now)
    existing = None
    if volunteer is not None:
        existing = db.session.scalar(
            sa.select(Application).where(
                Application.shift_id == shift.id,
                Application.volunteer_id == volunteer.id,
            )
        )
    if existing is not None and existing.status not in REOPENABLE:
        raise Conflict(
            "already_applied", str(_l("This volunteer already has this shift."))
        )
    volunteer = refuse_if_not_invitable(volunteer, shift, now)
    application = existing
    if application is None:
        application = Application(shift=shift, volunteer=volunteer)
        db.session.add(application)
    application.status = ApplicationStatus.INVITED
    application.status_changed_at = now
    application.invited_by_id = actor.id
    db.session.flush()
    record_event(actor, "application.invited", application, volunteer=volunteer.id)
    notify(
        volunteer,
        "invited",
        **about_application(
            application, organization=shift.opportunity.organization.name_th
        ),
    )
    return application


def invitation_ended(application: Application, now: datetime) -> bool:
    """Whether an invitation can no longer be accepted: its shift is not open.

    An invitation ends when its opportunity closes (or its shift starts); it is
    shown as ended and accepting it is refused.
    """
    return application.status is ApplicationStatus.INVITED and not is_open(
        application.shift, now
    )


def accept_invitation(volunteer: User, application_id: int) -> Application:
    """Accept an invitation: a spot if one is left, else the waitlist."""
    application = get_own_application(volunteer, application_id)
    _require_status(application, ApplicationStatus.INVITED)
    shift = application.shift
    if invitation_ended(application, utcnow()):
        raise Conflict(
            "shift_closed",
            str(
                _l(
                    "This invitation has ended: “%(title)s” is closed.",
                    title=shift.opportunity.title,
                )
            ),
        )
    refuse_if_cannot_take(volunteer, shift, utcnow())
    new = _spot_status(application) if _take_spot(shift.id) else None
    if new is None:
        new = ApplicationStatus.WAITLISTED
    if not _set_status(application, new, ApplicationStatus.INVITED):
        if new.holds_spot:
            _release_spot(shift.id)
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    record_event(volunteer, "application.invitation_accepted", application)
    return application


def decline_invitation(volunteer: User, application_id: int) -> Application:
    """Decline an invitation."""
    application = get_own_application(volunteer, application_id)
    _require_status(application, ApplicationStatus.INVITED)
    _set_status(
        application, ApplicationStatus.INVITATION_DECLINED, ApplicationStatus.INVITED
    )
    record_event(volunteer, "application.invitation_declined", application)
    return application
