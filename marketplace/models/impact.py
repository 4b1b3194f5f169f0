"""Impact Bento: co-defined outcomes, reported values, feedback, pledges."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .application import Application
from .organization import Organization
from .taxonomy import Cause
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class RoundStatus(enum.StrEnum):
    """Where a round of co-defining outcomes is."""

    OPEN = "open"
    AGREED = "agreed"


class OutcomeSource(enum.StrEnum):
    """Where an outcome's numbers come from."""

    COMPUTED = "computed"
    REPORTED = "reported"


class OutcomeStatus(enum.StrEnum):
    """An outcome is proposed, then agreed (or set aside) by staff."""

    PROPOSED = "proposed"
    AGREED = "agreed"
    SET_ASIDE = "set_aside"


class OutcomeRound(db.Model):
    """Stakeholders agreeing the outcomes they expect, for the expo or a cause."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title_th: so.Mapped[str] = so.mapped_column(sa.String(200))
    title_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    cause_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cause.id", ondelete="SET NULL")
    )
    status: so.Mapped[RoundStatus] = so.mapped_column(
        str_enum(RoundStatus, "round_status"), default=RoundStatus.OPEN
    )
    opened_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    opened_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    agreed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    cause: so.Mapped[Cause | None] = so.relationship()
    outcomes: so.Mapped[list["Outcome"]] = so.relationship(
        back_populates="round", order_by="Outcome.id"
    )

    def __repr__(self) -> str:
        return f"<OutcomeRound {self.id} {self.status.value}>"


class Outcome(db.Model):
    """A result stakeholders expect, with its indicator, baseline and target."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outcome_round.id", ondelete="CASCADE"), index=True
    )
    name_th: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(200))
    # What is counted; for computed outcomes one of impact.indicators' keys.
    indicator: so.Mapped[str] = so.mapped_column(sa.String(200))
    unit: so.Mapped[str] = so.mapped_column(sa.String(40))
    baseline: so.Mapped[float] = so.mapped_column(default=0)
    target: so.Mapped[float]
    cause_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cause.id", ondelete="SET NULL")
    )
    # None: expo-wide.
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    source: so.Mapped[OutcomeSource] = so.mapped_column(
        str_enum(OutcomeSource, "outcome_source")
    )
    status: so.Mapped[OutcomeStatus] = so.mapped_column(
        str_enum(OutcomeStatus, "outcome_status"), default=OutcomeStatus.PROPOSED
    )
    proposed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    round: so.Mapped[OutcomeRound] = so.relationship(back_populates="outcomes")
    cause: so.Mapped[Cause | None] = so.relationship()
    organization: so.Mapped[Organization | None] = so.relationship()
    proposed_by: so.Mapped[User | None] = so.relationship()
    endorsements: so.Mapped[list["OutcomeEndorsement"]] = so.relationship(
        back_populates="outcome", cascade="all, delete-orphan"
    )
    comments: so.Mapped[list["OutcomeComment"]] = so.relationship(
        back_populates="outcome",
        cascade="all, delete-orphan",
        order_by="OutcomeComment.id",
    )

    __table_args__ = (sa.CheckConstraint("target <> baseline", name="target"),)

    def __repr__(self) -> str:
        return f"<Outcome {self.id} {self.status.value}>"


class OutcomeEndorsement(db.Model):
    """A stakeholder's endorsement of a proposed outcome (one per person)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outcome.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    outcome: so.Mapped[Outcome] = so.relationship(back_populates="endorsements")
    user: so.Mapped[User] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("outcome_id", "user_id"),)


class OutcomeComment(db.Model):
    """A stakeholder's comment on a proposed outcome."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outcome.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    outcome: so.Mapped[Outcome] = so.relationship(back_populates="comments")
    user: so.Mapped[User | None] = so.relationship()


class ReportedValue(db.Model):
    """A value an organisation reports for an outcome, per opportunity."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outcome.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    value: so.Mapped[float]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    evidence_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    reported_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    reported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    outcome: so.Mapped[Outcome] = so.relationship()


class Feedback(db.Model):
    """A volunteer's one-minute survey after an attended shift."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    # 1 (poor) to 5 (excellent).
    rating: so.Mapped[int]
    would_volunteer_again: so.Mapped[bool]
    # "I feel more able to act on a social problem": active citizenship.
    active_citizen: so.Mapped[bool]
    learned_skill: so.Mapped[bool] = so.mapped_column(default=False)
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    application: so.Mapped[Application] = so.relationship()

    __table_args__ = (sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating"),)


class PledgeKind(enum.StrEnum):
    """A promise of money, or money given."""

    PLEDGE = "pledge"
    DONATION = "donation"


class Pledge(db.Model):
    """Financial capital brought through a giving partner (no payments here)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[PledgeKind] = so.mapped_column(
        str_enum(PledgeKind, "pledge_kind"), default=PledgeKind.PLEDGE
    )
    amount_thb: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(14, 2))
    cause_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cause.id", ondelete="SET NULL")
    )
    # The organisation the money goes to (None: the expo's cause fund).
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    # The giving partner it came through.
    source_partner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    pledged_on: so.Mapped[date]
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The receiving organisation says the pledged money arrived through e-Donation.
    fulfilled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    fulfilled_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    cause: so.Mapped[Cause | None] = so.relationship()
    organization: so.Mapped[Organization | None] = so.relationship(
        foreign_keys=[organization_id]
    )
    source_partner: so.Mapped[Organization] = so.relationship(
        foreign_keys=[source_partner_id]
    )

    __table_args__ = (sa.CheckConstraint("amount_thb > 0", name="amount"),)


class Certificate(db.Model):
    """A certificate of hours served; its code is signed and checked publicly."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Random and unique; the printed code is this, signed with the secret key.
    serial: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    volunteer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # None: every organisation.
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="SET NULL")
    )
    # What the certificate states, frozen when it is issued.
    holder_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    hours: so.Mapped[float]
    shifts: so.Mapped[int]
    # Approved self-reported hours, stated apart from the attended `hours`.
    hours_reported: so.Mapped[float] = so.mapped_column(default=0, server_default="0")
    locale: so.Mapped[str] = so.mapped_column(sa.String(5))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    volunteer: so.Mapped[User] = so.relationship()
    organization: so.Mapped[Organization | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}>"
