"""Applications: a volunteer's place (or wish for one) on a shift."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .opportunity import Shift
from .service_hours import CertifierRole
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class ApplicationStatus(enum.StrEnum):
    """Every state of the match workflow in DESIGN.md."""

    INVITED = "invited"
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    INVITATION_DECLINED = "invitation_declined"

    @property
    def holds_spot(self) -> bool:
        """Whether an application in this state occupies one of the shift's spots."""
        return self in HOLDS_SPOT


HOLDS_SPOT = frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED})


class Attendance(enum.StrEnum):
    """What happened on the day."""

    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Application(db.Model):
    """A volunteer's application to (or invitation for) one shift."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    shift_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("shift.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[ApplicationStatus] = so.mapped_column(
        str_enum(ApplicationStatus, "application_status"), index=True
    )
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decision_message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    attendance: so.Mapped[Attendance | None] = so.mapped_column(
        str_enum(Attendance, "attendance")
    )
    hours: so.Mapped[float | None]
    source: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    # Answers to the opportunity's questions: question id (text) -> the text,
    # a choice's value, or a list of values (applications.questions reads them).
    answers: so.Mapped[dict] = so.mapped_column(
        sa.JSON, default=dict, server_default="{}"
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # When the status last changed: orders the waitlist and the approval queue.
    status_changed_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow
    )
    # The volunteer scanned the shift's QR code; the organisation confirms it.
    checked_in_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # "Are you coming?" (applications/confirmations.py): when the volunteer was
    # asked, when they said yes, and how an asked place ended without them: they
    # said they can't come, or it was released unconfirmed before the start.
    confirm_asked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cant_come_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    released_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Cover (issue 13): when the volunteer asked for someone to take their place
    # (None: not looking), and when the chain of offers ran out of candidates.
    cover_sought_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cover_exhausted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    decided_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # Who certified the hours: the member or lead who recorded attendance, and in
    # what capacity (a CertifierRole value; None on rows recorded before 0015).
    attendance_recorded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    attendance_recorder_role: so.Mapped[CertifierRole | None] = so.mapped_column(
        str_enum(CertifierRole, "certifier_role")
    )
    # The organisation withdrew its certification of these hours.
    certification_withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(
        UTCDateTime
    )
    certification_withdrawn_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    certification_withdrawn_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)

    shift: so.Mapped[Shift] = so.relationship(back_populates="applications")
    volunteer: so.Mapped[User] = so.relationship(foreign_keys=[volunteer_id])
    # Who last decided: the member who accepted or declined, or staff.
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])
    attendance_recorded_by: so.Mapped[User | None] = so.relationship(
        foreign_keys=[attendance_recorded_by_id]
    )

    __table_args__ = (
        sa.UniqueConstraint("shift_id", "volunteer_id"),
        sa.CheckConstraint(
            "hours IS NULL OR (hours > 0 AND hours <= 24)", name="hours"
        ),
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status.value}>"

    @property
    def seeking_cover(self) -> bool:
        """The volunteer holds the place and asked for someone to take it."""
        return self.cover_sought_at is not None and self.status in HOLDS_SPOT
