""" "Are you coming?": asking approved volunteers, their answers, and releasing.

- `ask_for_confirmations(now)` asks each approved place once, CONFIRMATION_HOURS
  before its shift starts (a periodic task runs it every few minutes). The
  question names the day and time, so it is the reminder too: it sets
  `reminded_at`, and a place reminded by the day-before reminder less than
  QUIET_AFTER_REMINDER ago is asked one run later, never in the same hour.
- `answer_coming` / `answer_not_coming` are the one-tap answers ("coming:<id>",
  "not_coming:<id>" in marketplace/actions.py); "I can't come" withdraws the
  place at once, so the waitlist is promoted as on any withdrawal.
- `release_unconfirmed(now)` withdraws places asked but not confirmed once their
  opportunity's `release_unconfirmed_hours` before the start has come (off by
  default), never sooner than ANSWER_TIME after the question.
- `confirmation_state` is what rosters, the applicants page and My shifts show.

Services take the actor (or `now`), never commit, and raise DomainError subclasses.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..i18n import to_bangkok
from ..jobs import crontab, periodic_task
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    Opportunity,
    Shift,
    User,
)
from ..notifications import about_application, notify
from .services import (
    _end_cover_offers,
    _release_spot,
    _set_status,
    get_own_application,
    promote_from_waitlist,
    withdraw_application,
)

# The day-before reminder and the question never reach a person in one hour.
QUIET_AFTER_REMINDER = timedelta(hours=1)
# A place is released only if its volunteer had this long to answer.
ANSWER_TIME = timedelta(hours=2)
# The most hours before the start an opportunity may release unconfirmed places.
MOST_RELEASE_HOURS = 72

ASKED = "asked"
CONFIRMED = "confirmed"
NO_ANSWER = "no_answer"
CANT_COME = "cant_come"

STATE_LABELS = {
    ASKED: _l("Asked, no answer yet"),
    CONFIRMED: _l("Coming (confirmed)"),
    NO_ANSWER: _l("No answer"),
    CANT_COME: _l("Can't come"),
}


def asking_time() -> timedelta:
    """How long before the start approved volunteers are asked (0: never)."""
    return timedelta(hours=max(int(current_app.config["CONFIRMATION_HOURS"]), 0))


def confirmation_state(application: Application, now: datetime) -> str | None:
    """asked / confirmed / no_answer / can't come, or None (not asked yet).

    Reads only the application and its (loaded) shift: no query, so rosters of
    any length show it for free.
    """
    if application.cant_come_at is not None:
        return CANT_COME
    if application.released_at is not None:
        return NO_ANSWER
    if application.status not in HOLDS_SPOT:
        return None
    if application.confirmed_at is not None:
        return CONFIRMED
    if application.confirm_asked_at is None:
        return None
    return ASKED if application.shift.starts_at > now else NO_ANSWER


BADGE_STYLES = {
    ASKED: "text-bg-warning",
    CONFIRMED: "text-bg-success",
    NO_ANSWER: "text-bg-danger",
    CANT_COME: "text-bg-secondary",
}


def confirmation_badge(application: Application) -> dict[str, str] | None:
    """The state, its label and its badge style for a page (None: not asked)."""
    from ..models import utcnow

    state = confirmation_state(application, utcnow())
    if state is None:
        return None
    return {
        "state": state,
        "label": str(STATE_LABELS[state]),
        "css": BADGE_STYLES[state],
    }


def awaits_answer(application: Application, now: datetime) -> bool:
    """Whether My shifts shows "I'm coming" / "I can't come" for the place."""
    return confirmation_state(application, now) == ASKED


def reset(application: Application) -> None:
    """Forget an earlier place's answers (the volunteer applies again)."""
    application.confirm_asked_at = None
    application.confirmed_at = None
    application.cant_come_at = None
    application.released_at = None


def ask_for_confirmations(now: datetime) -> int:
    """Ask every approved place starting within the asking time, once each.

    Returns how many were asked; `confirm_asked_at` keeps a second run (or a
    concurrent one, which waits on the row locks) from asking again. Places
    already confirmed (from My shifts) are not asked.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ahead = asking_time()
    if not ahead:
        return 0
    applications = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .join(Shift.opportunity)
        .join(Application.volunteer)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.confirm_asked_at.is_(None),
            Application.confirmed_at.is_(None),
            sa.or_(
                Application.reminded_at.is_(None),
                Application.reminded_at <= now - QUIET_AFTER_REMINDER,
            ),
            Shift.starts_at > now,
            Shift.starts_at <= now + ahead,
        )
        .options(
            so.contains_eager(Application.shift).contains_eager(Shift.opportunity),
            so.contains_eager(Application.volunteer),
        )
        .order_by(Shift.starts_at, Application.id)
        # A concurrent run waits here, then no longer sees the rows asked.
        .with_for_update(of=Application)
    ).all()
    for application in applications:
        starts = to_bangkok(application.shift.starts_at)
        notify(
            application.volunteer,
            "confirm_attendance",
            **about_application(application, time=starts.strftime("%H:%M")),
        )
        application.confirm_asked_at = now
        application.reminded_at = application.reminded_at or now
    return len(applications)


def _own_held_place(volunteer: User, application_id: int, now: datetime) -> Application:
    """The volunteer's own place (else 404), still held, on a shift not started."""
    application = get_own_application(volunteer, application_id)
    if application.status not in HOLDS_SPOT:
        raise Conflict(
            "invalid_status", str(_l("You no longer hold a place on this shift."))
        )
    if application.shift.starts_at <= now:
        raise Conflict(
            "shift_started",
            str(_l("The shift has started: tell the organisation in person.")),
        )
    return application


