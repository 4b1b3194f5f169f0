"""Hours that count (issue 15): reported hours and signed service-hour records."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .organization import Organization
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class ReportStatus(enum.StrEnum):
    """Where hours a volunteer reported are in the organisation's review."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class CertifierRole(enum.StrEnum):
    """In what capacity someone certified hours (shown as "name, role")."""

    ADMIN = "admin"  # an admin of the organisation
    MEMBER = "member"  # a member of the organisation
    LEAD = "lead"  # the shift's lead, on its day


class ReportedHours(db.Model):
    """Hours a volunteer did outside a listed shift, for an organisation to certify."""

    __tablename__ = "reported_hours"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    day: so.Mapped[date] = so.mapped_column(index=True)
    # What counts: the volunteer's hours, or the reviewer's change of them.
    hours: so.Mapped[float]
    # What the volunteer reported (kept when a reviewer changes `hours`).
    hours_reported: so.Mapped[float]
    activity: so.Mapped[str] = so.mapped_column(sa.Text)
    evidence_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    status: so.Mapped[ReportStatus] = so.mapped_column(
        str_enum(ReportStatus, "report_status"),
        default=ReportStatus.PENDING,
        index=True,
    )
    # Why the reviewer changed the hours or declined (the volunteer sees it).
    review_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    reviewer_role: so.Mapped[CertifierRole | None] = so.mapped_column(
        str_enum(CertifierRole, "certifier_role")
    )
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The organisation withdrew its certification after approving.
    withdrawn_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    withdrawn_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    withdrawn_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    volunteer: so.Mapped[User] = so.relationship(foreign_keys=[volunteer_id])
    organization: so.Mapped[Organization] = so.relationship()
    reviewed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[reviewed_by_id])

    __table_args__ = (
        sa.CheckConstraint("hours > 0 AND hours <= 24", name="hours"),
        sa.CheckConstraint(
            "hours_reported > 0 AND hours_reported <= 24", name="hours_reported"
        ),
    )

    def __repr__(self) -> str:
        return f"<ReportedHours {self.id} {self.status.value}>"


class ServiceRecord(db.Model):
    """A signed service-hour record: what it certified is frozen in its items."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Random and unique; the printed code is this, signed (as certificates).
    serial: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    holder_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    student_id: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    first_day: so.Mapped[date]
    last_day: so.Mapped[date]
    hours_attended: so.Mapped[float]
    hours_reported: so.Mapped[float]
    locale: so.Mapped[str] = so.mapped_column(sa.String(5))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    volunteer: so.Mapped[User] = so.relationship()
    items: so.Mapped[list["ServiceRecordItem"]] = so.relationship(
        back_populates="record",
        cascade="all, delete-orphan",
        order_by="ServiceRecordItem.position",
    )

    @property
    def hours(self) -> float:
        """Attended and reported hours together."""
        return round(self.hours_attended + self.hours_reported, 2)

    def __repr__(self) -> str:
        return f"<ServiceRecord {self.serial}>"


class ServiceRecordItem(db.Model):
    """One activity as a service-hour record certified it when it was issued."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    record_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("service_record.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))  # attended | reported
    application_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    reported_hours_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("reported_hours.id", ondelete="SET NULL"), index=True
    )
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="SET NULL")
    )
    day: so.Mapped[date]
    organization_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    activity: so.Mapped[str] = so.mapped_column(sa.Text)
    hours: so.Mapped[float]
    certified_by: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    record: so.Mapped[ServiceRecord] = so.relationship(back_populates="items")
    organization: so.Mapped[Organization | None] = so.relationship()
