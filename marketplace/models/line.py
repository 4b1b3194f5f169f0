"""LINE: a person's linked LINE account, webhook events seen, pushes per month."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import UTCDateTime, utcnow


class LineAccount(db.Model):
    """A user's LINE account, linked through LINE Login (one each way).

    `line_user_id` is the `sub` of LINE's ID token (personal data). `is_friend`:
    the person has the official account as a friend, so pushes reach them; the
    login's friendship check and the follow/unfollow webhook events keep it.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True
    )
    line_user_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    is_friend: so.Mapped[bool] = so.mapped_column(default=False)
    linked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LineAccount user={self.user_id} friend={self.is_friend}>"


class LineWebhookEvent(db.Model):
    """A webhook event already handled: LINE may deliver one event again."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    webhook_event_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LineWebhookEvent {self.webhook_event_id}>"


class LinePushCount(db.Model):
    """Push messages sent in one month (Asia/Bangkok), counted against the quota."""

    month: so.Mapped[str] = so.mapped_column(sa.String(7), primary_key=True)
    pushes: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<LinePushCount {self.month} {self.pushes}>"
