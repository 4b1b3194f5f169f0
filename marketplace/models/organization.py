"""Partner organisations and their members."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.hybrid import hybrid_property

from ..extensions import db
from .taxonomy import Cause, organization_cause
from .types import UTCDateTime, str_enum, utcnow
from .user import User

if TYPE_CHECKING:
    from .opportunity import Opportunity


class OrganizationStatus(enum.StrEnum):
    """Where an organisation is in staff verification."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class OrganizationKind(enum.StrEnum):
    """The part an organisation plays at the expo."""

    PARTNER = "partner"
    INTERMEDIARY = "intermediary"
    ORGANISER = "organiser"
    GIVING_PARTNER = "giving_partner"


class Organization(db.Model):
    """An NGO, foundation or social enterprise that posts opportunities."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    name_th: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    website: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    kind: so.Mapped[OrganizationKind] = so.mapped_column(
        str_enum(OrganizationKind, "organization_kind"),
        default=OrganizationKind.PARTNER,
    )
    status: so.Mapped[OrganizationStatus] = so.mapped_column(
        str_enum(OrganizationStatus, "organization_status"),
        default=OrganizationStatus.PENDING,
        index=True,
    )
    rejection_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Trusted organisations skip the staff approval of their matches.
    auto_approve: so.Mapped[bool] = so.mapped_column(default=False)
    is_demo: so.Mapped[bool] = so.mapped_column(default=False)
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]
    location_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    province: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    verified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    verified_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    causes: so.Mapped[list[Cause]] = so.relationship(secondary=organization_cause)
    memberships: so.Mapped[list["Membership"]] = so.relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    opportunities: so.Mapped[list["Opportunity"]] = so.relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.slug} {self.status.value}>"

    def name(self, locale: str) -> str:
        """Return the name in the given locale, falling back to Thai."""
        return (self.name_en or self.name_th) if locale == "en" else self.name_th

    @property
    def is_verified(self) -> bool:
        """Whether staff have verified the organisation."""
        return self.status is OrganizationStatus.VERIFIED


class MemberRole(enum.StrEnum):
    """What a member may do for their organisation."""

    ADMIN = "admin"
    MEMBER = "member"


class MembershipStatus(enum.StrEnum):
    """Where a membership is: an invitation gives no access until it is accepted."""

    INVITED = "invited"
    ACTIVE = "active"
    DECLINED = "declined"


class Membership(db.Model):
    """A user's membership of an organisation, or an invitation to become one.

    Only an active membership gives access; see `Membership.is_active`.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[MemberRole] = so.mapped_column(
        str_enum(MemberRole, "member_role"), default=MemberRole.MEMBER
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    status: so.Mapped[MembershipStatus] = so.mapped_column(
        str_enum(MembershipStatus, "membership_status"),
        default=MembershipStatus.ACTIVE,
        server_default=MembershipStatus.ACTIVE.value,
    )
    invited_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    invited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    responded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    organization: so.Mapped[Organization] = so.relationship(
        back_populates="memberships"
    )
    user: so.Mapped[User] = so.relationship(
        back_populates="memberships", foreign_keys=[user_id]
    )

    __table_args__ = (sa.UniqueConstraint("organization_id", "user_id"),)

    def __repr__(self) -> str:
        return (
            f"<Membership org={self.organization_id} user={self.user_id}"
            f" {self.status.value}>"
        )

    @hybrid_property
    def is_active(self) -> bool:
        """Whether the membership gives access (an accepted one)."""
        return self.status is MembershipStatus.ACTIVE

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls) -> sa.ColumnElement[bool]:
        return cls.status == MembershipStatus.ACTIVE
