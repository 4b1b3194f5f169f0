"""Demo data for channels: the offer's message with its answers, a channel choice."""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import ChannelPreference, Notification, Offer, OfferStatus, User


def build_channels_demo(volunteer: User, now: datetime) -> dict[str, int]:
    """The demo volunteer's message about the offered place, and their channels.

    The notifications page then shows the message's link, next step and the
    "Take the place" / "Not this time" buttons; "How we reach you" shows a choice
    made (offers by e-mail, other news in the app only).
    """
    offer = db.session.scalar(
        sa.select(Offer).where(
            Offer.volunteer_id == volunteer.id, Offer.status == OfferStatus.OPEN
        )
    )
    messages = 0
    if offer is not None:
        minutes = max(int((offer.expires_at - now).total_seconds() // 60), 1)
        db.session.add(
            Notification(
                user_id=volunteer.id,
                kind="place_offered",
                created_at=now,
                data={
                    "offer_id": offer.id,
                    "shift_id": offer.shift_id,
                    "opportunity_id": offer.shift.opportunity_id,
                    "title": offer.shift.opportunity.title,
                    "starts_at": offer.shift.starts_at.isoformat(),
                    "minutes": minutes,
                },
            )
        )
        messages = 1
    db.session.add_all(
        [
            ChannelPreference(user_id=volunteer.id, topic="offers", channels="email"),
            ChannelPreference(user_id=volunteer.id, topic="news", channels=""),
        ]
    )
    return {"offer_messages": messages, "channel_choices": 2}
