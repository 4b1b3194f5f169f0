"""The shared vocabulary: causes and skills, each named in Thai and English."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db


class _Named:
    """Columns and behaviour shared by the bilingual taxonomy entries."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name_th: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)

    def name(self, locale: str) -> str:
        """Return the name in the given locale, Thai unless English is asked for."""
        return self.name_en if locale == "en" else self.name_th

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Cause(_Named, db.Model):
    """A theme of the expo, such as education or anti-corruption."""

    icon: so.Mapped[str] = so.mapped_column(sa.String(40), default="heart")


class Skill(_Named, db.Model):
    """Something a volunteer can do and an opportunity may require."""

    category: so.Mapped[str] = so.mapped_column(sa.String(40), default="general")


volunteer_skill = sa.Table(
    "volunteer_skill",
    db.metadata,
    sa.Column(
        "profile_id",
        sa.ForeignKey("volunteer_profile.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "skill_id", sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True
    ),
)

volunteer_cause = sa.Table(
    "volunteer_cause",
    db.metadata,
    sa.Column(
        "profile_id",
        sa.ForeignKey("volunteer_profile.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "cause_id", sa.ForeignKey("cause.id", ondelete="CASCADE"), primary_key=True
    ),
)

organization_cause = sa.Table(
    "organization_cause",
    db.metadata,
    sa.Column(
        "organization_id",
        sa.ForeignKey("organization.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "cause_id", sa.ForeignKey("cause.id", ondelete="CASCADE"), primary_key=True
    ),
)

opportunity_cause = sa.Table(
    "opportunity_cause",
    db.metadata,
    sa.Column(
        "opportunity_id",
        sa.ForeignKey("opportunity.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "cause_id", sa.ForeignKey("cause.id", ondelete="CASCADE"), primary_key=True
    ),
)

opportunity_skill = sa.Table(
    "opportunity_skill",
    db.metadata,
    sa.Column(
        "opportunity_id",
        sa.ForeignKey("opportunity.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "skill_id", sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True
    ),
)
