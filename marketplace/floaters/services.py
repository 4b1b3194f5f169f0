"""Floaters and offers: saying "I'm free now", offering a place, taking it.

An offer is one generic row (`Offer`, kind "floater" here; cover offers of
issue 13 reuse it). Taking one goes through the one application service
(`applications.services.take_offered_place`): capacity, age and the overlap
rule are kept there. Nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import access
from ..applications import services as workflow
from ..applications.eligibility import floater_offerable
from ..audit import record_event
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Floater,
    Offer,
    OfferKind,
    OfferStatus,
    Opportunity,
    Role,
    Shift,
    User,
    utcnow,
)
from ..notifications import notify

# How long a volunteer may say they are free for, in hours.
FREE_HOURS = (1, 2, 3, 4)
# The longest an offer may be given to answer, in minutes.
MAX_OFFER_MINUTES = 240


class NotOfferable(DomainError):
    """One answer for every volunteer who may not be offered the shift.

    Not free now, withdrew consent, fails a hard filter, or no such person: the
    same 404, so offers reveal nothing about anyone.
    """

    status = 404
    code = "not_offerable"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(
            _l(
                "This volunteer cannot be offered this shift now. Offer it to "
                "someone in the list of floaters."
            )
        )


# --- The volunteer: free now --------------------------------------------------------


def say_free(volunteer: User, hours: int, now: datetime | None = None) -> Floater:
    """The volunteer is free from now for `hours` (1–4): coordinators see them."""
    now = now or utcnow()
    if volunteer.role is not Role.VOLUNTEER:
        raise Conflict("not_a_volunteer", str(_l("Only volunteers can float.")))
    if hours not in FREE_HOURS:
        message = str(_l("Choose 1 to 4 hours."))
        raise ValidationFailed(message, fields={"hours": [message]})
    floater = db.session.scalar(
        sa.select(Floater).where(Floater.volunteer_id == volunteer.id)
    )
    if floater is None:
        floater = Floater(volunteer_id=volunteer.id)
        db.session.add(floater)
    floater.free_from = now
    floater.free_until = now + timedelta(hours=hours)
    db.session.flush()
    return floater


def stop_floating(volunteer: User) -> None:
    """The volunteer is no longer free: they leave the floaters' list."""
    db.session.execute(sa.delete(Floater).where(Floater.volunteer_id == volunteer.id))


def floating(volunteer: User, now: datetime | None = None) -> Floater | None:
    """The volunteer's current "free now", if it has not run out."""
    now = now or utcnow()
    return db.session.scalar(
        sa.select(Floater).where(
            Floater.volunteer_id == volunteer.id, Floater.free_until > now
        )
    )


# --- The coordinator: offering ------------------------------------------------------


def offer_minutes() -> int:
    """How long a floater has to take an offer (setting FLOATER_OFFER_MINUTES)."""
    return int(current_app.config.get("FLOATER_OFFER_MINUTES", 15))


