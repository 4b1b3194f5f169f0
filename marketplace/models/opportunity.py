"""Opportunities posted by organisations, and their shifts."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .organization import Organization
from .taxonomy import Cause, Skill, opportunity_cause, opportunity_skill
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .application import Application
    from .question import Question


class ApprovalMode(enum.StrEnum):
    """How applying to a shift turns into a held spot."""

    FIRST_COME = "first_come"
    REVIEW = "review"


class OpportunityStatus(enum.StrEnum):
    """Whether volunteers can see and apply to an opportunity."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class Opportunity(db.Model):
    """A way to volunteer with an organisation, made of one or more shifts."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    remote: so.Mapped[bool] = so.mapped_column(default=False)
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]
    location_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    province: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    approval_mode: so.Mapped[ApprovalMode] = so.mapped_column(
        str_enum(ApprovalMode, "approval_mode"), default=ApprovalMode.REVIEW
    )
    status: so.Mapped[OpportunityStatus] = so.mapped_column(
        str_enum(OpportunityStatus, "opportunity_status"),
        default=OpportunityStatus.DRAFT,
        index=True,
    )
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    accessibility: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    min_age: so.Mapped[int | None]
    is_expo: so.Mapped[bool] = so.mapped_column(default=False)
    # Places asked "are you coming?" and not confirmed are released this many
    # hours before the shift starts; None: never (applications/confirmations.py).
    release_unconfirmed_hours: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    organization: so.Mapped[Organization] = so.relationship(
        back_populates="opportunities"
    )
    causes: so.Mapped[list[Cause]] = so.relationship(secondary=opportunity_cause)
    # Every listed skill; whether each is required is the link's `required` flag,
    # read through `skill_links` (one query with the skills) and set by
    # organizations.opportunities.set_opportunity_skills.
    skills: so.Mapped[list[Skill]] = so.relationship(secondary=opportunity_skill)
    skill_links: so.Mapped[list["OpportunitySkill"]] = so.relationship(viewonly=True)
    shifts: so.Mapped[list["Shift"]] = so.relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        order_by="Shift.starts_at",
    )
    # The questions its apply form asks (applications.questions).
    questions: so.Mapped[list["Question"]] = so.relationship(
        cascade="all, delete-orphan", order_by="(Question.position, Question.id)"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "remote OR (lat IS NOT NULL AND lon IS NOT NULL)", name="located"
        ),
        sa.CheckConstraint("min_age IS NULL OR min_age >= 0", name="min_age"),
    )

    @property
    def required_skills(self) -> list[Skill]:
        """The skills a volunteer must hold to be matched (a hard filter)."""
        return self._skills_flagged(required=True)

    @property
    def nice_to_have_skills(self) -> list[Skill]:
        """Skills welcome but not required: they raise the match score."""
        return self._skills_flagged(required=False)

    def _skills_flagged(self, required: bool) -> list[Skill]:
        links = [link for link in self.skill_links if link.required is required]
        return [
            link.skill
            for link in sorted(links, key=lambda x: (x.skill.position, x.skill.slug))
        ]

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.status.value}>"


class OpportunitySkill(db.Model):
    """A skill an opportunity lists, required or nice to have (a link row).

    Read-only here: `Opportunity.skills` writes the rows and
    `set_opportunity_skills` their flags.
    """

    __table__ = opportunity_skill

    skill: so.Mapped[Skill] = so.relationship(lazy="joined", viewonly=True)


class Shift(db.Model):
    """A time slot of an opportunity with a number of spots."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    opportunity_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    capacity: so.Mapped[int]
    # Spots held (accepted + approved applications), kept by one service
    # function with a conditional UPDATE; the CHECK is the backstop.
    spots_taken: so.Mapped[int] = so.mapped_column(default=0)

    opportunity: so.Mapped[Opportunity] = so.relationship(back_populates="shifts")
    applications: so.Mapped[list["Application"]] = so.relationship(
        back_populates="shift", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity >= 1 AND capacity <= 10000", name="capacity"),
        sa.CheckConstraint(
            "spots_taken >= 0 AND spots_taken <= capacity", name="spots_taken"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    def __repr__(self) -> str:
        return f"<Shift {self.id} {self.spots_taken}/{self.capacity}>"

    @property
    def spots_left(self) -> int:
        """How many more volunteers the shift can hold."""
        return self.capacity - self.spots_taken
