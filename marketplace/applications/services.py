"""The match workflow: applying, waitlisting, withdrawing and promotion.

The capacity invariant (spots held <= capacity) is kept here and only here:
`_take_spot` and `_release_spot` are the only code that changes `shift.spots_taken`,
with conditional UPDATEs that the database applies atomically.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from ..audit import record_event
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationStatus,
    Shift,
    User,
    utcnow,
)
from ..notifications import about_application, notify
from ..privacy.minors import refuse_if_not_allowed

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


def _set_status(
    application: Application, new: ApplicationStatus, expected: ApplicationStatus
) -> bool:
    """Move an application from `expected` to `new`, unless someone got there first."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status == expected)
        .values(status=new, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(application)
    return True


def load_open_shift(shift_id: int) -> Shift:
    """A shift of a published opportunity of a verified organisation, or 404."""
    shift = db.session.scalar(
        sa.select(Shift)
        .join(Shift.opportunity)
        .join(Opportunity.organization)
        .where(
            Shift.id == shift_id,
            Opportunity.status != OpportunityStatus.DRAFT,
            Organization.status == OrganizationStatus.VERIFIED,
        )
        .options(so.contains_eager(Shift.opportunity))
    )
    if shift is None:
        raise NotFound()
    return shift


def overlapping_held_shift(volunteer: User, shift: Shift) -> Application | None:
    """An application holding a spot on a shift that overlaps this one, if any."""
    return db.session.scalar(
        sa.select(Application)
        .join(Application.shift)
        .where(
            Application.volunteer_id == volunteer.id,
            Application.status.in_(HOLDS_SPOT),
            Application.shift_id != shift.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .options(so.contains_eager(Application.shift).joinedload(Shift.opportunity))
        .limit(1)
    )


def refuse_overlap(volunteer: User, shift: Shift) -> None:
    """Refuse (409 shift_overlap, naming it) a shift that overlaps one they hold."""
    if clash := overlapping_held_shift(volunteer, shift):
        raise Conflict(
            "shift_overlap",
            str(
                _l(
                    "You already hold a shift at that time: %(title)s.",
                    title=clash.shift.opportunity.title,
                )
            ),
        )


def _lock_volunteer(volunteer: User) -> None:
    """Serialise one volunteer's applications (PostgreSQL row lock)."""
    db.session.execute(
        sa.select(User.id).where(User.id == volunteer.id).with_for_update()
    )


def apply_to_shift(
    volunteer: User, shift_id: int, message: str = "", now: datetime | None = None
) -> Application:
    """Apply to a shift: hold a spot, join the waitlist, or wait for review."""
    now = now or utcnow()
    shift = load_open_shift(shift_id)
    opportunity = shift.opportunity
    if opportunity.status is OpportunityStatus.CLOSED or shift.starts_at <= now:
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
    refuse_if_not_allowed(volunteer, shift)
    _lock_volunteer(volunteer)
    refuse_overlap(volunteer, shift)
    application = _open_application(volunteer, shift, message)
    if opportunity.approval_mode is ApprovalMode.REVIEW:
        application.status = ApplicationStatus.PENDING
    elif _take_spot(shift.id):
        application.status = _spot_status(application)
    else:
        application.status = ApplicationStatus.WAITLISTED
    application.status_changed_at = now
    db.session.flush()
    for membership in opportunity.organization.memberships:
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
    if not _set_status(application, ApplicationStatus.WITHDRAWN, status):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    if status in HOLDS_SPOT:
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


def get_application_for_member(user: User, application_id: int) -> Application:
    """An application to one of the user's organisations (staff see all), else 404."""
    from ..organizations.services import membership_of

    application = db.session.scalar(
        sa.select(Application)
        .where(Application.id == application_id)
        .options(
            so.joinedload(Application.shift)
            .joinedload(Shift.opportunity)
            .joinedload(Opportunity.organization),
            so.joinedload(Application.volunteer),
        )
    )
    if application is None:
        raise NotFound()
    organization_id = application.shift.opportunity.organization_id
    if not user.is_staff and membership_of(user, organization_id) is None:
        raise NotFound()
    return application


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
    notify(application.volunteer, kind, **about_application(application))


def decline_application(
    member: User, application: Application, message: str = ""
) -> None:
    """An organisation declines a pending or waitlisted application."""
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
        application.volunteer, "application_declined", **about_application(application)
    )


def approve_application(staff: User, application: Application) -> None:
    """Staff confirm an accepted match."""
    _require_status(application, ApplicationStatus.ACCEPTED)
    if not _set_status(
        application, ApplicationStatus.APPROVED, ApplicationStatus.ACCEPTED
    ):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    application.decided_by_id = staff.id
    record_event(staff, "application.approved", application)
    notify(
        application.volunteer, "application_approved", **about_application(application)
    )


def reject_application(staff: User, application: Application, reason: str) -> None:
    """Staff refuse an accepted match; the spot goes to the waitlist."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [str(_l("Give a reason."))]})
    check_length("reason", reason, Application.decision_message)
    _require_status(application, ApplicationStatus.ACCEPTED)
    if not _set_status(
        application, ApplicationStatus.REJECTED, ApplicationStatus.ACCEPTED
    ):
        raise Conflict("invalid_status", str(_l("This application changed meanwhile.")))
    application.decision_message = reason
    application.decided_by_id = staff.id
    record_event(staff, "application.rejected", application, reason=reason)
    notify(
        application.volunteer,
        "application_rejected",
        **about_application(application, reason=reason),
    )
    _release_spot(application.shift_id)
    promote_from_waitlist(application.shift_id)


def record_attendance(
    member: User,
    application: Application,
    attended: bool,
    hours: float | None = None,
    now: datetime | None = None,
) -> None:
    """Mark an approved volunteer attended (with hours) or a no-show, once started."""
    now = now or utcnow()
    _require_status(application, ApplicationStatus.APPROVED)
    shift = application.shift
    if shift.starts_at > now:
        raise Conflict("shift_not_started", str(_l("The shift has not started yet.")))
    if attended:
        if hours is None:
            hours = round((shift.ends_at - shift.starts_at).total_seconds() / 3600, 2)
        if not 0 < hours <= 24:
            raise ValidationFailed(
                fields={"hours": [str(_l("Hours must be more than 0 and at most 24."))]}
            )
        application.attendance, application.hours = Attendance.ATTENDED, hours
    else:
        application.attendance, application.hours = Attendance.NO_SHOW, None
    record_event(
        member, "application.attendance", application, attended=attended, hours=hours
    )


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


def invite_volunteer(actor: User, shift_id: int, volunteer: User) -> Application:
    """Invite a volunteer to a shift; it holds no spot until they accept."""
    shift = load_open_shift(shift_id)
    if (
        shift.opportunity.status is OpportunityStatus.CLOSED
        or shift.starts_at <= utcnow()
    ):
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
    if not volunteer.is_volunteer or volunteer.erased_at is not None:
        raise NotFound()
    existing = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id, Application.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status not in REOPENABLE:
        raise Conflict(
            "already_applied", str(_l("This volunteer already has this shift."))
        )
    application = existing
    if application is None:
        application = Application(shift=shift, volunteer=volunteer)
        db.session.add(application)
    application.status = ApplicationStatus.INVITED
    application.status_changed_at = utcnow()
    application.invited_by_id = actor.id
    db.session.add(application)
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


def accept_invitation(volunteer: User, application_id: int) -> Application:
    """Accept an invitation: a spot if one is left, else the waitlist."""
    application = get_own_application(volunteer, application_id)
    _require_status(application, ApplicationStatus.INVITED)
    shift = application.shift
    if (
        shift.opportunity.status is OpportunityStatus.CLOSED
        or shift.starts_at <= utcnow()
    ):
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
    refuse_if_not_allowed(volunteer, shift)
    _lock_volunteer(volunteer)
    refuse_overlap(volunteer, shift)
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
