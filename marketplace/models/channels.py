"""How a message reaches a person: deliveries per channel, and each person's choice."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import UTCDateTime, utcnow


class DeliveryStatus:
    """Where a delivery stands (strings, so a new state needs no migration)."""

    PENDING = "pending"  # waiting for the queue (or for its next retry)
    SENT = "sent"  # went out on `channel_used`
    INAPP_ONLY = "inapp_only"  # no outside channel reached them: the bell only
    FAILED = "failed"  # given up after too many temporary failures


class Delivery(db.Model):
    """One notification on its way through one channel the person chose.

    Created by notify() in the caller's transaction and sent by the queue. `key`
    is the idempotency key: it goes out with the message (the e-mail's
    Message-ID, LINE's retry key), so a resend after a crash is the same message.
    """

    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel"),
        sa.Index("ix_delivery_status_created_at", "status", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    notification_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("notification.id", ondelete="CASCADE")
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # The channel asked for; `channel_used` is where it went after any fallback.
    channel: so.Mapped[str] = so.mapped_column(sa.String(20))
    key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    status: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=DeliveryStatus.PENDING
    )
    channel_used: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # When the queue should try it next (a retry after a temporary failure).
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    notification = so.relationship("Notification")
    user = so.relationship("User")

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.channel} {self.status}>"


class ChannelPreference(db.Model):
    """The channels a person chose for one topic of messages.

    `channels` is a space-separated list of channel names ("line email"); an
    empty one means in-app only. Without a row the defaults apply.
    """

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    topic: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    channels: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<ChannelPreference {self.user_id} {self.topic}: {self.channels}>"