def send_offer(
    actor: User,
    shift: Shift,
    volunteer: User | None,
    now: datetime | None = None,
    minutes: int | None = None,
) -> Offer:
    """Offer a floater a place on a short shift, expiring after `minutes`.

    The organisation's members for its shifts, staff for all. Only someone the
    ranked floaters list could show may be offered it (NotOfferable otherwise),
    the shift must have a spot left, and one live offer per person and shift.
    """
    now = now or utcnow()
    access.require(actor, access.COORDINATE, shift)
    minutes = offer_minutes() if minutes is None else minutes
    if not 1 <= minutes <= MAX_OFFER_MINUTES:
        message = str(_l("An offer lasts 1 to 240 minutes."))
        raise ValidationFailed(message, fields={"minutes": [message]})
    if shift.spots_taken >= shift.capacity:
        raise Conflict("shift_full", str(_l("The shift is full: no spot is left.")))
    if volunteer is not None and _live_offer(shift.id, volunteer.id, now):
        raise Conflict(
            "already_offered",
            str(_l("This volunteer already has an offer for this shift.")),
        )
    if not floater_offerable(volunteer, shift, now):
        raise NotOfferable()
    offer = open_offer(
        OfferKind.FLOATER,
        shift,
        volunteer,
        offered_by_id=actor.id,
        now=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    record_event(actor, "offer.sent", offer, volunteer=volunteer.id, shift=shift.id)
    notify(volunteer, "place_offered", **about_offer(offer, shift), minutes=minutes)
    return offer


def open_offer(
    kind: OfferKind,
    shift: Shift,
    volunteer: User,
    *,
    offered_by_id: int | None,
    now: datetime,
    expires_at: datetime,
    giver_application_id: int | None = None,
) -> Offer:
    """Add an open offer of a place on `shift` to `volunteer` (flushed: it has an id).

    The one way offers are made, to floaters and for cover; the caller checks who
    may be offered it, records the event and tells the volunteer.
    """
    offer = Offer(
        kind=kind,
        status=OfferStatus.OPEN,
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        offered_by_id=offered_by_id,
        giver_application_id=giver_application_id,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def about_offer(offer: Offer, shift: Shift) -> dict:
    """The facts a notification about an offer carries."""
    return {
        "offer_id": offer.id,
        "shift_id": shift.id,
        "opportunity_id": shift.opportunity_id,
        "title": shift.opportunity.title,
        "starts_at": shift.starts_at.isoformat(),
    }


def _live_offer(shift_id: int, volunteer_id: int, now: datetime) -> Offer | None:
    return db.session.scalar(
        sa.select(Offer).where(
            Offer.shift_id == shift_id,
            Offer.volunteer_id == volunteer_id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
    )


# --- The volunteer: answering -------------------------------------------------------


def offers_of(volunteer: User, now: datetime | None = None) -> list[Offer]:
    """The volunteer's live offers (open, not expired), soonest to expire first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Offer)
            .where(
                Offer.volunteer_id == volunteer.id,
                Offer.status == OfferStatus.OPEN,
                Offer.expires_at > now,
            )
            .options(
                so.joinedload(Offer.shift)
                .joinedload(Shift.opportunity)
                .joinedload(Opportunity.organization)
            )
            .order_by(Offer.expires_at, Offer.id)
        )
    )


def get_own_offer(volunteer: User, offer_id: int) -> Offer:
    """The volunteer's own offer, else 404 (others' are never revealed)."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.volunteer_id != volunteer.id:
        raise NotFound()
    return offer


def _close(offer: Offer, new: OfferStatus, now: datetime) -> None:
    """Move a live offer to `new`, unless it was answered or expired meanwhile."""
    result = db.session.execute(
        sa.update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
        .values(status=new, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _not_live(offer, now)
    db.session.refresh(offer)


def _not_live(offer: Offer, now: datetime) -> Conflict:
    db.session.refresh(offer)
    if offer.status is OfferStatus.OPEN or offer.status is OfferStatus.EXPIRED:
        return Conflict("offer_expired", str(_l("This offer has expired.")))
    return Conflict(
        "invalid_status", str(_l("This offer was already answered or withdrawn."))
    )


def accept_offer(volunteer: User, offer_id: int, now: datetime | None = None) -> Offer:
    """Take the offered place with one tap: within capacity, with the overlap rule.

    409 `offer_expired`, `shift_full`, `shift_overlap` (and `shift_closed` once the
    shift is over). The caller commits, or rolls back on the error.
    """
    now = now or utcnow()
    offer = get_own_offer(volunteer, offer_id)
    if not offer.is_live(now):
        raise _not_live(offer, now)
    _close(offer, OfferStatus.ACCEPTED, now)
    if offer.kind is OfferKind.COVER:
        application = workflow.take_handed_on_place(
            volunteer, offer.giver_application_id or 0, now
        )
    else:
        application = workflow.take_offered_place(volunteer, offer.shift_id, now)
    offer.application_id = application.id
    record_event(volunteer, "offer.accepted", offer, application=application.id)
    if offer.kind is OfferKind.COVER:
        from ..cover.services import place_handed_on

        place_handed_on(offer, application)
    return offer


def decline_offer(volunteer: User, offer_id: int, now: datetime | None = None) -> Offer:
    """Say no to an offer; it leaves the volunteer's list."""
    now = now or utcnow()
    offer = get_own_offer(volunteer, offer_id)
    if not offer.is_live(now):
        raise _not_live(offer, now)
    _close(offer, OfferStatus.DECLINED, now)
    record_event(volunteer, "offer.declined", offer)
    if offer.kind is OfferKind.COVER and offer.giver_application_id:
        from ..cover.services import offer_next

        offer_next(offer.giver_application_id, now)  # the next candidate
    return offer


def cancel_cover_offers(giver_application_id: int, now: datetime) -> int:
    """Withdraw the open offers of a place handed on (its volunteer kept it or left).

    A conditional UPDATE: an offer taken meanwhile stays taken. Returns how many.
    """
    result = db.session.execute(
        sa.update(Offer)
        .where(
            Offer.giver_application_id == giver_application_id,
            Offer.kind == OfferKind.COVER,
            Offer.status == OfferStatus.OPEN,
        )
        .values(status=OfferStatus.CANCELLED, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def expire_offers(now: datetime) -> list[Offer]:
    """Mark the offers whose time ran out `expired`; returns those this call moved.

    Safe with two consumers at once: the due rows are locked and others' locked
    rows skipped (PostgreSQL), and each move is a conditional UPDATE, so an
    offer is expired (and its cover chain moved on) exactly once.
    """
    due = db.session.scalars(
        sa.select(Offer.id)
        .where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now)
        .order_by(Offer.expires_at, Offer.id)
        .with_for_update(skip_locked=True)
    ).all()
    expired = []
    for offer_id in due:
        result = db.session.execute(
            sa.update(Offer)
            .where(Offer.id == offer_id, Offer.status == OfferStatus.OPEN)
            .values(status=OfferStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            expired.append(db.session.get(Offer, offer_id))
    for offer in expired:
        db.session.refresh(offer)
    return expired


@dataclass(frozen=True)
class Gap:
    """A short shift: spots left, not over yet."""

    shift: Shift
    open: int


def short_shifts(
    user: User, now: datetime | None = None, hours_ahead: int = 4
) -> list[Gap]:
    """Shifts with spots left that run now or start within `hours_ahead` hours.

    Staff see every organisation's, members their organisations'; most open
    spots first, then the soonest.
    """
    from ..applications.openness import opportunity_open
    from ..models import Membership, OpportunitySkill, Organization

    now = now or utcnow()
    query = (
        sa.select(Shift)
        .join(Shift.opportunity)
        .join(Opportunity.organization)
        .where(
            *opportunity_open(),
            Shift.ends_at > now,
            Shift.starts_at < now + timedelta(hours=hours_ahead),
            Shift.spots_taken < Shift.capacity,
        )
        .options(
            so.contains_eager(Shift.opportunity).contains_eager(
                Opportunity.organization
            ),
            # What the ranking reads of each opportunity, in one query for all.
            so.contains_eager(Shift.opportunity)
            .selectinload(Opportunity.skill_links)
            .joinedload(OpportunitySkill.skill),
            so.contains_eager(Shift.opportunity).selectinload(Opportunity.causes),
        )
        .order_by((Shift.capacity - Shift.spots_taken).desc(), Shift.starts_at)
    )
    if not user.is_staff:
        query = query.where(
            Organization.id.in_(
                sa.select(Membership.organization_id).where(
                    Membership.user_id == user.id,
                    Membership.is_active,
                )
            )
        )
    return [
        Gap(shift, shift.capacity - shift.spots_taken)
        for shift in db.session.scalars(query)
    ]
