"""The cover chain: asking for cover, offering the place on, and moving on.

One offer is live at a time per place handed on. Who is next: the shift's
waitlist in its order, then the volunteers the suggestions rank for the shift
(consent to matching, every hard filter, the overlap rule; the place handed on
counts as room), best first. Anyone already offered the place in this chain is
skipped. Nothing here commits.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..applications import services as workflow
from ..applications.eligibility import overlapping_held_shift, refuse_if_not_allowed
from ..audit import record_event
from ..errors import Conflict
from ..extensions import db
from ..floaters.services import about_offer, open_offer
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    Offer,
    OfferKind,
    OfferStatus,
    Shift,
    User,
    utcnow,
)
from ..notifications import about_application, notify

# An offer ends at least this long before the shift starts (time to get there).
BEFORE_START = timedelta(minutes=15)
# Shorter than this is no offer at all: the chain stops, the giver keeps the place.
SHORTEST_OFFER = timedelta(minutes=5)


def offer_minutes() -> int:
    """How long each candidate has to take the place (setting COVER_OFFER_MINUTES)."""
    return int(current_app.config.get("COVER_OFFER_MINUTES", 30))


def offer_expiry(shift: Shift, now: datetime) -> datetime | None:
    """When an offer made now ends, or None when it is too late to make one.

    COVER_OFFER_MINUTES from now, but never later than 15 minutes before the
    shift starts; when that leaves less than 5 minutes, no offer is made.
    """
    expires = min(
        now + timedelta(minutes=offer_minutes()), shift.starts_at - BEFORE_START
    )
    return expires if expires - now >= SHORTEST_OFFER else None


# --- The volunteer: asking, and keeping the place after all -------------------------


def ask_for_cover(
    volunteer: User, application_id: int, now: datetime | None = None
) -> Application:
    """Start looking for someone to take the volunteer's held place.

    Someone else's application is a 404; one that holds no place 409
    invalid_status; a started shift 409 shift_closed. Asking again while the
    chain runs changes nothing; after it ran out of candidates it starts over.
    The place stays the volunteer's until someone takes it.
    """
    now = now or utcnow()
    application = workflow.get_own_application(volunteer, application_id)
    application = _lock(application.id)  # read again: the status is current
    if application.status not in HOLDS_SPOT or application.attendance is not None:
        raise Conflict(
            "invalid_status",
            str(_l("Only a place you hold can be handed on to someone else.")),
        )
    if application.shift.starts_at <= now:
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
    if (
        application.cover_sought_at is not None
        and application.cover_exhausted_at is None
    ):
        return application  # already looking: no second chain
    application.cover_sought_at = now
    application.cover_exhausted_at = None
    db.session.flush()
    record_event(volunteer, "cover.asked", application)
    offer_next(application.id, now)
    return application


def keep_place(
    volunteer: User, application_id: int, now: datetime | None = None
) -> Application:
    """ "I can come after all": stop looking for cover; the open offer is withdrawn."""
    from ..floaters.services import cancel_cover_offers

    now = now or utcnow()
    application = workflow.get_own_application(volunteer, application_id)
    if not application.seeking_cover:
        raise Conflict(
            "invalid_status", str(_l("You are not looking for cover for this shift."))
        )
    cancel_cover_offers(application.id, now)  # offers first, as taking one does
    kept = db.session.execute(
        sa.update(Application)
        .where(
            Application.id == application.id,
            Application.status.in_(HOLDS_SPOT),
            Application.cover_sought_at.is_not(None),
        )
        .values(cover_sought_at=None, cover_exhausted_at=None)
        .execution_options(synchronize_session=False)
    )
    if kept.rowcount != 1:
        raise Conflict(
            "invalid_status", str(_l("Someone has already taken your place."))
        )
    db.session.refresh(application)
    record_event(volunteer, "cover.cancelled", application)
    return application


def _lock(application_id: int) -> Application:
    """The application, read again with its row locked (PostgreSQL) until commit."""
    return db.session.scalars(
        sa.select(Application)
        .where(Application.id == application_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: rows citing it may go on
        .execution_options(populate_existing=True)
    ).one()


# --- The chain ----------------------------------------------------------------------


def asked_already(application: Application) -> set[int]:
    """Volunteers offered this place since the volunteer last asked for cover."""
    if application.cover_sought_at is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(Offer.volunteer_id).where(
                Offer.giver_application_id == application.id,
                Offer.kind == OfferKind.COVER,
                Offer.created_at >= application.cover_sought_at,
            )
        )
    )


def _may_take(volunteer: User, shift: Shift) -> bool:
    """Not erased, old enough (or with a guardian's consent), no overlapping shift."""
    if volunteer.erased_at is not None:
        return False
    try:
        refuse_if_not_allowed(volunteer, shift)
    except Conflict:
        return False
    return overlapping_held_shift(volunteer, shift) is None


def candidates(application: Application, now: datetime) -> Iterator[User]:
    """Who may be offered the place next, in order: the waitlist, then the ranked.

    The waitlist in its order (earliest first); then the suggested volunteers for
    the shift, best first, from `recommendations.suggest_for_shifts` with the
    place handed on counting as room. Those already asked in this chain, anyone
    with a live offer for the shift, and anyone who could not take the place
    now, are left out. Lazy: the chain reads only as far as the first one (the
    ranking runs only when the waitlist has no one).
    """
    from ..recommendations import suggest_for_shifts

    shift = application.shift
    # Someone holding a live offer for this shift (another place handed on, a
    # floater's offer) is not offered a second one at once.
    offered_now = db.session.scalars(
        sa.select(Offer.volunteer_id).where(
            Offer.shift_id == shift.id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
    )
    skip = asked_already(application) | {application.volunteer_id} | set(offered_now)
    waitlist = db.session.scalars(
        sa.select(Application)
        .where(
            Application.shift_id == shift.id,
            Application.status == ApplicationStatus.WAITLISTED,
        )
        .order_by(Application.status_changed_at, Application.id)
    ).all()
    for waiting in waitlist:
        if waiting.volunteer_id not in skip and _may_take(waiting.volunteer, shift):
            skip.add(waiting.volunteer_id)
            yield waiting.volunteer
    ranked = suggest_for_shifts(
        shift.opportunity, [shift], now, limit=None, handing_on=True
    )[shift.id]
    for item in ranked:
        if item.volunteer.id not in skip and _may_take(item.volunteer, shift):
            skip.add(item.volunteer.id)
            yield item.volunteer


def offer_next(application_id: int, now: datetime | None = None) -> Offer | None:
    """Offer the place handed on to the next candidate, unless one is live.

    The application's row is locked first, so two consumers (or a decline and
    the periodic task) moving the same chain at once make one offer. No one
    left, or too near the start: the chain has run out, and the volunteer is
    told the place is still theirs (once).
    """
    now = now or utcnow()
    application = _lock(application_id)
    if not application.seeking_cover or application.cover_exhausted_at is not None:
        return None
    live = db.session.scalar(
        sa.select(Offer).where(
            Offer.giver_application_id == application.id,
            Offer.kind == OfferKind.COVER,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
    )
    if live is not None:
        return live
    shift = application.shift
    expires = offer_expiry(shift, now)
    volunteer = next(candidates(application, now), None) if expires else None
    if volunteer is None:
        application.cover_exhausted_at = now
        record_event(None, "cover.exhausted", application)
        notify(
            application.volunteer, "cover_not_found", **about_application(application)
        )
        return None
    offer = open_offer(
        OfferKind.COVER,
        shift,
        volunteer,
        offered_by_id=application.volunteer_id,
        now=now,
        expires_at=expires,
        giver_application_id=application.id,
    )
    record_event(None, "cover.offered", offer, volunteer=volunteer.id, shift=shift.id)
    notify(
        volunteer,
        "cover_offered",
        **about_offer(offer, shift),
        expires_at=expires.isoformat(),
        minutes=max(round((expires - now).total_seconds() / 60), 1),
    )
    return offer


def place_handed_on(offer: Offer, taken: Application) -> None:
    """Tell the giver they are released and the organisation who comes instead."""
    from ..organizations.services import members_of

    giver = db.session.get(Application, offer.giver_application_id)
    if giver is None:
        return
    record_event(
        taken.volunteer, "cover.taken", giver, offer=offer.id, application=taken.id
    )
    notify(giver.volunteer, "cover_found", **about_application(giver))
    facts = about_application(
        taken,
        volunteer=taken.volunteer.display_name,
        giver=giver.volunteer.display_name,
    )
    for member in members_of(taken.shift.opportunity.organization):
        notify(member, "cover_taken", **facts)


def advance_cover_offers(now: datetime | None = None) -> int:
    """Expire due offers and move each cover chain on; returns offers expired.

    Run every minute by the queue (cover.tasks). Idempotent and safe with two
    consumers: expiring is a conditional UPDATE of locked rows, and each chain's
    next offer is made under its application's row lock (`offer_next`). Places
    still looking for cover with no live offer (a chain stopped by a crash) get
    their next offer too.
    """
    from ..floaters.services import expire_offers

    now = now or utcnow()
    expired = expire_offers(now)
    givers = {
        offer.giver_application_id
        for offer in expired
        if offer.kind is OfferKind.COVER and offer.giver_application_id
    }
    live = sa.select(Offer.giver_application_id).where(
        Offer.kind == OfferKind.COVER,
        Offer.status == OfferStatus.OPEN,
        Offer.expires_at > now,
        Offer.giver_application_id.is_not(None),
    )
    givers |= set(
        db.session.scalars(
            sa.select(Application.id)
            .join(Application.shift)
            .where(
                Shift.starts_at > now,
                Application.cover_sought_at.is_not(None),
                Application.cover_exhausted_at.is_(None),
                Application.status.in_(HOLDS_SPOT),
                Application.id.not_in(live),
            )
        )
    )
    for application_id in sorted(givers):
        offer_next(application_id, now)
    return len(expired)


__all__ = [
    "advance_cover_offers",
    "ask_for_cover",
    "candidates",
    "keep_place",
    "offer_expiry",
    "offer_next",
    "place_handed_on",
]
