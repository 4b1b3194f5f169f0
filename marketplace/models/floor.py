"""The expo floor: volunteers who lead a shift on the day."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .opportunity import Shift
from .types import UTCDateTime, utcnow
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