def answer_coming(volunteer: User, application_id: int, now: datetime) -> Application:
    """ "I'm coming": the place is confirmed (answering twice changes nothing)."""
    application = _own_held_place(volunteer, application_id, now)
    if application.confirmed_at is None:
        application.confirmed_at = now
        record_event(volunteer, "application.confirmed", application)
    return application


def answer_not_coming(
    volunteer: User, application_id: int, now: datetime
) -> Application:
    """ "I can't come": the place is withdrawn at once, the waitlist promoted.

    The organisation's members are told; `cant_come_at` records why the place
    ended (declined by confirmation).
    """
    _own_held_place(volunteer, application_id, now)
    application = withdraw_application(volunteer, application_id)
    application.cant_come_at = now
    record_event(volunteer, "application.cant_come", application)
    from ..organizations.services import members_of

    facts = about_application(application, volunteer=volunteer.display_name)
    for member in members_of(application.shift.opportunity.organization):
        notify(member, "volunteer_cant_come", **facts)
    return application


def release_unconfirmed(now: datetime) -> int:
    """Withdraw asked, unconfirmed places whose opportunity releases them by now.

    A place is released once `release_unconfirmed_hours` before its start has
    come, if it was asked at least ANSWER_TIME ago; the volunteer is told and
    the waitlist promoted. Returns how many places were released.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    applications = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .join(Shift.opportunity)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.confirm_asked_at.is_not(None),
            Application.confirm_asked_at <= now - ANSWER_TIME,
            Application.confirmed_at.is_(None),
            Opportunity.release_unconfirmed_hours.is_not(None),
            Shift.starts_at > now,
            Shift.starts_at <= now + timedelta(hours=MOST_RELEASE_HOURS),
        )
        .options(so.contains_eager(Application.shift).contains_eager(Shift.opportunity))
        .order_by(Shift.starts_at, Application.id)
        .with_for_update(of=Application)
    ).all()
    released = 0
    for application in applications:
        shift = application.shift
        hours = shift.opportunity.release_unconfirmed_hours or 0
        if shift.starts_at - timedelta(hours=hours) > now:
            continue
        # A place released while its volunteer looks for cover ends that search.
        _end_cover_offers(application)
        if not _set_status(
            application, ApplicationStatus.WITHDRAWN, ApplicationStatus.APPROVED
        ):
            continue  # answered or withdrawn meanwhile
        application.released_at = now
        record_event(None, "application.released_unconfirmed", application)
        notify(
            application.volunteer,
            "place_released",
            **about_application(application, hours=hours),
        )
        _release_spot(shift.id)
        promote_from_waitlist(shift.id)
        released += 1
    return released


def check_release_hours(hours: int | None) -> int | None:
    """The opportunity setting, validated: None (off) or 1 to MOST_RELEASE_HOURS.

    It must also be less than the asking time, or places would be released
    before anyone was asked.
    """
    if hours is None or hours == 0:
        return None
    asked = int(asking_time().total_seconds() // 3600)
    most = min(MOST_RELEASE_HOURS, asked - 1)
    if most < 1:
        message = str(
            _l("Releasing unconfirmed places needs “are you coming?” to be on.")
        )
        raise ValidationFailed(message, fields={"release_unconfirmed_hours": [message]})
    if not 1 <= hours <= most:
        message = str(
            _l(
                "Give a number of hours from 1 to %(most)d: volunteers are asked "
                "%(asked)d hours before the start.",
                most=most,
                asked=asked,
            )
        )
        raise ValidationFailed(message, fields={"release_unconfirmed_hours": [message]})
    return hours


@periodic_task(crontab(minute="*/5"))
def ask_for_confirmations_task() -> None:
    """Every five minutes: ask the places whose asking time has come."""
    from ..models import utcnow

    ask_for_confirmations(utcnow())
    db.session.commit()


@periodic_task(crontab(minute="*/5"))
def release_unconfirmed_task() -> None:
    """Every five minutes: release unconfirmed places where the opportunity asks."""
    from ..models import utcnow

    release_unconfirmed(utcnow())
    db.session.commit()
