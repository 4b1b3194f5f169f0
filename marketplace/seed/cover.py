"""Cover in the demo: a volunteer hands their place on, the demo volunteer is asked.

Another volunteer who holds a place on an upcoming shift of the organiser's
organisation asked for cover (the applicants page shows "Looking for cover" and
Release); the place is offered to the demo volunteer, under My shifts → Places
offered to you. The demo offer lasts a day (a real one COVER_OFFER_MINUTES), so
whoever tries the demo finds it; then the chain moves on as usual.
"""

from datetime import datetime, timedelta

from ..applications.eligibility import overlapping_held_shift
from ..extensions import db
from ..models import (
    HOLDS_SPOT,
    Notification,
    Offer,
    OfferKind,
    OfferStatus,
    Organization,
    User,
)

DEMO_OFFER_HOURS = 24


def build_cover_demo(
    volunteer: User, organizer_org: Organization, now: datetime
) -> dict[str, int]:
    """Add the cover showcase rows (no commit); return counts."""
    shifts = sorted(
        (
            shift
            for opportunity in organizer_org.opportunities
            for shift in opportunity.shifts
            if shift.starts_at > now + timedelta(days=1, hours=1)
        ),
        key=lambda shift: shift.starts_at,
    )
    for shift in shifts:
        if any(a.volunteer_id == volunteer.id for a in shift.applications):
            continue
        givers = [
            a
            for a in shift.applications
            if a.status in HOLDS_SPOT and a.attendance is None
        ]
        if not givers or overlapping_held_shift(volunteer, shift):
            continue
        place = givers[0]
        place.cover_sought_at = now
        expires = min(
            now + timedelta(hours=DEMO_OFFER_HOURS),
            shift.starts_at - timedelta(minutes=15),
        )
        offer = Offer(
            kind=OfferKind.COVER,
            status=OfferStatus.OPEN,
            shift_id=shift.id,
            volunteer_id=volunteer.id,
            offered_by_id=place.volunteer_id,
            giver_application_id=place.id,
            created_at=now,
            expires_at=expires,
        )
        db.session.add(offer)
        db.session.flush()
        db.session.add(
            Notification(
                user_id=volunteer.id,
                kind="cover_offered",
                data={
                    "offer_id": offer.id,
                    "shift_id": shift.id,
                    "opportunity_id": shift.opportunity_id,
                    "title": shift.opportunity.title,
                    "starts_at": shift.starts_at.isoformat(),
                    "expires_at": expires.isoformat(),
                    "minutes": round((expires - now).total_seconds() / 60),
                },
            )
        )
        return {"cover_offers": 1}
    return {"cover_offers": 0}
