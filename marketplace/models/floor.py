"""The expo floor: shift leads, floaters (free now) and offers of a place on a shift."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .opportunity import Shift
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class ShiftLead(db.Model):
    """A volunteer with an approved place whom the organisation made a shift's lead.

    A lead sees that shift's roster (with phone numbers, on the shift's day) and
    records its attendance: nothing else of the organisation (see access.py).
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    appointed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    shift: so.Mapped[Shift] = so.relationship()
    volunteer: so.Mapped[User] = so.relationship(foreign_keys=[volunteer_id])

    __table_args__ = (sa.UniqueConstraint("shift_id", "volunteer_id"),)

    def __repr__(self) -> str:
        return f"<ShiftLead shift={self.shift_id} volunteer={self.volunteer_id}>"


class Floater(db.Model):
    """A volunteer at the expo who said "I'm free now", until `free_until`.

    One row per volunteer: saying it again moves the times; "no longer free"
    deletes it.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True
    )
    free_from: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    free_until: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)

    volunteer: so.Mapped[User] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("free_until > free_from", name="free_until_after_from"),
    )

    def __repr__(self) -> str:
        return f"<Floater {self.volunteer_id} until {self.free_until}>"


class OfferKind(enum.StrEnum):
    """Why a place is offered: to a floater, or to cover someone (issue 13)."""

    FLOATER = "floater"
    COVER = "cover"


class OfferStatus(enum.StrEnum):
    """An offer's life: open until taken, declined, expired or withdrawn."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Offer(db.Model):
    """A place on a shift offered to one volunteer, until it expires.

    The volunteer takes it with one tap (within capacity, with the overlap rule);
    `application_id` is then their application. A cover offer names the place
    handed on (`giver_application_id`), released when the offer is taken.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[OfferKind] = so.mapped_column(str_enum(OfferKind, "offer_kind"))
    status: so.Mapped[OfferStatus] = so.mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.OPEN, index=True
    )
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    offered_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    giver_application_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    application_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    shift: so.Mapped[Shift] = so.relationship()
    volunteer: so.Mapped[User] = so.relationship(foreign_keys=[volunteer_id])

    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.kind.value} {self.status.value}>"

    def is_live(self, now: datetime) -> bool:
        """Open and not yet expired: the volunteer can still take it."""
        return self.status is OfferStatus.OPEN and self.expires_at > now
