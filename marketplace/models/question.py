"""Questions an opportunity asks applicants (e.g. a T-shirt size)."""

import enum

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .types import str_enum


class QuestionKind(enum.StrEnum):
    """Short text, one choice, or several choices."""

    TEXT = "text"
    CHOICE = "choice"
    CHOICES = "choices"


class Question(db.Model):
    """One question of an opportunity's apply form, in Thai and English.

    `choices` is a list of `{"value", "th", "en"}`; answers (Application.answers)
    keep the values, so the wording can be read in either language.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    opportunity_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    kind: so.Mapped[QuestionKind] = so.mapped_column(
        str_enum(QuestionKind, "question_kind")
    )
    label_th: so.Mapped[str] = so.mapped_column(sa.String(200))
    label_en: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    choices: so.Mapped[list[dict]] = so.mapped_column(sa.JSON, default=list)
    required: so.Mapped[bool] = so.mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind.value}>"

    def label(self, locale: str = "th") -> str:
        """The question in the locale (Thai when there is no English)."""
        if str(locale).startswith("en") and self.label_en:
            return self.label_en
        return self.label_th

    def choice_label(self, value: str, locale: str = "th") -> str:
        """The wording of one choice's value in the locale (the value if unknown)."""
        for choice in self.choices:
            if choice["value"] == value:
                english = str(locale).startswith("en") and choice.get("en")
                return choice["en"] if english else choice["th"]
        return value
