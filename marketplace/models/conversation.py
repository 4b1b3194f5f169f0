"""Messages to a shift and the volunteers' replies: one conversation per shift.

An organisation's member (or the shift's lead) writes to the shift's volunteers
(`ShiftMessage` of kind message, with one `MessageRecipient` row per volunteer it
reached); a volunteer answers (kind reply). All of a shift's rows form its
conversation, which every member of the organisation sees; `ConversationRead`
keeps how far each of them has read it.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .opportunity import Shift
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class MessageKind(enum.StrEnum):
    """Who wrote a conversation's entry: the organisation side, or a volunteer."""

    MESSAGE = "message"
    REPLY = "reply"


class Audience(enum.StrEnum):
    """Whom a message goes to: volunteers holding a place, waiting, or both."""

    HELD = "held"
    WAITLISTED = "waitlisted"
    ALL = "all"


class ShiftMessage(db.Model):
    """One entry of a shift's conversation: a message to its volunteers, or a reply.

    `author_id` is the member or lead who wrote a message, or the volunteer who
    replied. `audience` and `recipients` (how many volunteers it reached) are a
    message's; a reply has no audience and 0 recipients.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[MessageKind] = so.mapped_column(
        str_enum(MessageKind, "message_kind")
    )
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    audience: so.Mapped[Audience | None] = so.mapped_column(
        str_enum(Audience, "message_audience")
    )
    recipients: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    shift: so.Mapped[Shift] = so.relationship()
    author: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<ShiftMessage {self.id} {self.kind.value} shift={self.shift_id}>"


class MessageRecipient(db.Model):
    """A volunteer a message reached: what their own thread with the shift shows."""

    __tablename__ = "shift_message_recipient"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift_message.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (sa.UniqueConstraint("message_id", "volunteer_id"),)

    def __repr__(self) -> str:
        return f"<MessageRecipient {self.message_id} → {self.volunteer_id}>"


class ConversationRead(db.Model):
    """How far one member (or lead) has read a shift's conversation.

    Entries with a larger id than `last_read_id`, written by someone else, are
    unread for them; "mark unread" moves it back before the newest such entry.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    last_read_id: so.Mapped[int] = so.mapped_column(default=0)
    read_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("shift_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<ConversationRead shift={self.shift_id} user={self.user_id}>"
