"""The expo booth: kiosks on partners' tablets, walk-in sign-ups, one-time codes."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import UTCDateTime, utcnow


class Kiosk(db.Model):
    """A partner's tablet in kiosk mode, started by a member for one organisation.

    The tablet's session holds a random secret; only its SHA-256 digest is stored,
    so the table alone cannot be used to open a kiosk.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    started_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Kiosk {self.id} organization={self.organization_id}>"


class WalkIn(db.Model):
    """One person signed up (or found again) at a partner's booth and applied."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    kiosk_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("kiosk.id", ondelete="SET NULL"), index=True
    )
    # What the person shows at the booth: random, not derived from any id.
    code: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    # "booth:<organisation id>" (own phone) or "kiosk:<organisation id>".
    source: so.Mapped[str] = so.mapped_column(sa.String(80))
    is_returning: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<WalkIn {self.id} {self.source}>"


class PhoneCode(db.Model):
    """A one-time code sent to a returning volunteer, typed in at one kiosk."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kiosk_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("kiosk.id", ondelete="CASCADE"), index=True
    )
    # E.164; the code is stored as "<salt hex>$<sha256 hex of salt + code>".
    phone: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<PhoneCode {self.id} kiosk={self.kiosk_id}>"
