"""Who may take a shift: age, consent, overlap, and who may be invited to one.

These rules sit beside the capacity rule (services.py) and below everything that
uses them: applying, accepting an invitation, inviting, and the candidates of the
suggestions and of the staff proposal. Nothing here commits.
"""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import Conflict, DomainError
from ..extensions import db
from ..i18n import to_bangkok
from ..matching import filters, model
from ..models import (
    HOLDS_SPOT,
    Application,
    Role,
    Shift,
    User,
    VolunteerProfile,
)
from ..privacy.consents import consented_to_matching
from .openness import refuse_if_closed

# --- Age ---------------------------------------------------------------------------


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on a day (a 29 February birthday counts on 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def has_guardian_consent(profile: VolunteerProfile | None) -> bool:
    """Whether a guardian's name, contact and consent are all recorded."""
    return bool(
        profile
        and profile.guardian_name
        and profile.guardian_contact
        and profile.guardian_consent_at
    )


def refuse_if_not_allowed(volunteer: User, shift: Shift) -> None:
    """Refuse (409) a shift the volunteer is too young for or lacks consent for."""
    profile = volunteer.profile
    day = to_bangkok(shift.starts_at).date()
    min_age = shift.opportunity.min_age
    birth = profile.date_of_birth if profile is not None else None
    if min_age and birth is None:
        raise Conflict(
            "date_of_birth_required",
            str(
                _l(
                    "This opportunity is for people aged %(age)d or over. "
                    "Add your date of birth to your profile first.",
                    age=min_age,
                )
            ),
        )
    if birth is None:
        return
    age = age_on(birth, day)
    if min_age and age < min_age:
        raise Conflict(
            "below_minimum_age",
            str(
                _l(
                    "This opportunity is for people aged %(age)d or over.",
                    age=min_age,
                )
            ),
        )
    if age < current_app.config["ADULT_AGE"] and not has_guardian_consent(profile):
        raise Conflict(
            "guardian_consent_required",
            str(
                _l(
                    "You are under %(age)d: add your parent's or guardian's name, "
                    "contact and consent to your profile before applying.",
                    age=current_app.config["ADULT_AGE"],
                )
            ),
        )


# --- Overlap -----------------------------------------------------------------------


def overlapping_held_shift(volunteer: User, shift: Shift) -> Application | None:
    """An application holding a spot on a shift that overlaps this one, if any.

    Intervals are half-open: a shift ending at 12:00 does not overlap one that
    starts at 12:00.
    """
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


def lock_volunteer(volunteer: User) -> None:
    """Serialise one volunteer's applications (PostgreSQL row lock).

    FOR NO KEY UPDATE: rows that only refer to the volunteer (a notification, an
    application promoted from a waitlist) are still written meanwhile. A FOR
    UPDATE lock blocked them, so taking a place (volunteer, then shift) and a
    withdrawal promoting that volunteer on the shift (shift, then volunteer)
    could deadlock.
    """
    db.session.execute(
        sa.select(User.id)
        .where(User.id == volunteer.id)
        .with_for_update(key_share=True)
    )


def refuse_if_cannot_take(
    volunteer: User, shift: Shift, now: datetime, running_ok: bool = False
) -> None:
    """Refuse a shift the volunteer may not take now: closed, age, or overlap.

    The volunteer's row is locked before the overlap check, so two applications
    at once cannot both pass it. `running_ok` lets a walk-in join a running shift.
    """
    refuse_if_closed(shift, now, running_ok)
    refuse_if_not_allowed(volunteer, shift)
    lock_volunteer(volunteer)
    refuse_overlap(volunteer, shift)


# --- Matching and invitations ------------------------------------------------------


def matchable_volunteers() -> sa.Select:
    """SQL: ids of volunteers who may be suggested, proposed or invited.

    A volunteer account, not erased, whose latest decision about matching is a
    grant. Suggestions, the staff proposal and invitations all start from it.
    """
    return sa.select(User.id).where(
        User.role == Role.VOLUNTEER,
        User.erased_at.is_(None),
        User.id.in_(consented_to_matching()),
    )


class NotInvitable(DomainError):
    """One answer for every volunteer who may not be invited, whatever the reason.

    An unknown id, another kind of account, a withdrawn consent and a failed hard
    filter look the same, so invitations reveal nothing about anyone.
    """

    status = 404
    code = "not_invitable"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(
            _l(
                "This volunteer cannot be invited to this shift. Invite people "
                "from the suggested volunteers."
            )
        )


def eligible_for_invitation(
    volunteer: User | None, shift: Shift, now: datetime
) -> bool:
    """Whether the volunteer may be invited: matchable and passing every hard filter.

    The same rule the suggested volunteers and the staff proposal apply.
    """
    from ..recommendations import as_opportunity, as_shift, as_volunteer, held_intervals

    if volunteer is None:
        return False
    profile = db.session.scalar(
        sa.select(VolunteerProfile).where(
            VolunteerProfile.user_id == volunteer.id,
            VolunteerProfile.user_id.in_(matchable_volunteers()),
        )
    )
    if profile is None:
        return False
    opportunity = shift.opportunity
    plain = as_volunteer(profile, held_intervals([volunteer.id]).get(volunteer.id, []))
    return filters.eligible(
        plain, as_opportunity(opportunity), as_shift(shift, opportunity), now
    )


def refuse_if_not_invitable(
    volunteer: User | None, shift: Shift, now: datetime
) -> User:
    """The volunteer, if they may be invited to the shift; else NotInvitable."""
    if volunteer is None or not eligible_for_invitation(volunteer, shift, now):
        raise NotInvitable()
    return volunteer


# --- Floaters (volunteers free now at the expo) -------------------------------------

# Hard filters a floater is spared: they said they are free now (their free time
# stands in for the weekly windows) and a short shift may already be running.
FLOATER_WAIVED = frozenset({"future", "availability", "room"})


def floater_violations(
    volunteer: model.Volunteer,
    opportunity: model.Opportunity,
    shift: model.Shift,
    free_until: datetime,
    now: datetime,
    on_site: bool,
) -> list[str]:
    """The hard filters a floater fails for a shift (empty: they may be offered it).

    Every filter of the matching engine except those in FLOATER_WAIVED; distance
    too is waived `on_site` (an expo shift: the floater is there). Besides, the
    shift must have a spot left (no waitlist for an offer), not be over, and start
    before the floater's free time ends.
    """
    waived = FLOATER_WAIVED | ({"distance"} if on_site else frozenset())
    failed = [
        name
        for name in filters.violations(volunteer, opportunity, shift, now)
        if name not in waived
    ]
    if shift.spots_taken >= shift.capacity:
        failed.append("room")
    if shift.ends_at <= now:
        failed.append("over")
    if not shift.starts_at < free_until:
        failed.append("free_time")
    return failed


def floater_offerable(volunteer: User | None, shift: Shift, now: datetime) -> bool:
    """Whether a place on the shift may be offered to this volunteer as a floater.

    Matchable (consent), free now, and passing `floater_violations`: the same rule
    that puts them in the ranked list beside the shift.
    """
    from ..recommendations import floater_pool, rank_floaters

    if volunteer is None:
        return False
    pool = floater_pool(now, volunteer_ids=[volunteer.id])
    return any(
        item.volunteer.id == volunteer.id
        for item in rank_floaters(pool, shift, now, limit=None)
    )
