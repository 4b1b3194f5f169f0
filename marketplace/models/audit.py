"""The audit log and in-app notifications."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Who did what to which object, and when; rows are only ever appended."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    target_type: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    target_id: so.Mapped[int | None]
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow, index=True
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


class EmailOutbox(db.Model):
    """An e-mail waiting to be sent (or sent); a command delivers them over SMTP."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    to_email: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<EmailOutbox {self.id} {'sent' if self.sent_at else 'queued'}>"


class Notification(db.Model):
    """A message shown to a user in the app (the bell)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind}>"
