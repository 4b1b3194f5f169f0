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


def _link_table(name: str, left: str, right: str) -> sa.Table:
    """A many-to-many table between two tables, each side keyed by its `id`."""
    left_key = (
        "volunteer_profile.user_id" if left == "volunteer_profile" else f"{left}.id"
    )
    left_column = "profile_id" if left == "volunteer_profile" else f"{left}_id"
    return sa.Table(
        name,
        db.metadata,
        sa.Column(
            left_column, sa.ForeignKey(left_key, ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            f"{right}_id",
            sa.ForeignKey(f"{right}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )


volunteer_skill = _link_table("volunteer_skill", "volunteer_profile", "skill")
volunteer_cause = _link_table("volunteer_cause", "volunteer_profile", "cause")
organization_cause = _link_table("organization_cause", "organization", "cause")
opportunity_cause = _link_table("opportunity_cause", "opportunity", "cause")
opportunity_skill = _link_table("opportunity_skill", "opportunity", "skill")
# Whether the opportunity requires the skill (a hard filter of matching) or only
# would like it (nice to have: it raises the score). Rows from before the flag
# existed keep their meaning: required.
opportunity_skill.append_column(
    sa.Column(
        "required",
        sa.Boolean(),
        nullable=False,
        default=True,
        server_default=sa.true(),
    )
)
