"""Forms of the conversation pages: writing to a shift, and answering."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired

from ..forms import Form
from ..inputs import TextLength
from ..models import Audience, ShiftMessage


def audience_labels(counts: dict[str, int]) -> list[tuple[str, str]]:
    """The choices of "to", each with how many volunteers it reaches."""
    return [
        (
            Audience.HELD.value,
            str(_l("Volunteers with a place (%(n)d)", n=counts.get("held", 0))),
        ),
        (
            Audience.WAITLISTED.value,
            str(_l("The waitlist (%(n)d)", n=counts.get("waitlisted", 0))),
        ),
        (Audience.ALL.value, str(_l("Both (%(n)d)", n=counts.get("all", 0)))),
    ]


class MessageForm(Form):
    """A message to a shift's (or an opportunity's) volunteers."""

    to = RadioField(
        _l("Send to"),
        # The page shows each choice with its count (audience_labels).
        choices=[SelectChoice(audience.value, audience.value) for audience in Audience],
        default=Audience.HELD.value,
        validators=[DataRequired()],
    )
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(), TextLength(ShiftMessage.body)]
    )


class ReplyForm(Form):
    """A volunteer's answer in their thread with a shift."""

    body = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(), TextLength(ShiftMessage.body)],
    )
